#!/usr/bin/env bash
# The command-line habits every program shares (djb-toolkit(7)), checked on all of them:
# --help and --version, -q after a subcommand, the usage instead of a silent wait when a
# program that reads standard input is started bare at a terminal, and error messages on
# their own line, never on the end of a progress bar.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1

PROGRAMS=(wf-hash wf-peaks wf-mixstems djb-analyze djb-transition djb-render dub-mux
  clip-highlights golden-diff)

case_ "--help and --version: stdout, exit 0, in every program"
for p in "${PROGRAMS[@]}"; do
  run "$BIN/$p" --help
  expect_rc 0
  expect_out_has "Usage: $p"
  expect_err_empty
  run "$BIN/$p" --version
  expect_rc 0
  check "$p --version names the program and the toolkit" \
    "[ \"\$(printf '%s' \"\$OUT\" | cut -d' ' -f1-2)\" = '$p (djb-toolkit)' ]"
done

case_ "--help reads alike: no CLI11 validator text, defaults one way, positionals in capitals"
for p in "${PROGRAMS[@]}"; do
  run "$BIN/$p" --help
  check "$p --help has no validator text (e.g. 'INT:INT in [0 - 64]')" \
    "! printf '%s' \"\$OUT\" | grep -qE '[A-Z]+:[A-Z{]'"
  check "$p --help shows no default as '=X' or '(default X)'" \
    "! printf '%s' \"\$OUT\" | grep -qE '^ +-[^ ]+ [A-Z]+=[^A-Z]|^ +-.*\\(default [^:]'"
  check "$p --help names its positionals in capitals" \
    "! printf '%s' \"\$OUT\" | sed -n '/^Positionals:/,/^\$/p' | grep -qE '^  [a-z]'"
done

case_ "-q before or after a subcommand"
for order in "-q extract" "extract -q"; do
  # shellcheck disable=SC2086 # the words are the arguments
  run "$BIN/dub-mux" $order missing.mp4 -o x.wav
  expect_rc 66
  expect_one_line_err dub-mux
done

# A pseudo-terminal on stdin (script(1) from util-linux): what a user at a prompt has.
on_terminal() { timeout 20 script -qec "$*" /dev/null </dev/null; }

case_ "a bare program on a terminal prints its usage instead of waiting for stdin"
if command -v script >/dev/null; then
  for p in djb-analyze wf-hash djb-transition; do
    OUT=$(on_terminal "$BIN/$p")
    RC=$?
    expect_rc 64
    expect_out_has "Usage: $p"
    expect_out_has "$p: no input: give files, or pipe audio into standard input"
  done
  # Piped input is still read: a bare program reads stdin when it is not a terminal.
  "$SYNTH" track --bpm 124 --key Am --sections intro:2,drop:2 -o a.wav
  run_stdin a.wav "$BIN/wf-hash"
  expect_rc 0
  expect_out_has '"path":"-"'
else
  echo "skipped [$CURRENT]: script(1) is missing (package bsdutils)" >&2
fi

case_ "an error erases the progress bar first: its own line, never the bar's end"
"$SYNTH" track --bpm 124 --key Am --sections intro:2,drop:2 -o a.wav
run "$BIN/wf-hash" --progress a.wav missing.wav a.wav
expect_rc 66
check "a bar was drawn" "printf '%s' \"\$ERR\" | grep -q 'wf-hash \\['"
check "the error line starts on an erased line" \
  "printf '%s' \"\$ERR\" | tr '\r' '\n' | grep -q \$'^\\033\\[Kwf-hash: missing.wav: '"
check "no bar text before the error on its line" \
  "! printf '%s' \"\$ERR\" | tr '\r' '\n' | grep -q '%.*missing.wav'"

case_ "djb-analyze's bar moves within a file, not only when one is done"
ffmpeg -nostdin -v error -y -f lavfi -i "sine=frequency=440:duration=600" -ar 22050 long.wav
run "$BIN/djb-analyze" --progress long.wav
expect_rc 0
check "a percentage between 0 and 100 was drawn for the one file" \
  "printf '%s' \"\$ERR\" | tr '\\r' '\\n' | grep -oE '[0-9]+%' | grep -qvE '^(0|100)%\$'"
rm -f long.wav

case_ "clip-highlights shows its stages on a progress bar, erased at the end"
"$SYNTH" song --bpm 120 --key C --sections intro:2,verse:4,chorus:4,outro:2 -o song.wav >/dev/null
run "$BIN/clip-highlights" --progress song.wav --lengths 8 -o hl
expect_rc 0
check "the analysing and cutting stages were shown" \
  "printf '%s' \"\$ERR\" | grep -q 'clip-highlights: analysing' && printf '%s' \"\$ERR\" | grep -q 'clip-highlights: cutting'"
check "the bar is erased: stderr ends with an erased line" "[ \"\$(printf '%s' \"\$ERR\" | tail -c 4 | od -An -c | tr -d ' ')\" = '\\r033[K' ]"
run "$BIN/clip-highlights" song.wav --lengths 8 -o hl2
expect_rc 0
expect_err_empty

case_ "dub-mux, golden-diff and djb-transition --plan show a bar with --progress, erased at the end"
erased_at_end() { [ "$(printf '%s' "$ERR" | tail -c 4 | od -An -c | tr -d ' ')" = '\r033[K' ]; }
ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=160x120:rate=25:duration=4 -c:v libx264 \
  -preset ultrafast -pix_fmt yuv420p v.mp4
"$SYNTH" tone --freq 440 --seconds 4 -o dub.wav >/dev/null
run "$BIN/dub-mux" mux --progress --video v.mp4 --audio dub.wav -o dubbed.mp4
expect_rc 0
check "dub-mux drew its bar" "printf '%s' \"\$ERR\" | grep -q 'dub-mux \\['"
check "dub-mux erased it" erased_at_end
mkdir -p g/a g/b
for n in 1 2 3; do echo "{\"n\": $n}" >"g/a/$n.json"; cp "g/a/$n.json" "g/b/$n.json"; done
run "$BIN/golden-diff" --progress g/a g/b
expect_rc 0
check "golden-diff drew its bar" "printf '%s' \"\$ERR\" | grep -q 'golden-diff \\['"
check "golden-diff erased it" erased_at_end
for k in Am Em C; do
  "$SYNTH" track --bpm 124 --key $k --sections intro:2,drop:2 -o "t$k.wav" >/dev/null
done
"$BIN/djb-analyze" -q tAm.wav tEm.wav tC.wav >set.jsonl
run_stdin set.jsonl "$BIN/djb-transition" --plan --progress
expect_rc 0
check "djb-transition drew its bar" "printf '%s' \"\$ERR\" | grep -q 'djb-transition: scoring pairs \\['"
check "djb-transition erased it" erased_at_end

finish
