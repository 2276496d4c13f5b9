#!/usr/bin/env bash
# CLI tests for djb-analyze: the djb.analysis/1 fields against the synthesizer's truth, JSON
# Lines order under -j, determinism, the store's reuse rule, beatless input, bad input.
. "$(dirname "$0")/lib.sh"
P="$BIN/djb-analyze"
cd "$WORK" || exit 1

ff() { ffmpeg -nostdin -v error -y "$@"; }
lines() { printf '%s\n' "$1" | grep -c .; }
line() { printf '%s\n' "$1" | sed -n "${2}p"; }

# Fixtures: short synthetic tracks with known truth.
"$SYNTH" track --bpm 128 --key Am --sections intro:4,drop:8 -o house.wav --truth house.json
"$SYNTH" track --bpm 174 --groove breakbeat --key Fm --sections intro:4,drop:8 -o dnb.wav --truth dnb.json
"$SYNTH" track --bpm 100 --groove half-time --key Eb --sections intro:2,drop:6 -o slow.wav --truth slow.json
ff -i house.wav -b:a 192k -metadata title="Night Shift" -metadata artist="Synth Ensemble" house.mp3
"$SYNTH" tone --freq 440 --seconds 6 -o tone.wav
"$SYNTH" pad --key C --seconds 20 -o pad.wav
"$SYNTH" tone --freq 440 --seconds 3 --amp 0 -o silence.wav

case_ "fields against the truth"
run "$P" -j 1 house.wav dnb.wav slow.wav house.mp3
expect_rc 0
expect_err_empty
check "four lines" '[ "$(lines "$OUT")" = 4 ]'
i=1
for f in house.wav dnb.wav slow.wav house.mp3; do
  d=$(line "$OUT" $i)
  truth=${f%.*}.json
  check "$f schema" '[ "$(jl "$d" d.schema)" = djb.analysis/1 ]'
  check "$f key order" '[ "$(jl "$d" "Object.keys(d).join(\" \")")" = "schema toolkit_version analysis_version input duration sample_rate channels tags options bpm bpm_confidence bpm_reason bpm_alternatives beat_grid tempo_segments beats meter downbeats downbeat_confidence downbeat_reason key key_reason loudness energy phrases cues" ]'
  check "$f path" '[ "$(jl "$d" d.input.path)" = "$f" ]'
  check "$f sha256" '[ "$(jl "$d" d.input.sha256)" = "$(sha256sum "$f" | cut -d" " -f1)" ]'
  check "$f bpm" 'near "$(jl "$d" d.bpm)" "$(jl "$(cat "$truth")" d.bpm)" 0.05'
  if [ "$f" = slow.wav ]; then
    # 8 half-time bars: the key module may call the relative minor (same notes; key.hpp).
    check "$f key: Eb major (5B) or its relative C minor (5A)" '[[ "$(jl "$d" d.key.camelot)" = 5[AB] ]]'
  else
    check "$f key" '[ "$(jl "$d" d.key.name)" = "$(jl "$(cat "$truth")" d.key)" ]'
  fi
  check "$f duration" 'near "$(jl "$d" d.duration)" "$(jl "$(cat "$truth")" d.duration)" 0.06'
  check "$f loudness" '[ "$(jl "$d" "Object.keys(d.loudness).join(\" \")")" = "integrated_lufs loudness_range_lu true_peak_dbtp sample_peak_dbfs" ]'
  check "$f integrated loudness plausible" 'near "$(jl "$d" d.loudness.integrated_lufs)" -16 10'
  check "$f true peak >= sample peak" 'awk -v t="$(jl "$d" d.loudness.true_peak_dbtp)" -v s="$(jl "$d" d.loudness.sample_peak_dbfs)" "BEGIN { exit !(t >= s) }"'
  check "$f native rate and channels" '[ "$(jl "$d" d.sample_rate)/$(jl "$d" d.channels)" = 44100/2 ]'
  check "$f meter and downbeats" '[ "$(jl "$d" d.meter)" = 4 ] && [ "$(jl "$d" d.downbeats.length)" -ge 3 ]'
  check "$f first beat" 'near "$(jl "$d" d.beats[0])" "$(jl "$(cat "$truth")" d.beats[0])" 0.03'
  i=$((i + 1))
done
check "default options recorded" '[ "$(jl "$(line "$OUT" 1)" d.options)" = "{\"bpm_range\":[75,220],\"bpm_prior\":125}" ]'

case_ "tags"
check "house.mp3 tags from its ID3 frames" '[ "$(jl "$(line "$OUT" 4)" d.tags)" = "{\"title\":\"Night Shift\",\"artist\":\"Synth Ensemble\",\"album\":null}" ]'
check "house.wav has no tags: null" '[ "$(jl "$(line "$OUT" 1)" d.tags)" = "{\"title\":null,\"artist\":null,\"album\":null}" ]'

case_ "energy, phrases and cues"
d=$(line "$OUT" 1)
check "a bar per downbeat" '[ "$(jl "$d" d.energy.bars.length)" = "$(jl "$d" d.downbeats.length)" ] && [ "$(jl "$d" d.energy.grid)" = downbeats ]'
check "level 1..10" '[ "$(jl "$d" "d.energy.level >= 1 && d.energy.level <= 10")" = true ]'
check "phrases start at 0 and tile the track" '[ "$(jl "$d" "d.phrases.phrases.every((p, i, a) => i == 0 ? p.start == 0 : p.start == a[i - 1].end)")" = true ]'
check "a drop" '[ "$(jl "$d" "d.phrases.phrases.some(p => p.label == \"drop\")")" = true ]'
check "eight cues" '[ "$(jl "$d" "d.cues.map(c => c.name).join(\" \")")" = "audible_start audible_end music_start mix_in intro_end first_drop outro_start mix_out" ]'
check "first drop after the 4-bar intro" 'near "$(jl "$d" "d.cues[5].time")" "$(jl "$(cat house.json)" "d.sections[1].start")" 0.05'
check "every cue has a reason" '[ "$(jl "$d" "d.cues.every(c => c.reason.length > 0)")" = true ]'

case_ "JSON Lines in input order with -j 2, byte-identical to -j 1"
ONE="$OUT"
run "$P" -j 2 house.wav dnb.wav slow.wav house.mp3
expect_rc 0
check "same bytes as -j 1" '[ "$OUT" = "$ONE" ]'
check "paths in order" '[ "$(printf "%s\n" "$OUT" | grep -o "\"path\":\"[^\"]*\"" | tr "\n" " ")" = "\"path\":\"house.wav\" \"path\":\"dnb.wav\" \"path\":\"slow.wav\" \"path\":\"house.mp3\" " ]'

case_ "deterministic: two runs byte-identical"
"$P" house.mp3 dnb.wav >run1.jsonl
"$P" house.mp3 dnb.wav >run2.jsonl
check "cmp" 'cmp -s run1.jsonl run2.jsonl'

case_ "stdin and a pipe"
run_stdin house.wav "$P"
expect_rc 0
check "stdin path" '[ "$(jl "$OUT" d.input.path)" = - ]'
check "stdin sha256" '[ "$(jl "$OUT" d.input.sha256)" = "$(sha256sum <house.wav | cut -d" " -f1)" ]'
check "stdin same analysis" '[ "$(jl "$OUT" d.beats)" = "$(jl "$(line "$ONE" 1)" d.beats)" ]'
cat house.mp3 | "$P" - >pipe.jsonl 2>pipe.err
check "pipe exit 0" '[ $? = 0 ]'
check "pipe sha256" '[ "$(jl "$(cat pipe.jsonl)" d.input.sha256)" = "$(sha256sum <house.mp3 | cut -d" " -f1)" ]'
check "pipe same analysis as the file" '[ "$(jl "$(cat pipe.jsonl)" d.beats)" = "$(jl "$(line "$ONE" 4)" d.beats)" ]'
check "no spool left" '[ -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name ".djb-analyze-input.*" -newer house.mp3 2>/dev/null)" ]'

case_ "store: the second run decodes nothing and prints the same bytes"
files=(house.wav dnb.wav slow.wav house.mp3 tone.wav)
run "$P" -v --store st -j 2 "${files[@]}"
expect_rc 0
expect_err_has "djb-analyze: 5 files: 0 from the store, 5 analysed, 0 failed"
FIRST="$OUT"
V="v$(jl "$(line "$FIRST" 1)" d.analysis_version)"
check "entries laid out by sha256" '[ -f "st/analysis/$(sha256sum house.wav | cut -c1-2)/$(sha256sum house.wav | cut -c3-64)-$V-$(ls st/analysis/$(sha256sum house.wav | cut -c1-2) | sed "s/.*-$V-//")" ]'
check "five entries" '[ "$(find st/analysis -type f -name "*.json" | wc -l)" = 5 ]'
check "an entry is the printed line" '[ "$(cat st/analysis/$(sha256sum dnb.wav | cut -c1-2)/*)" = "$(line "$FIRST" 2)" ]'
run "$P" -v --store st -j 2 "${files[@]}"
expect_rc 0
expect_err_has "djb-analyze: 5 files: 5 from the store, 0 analysed, 0 failed"
check "identical output" '[ "$OUT" = "$FIRST" ]'
check "same as without a store" '[ "$(line "$OUT" 1)" = "$(line "$ONE" 1)" ]'
for d in st/analysis/*; do expect_no_temps "$d"; done

case_ "store: the same content under another name is reused, under that name"
cp dnb.wav renamed.wav
run "$P" -v --store st renamed.wav
expect_err_has "1 file: 1 from the store, 0 analysed"
check "path is the new name" '[ "$(jl "$OUT" d.input.path)" = renamed.wav ]'
check "otherwise the same" '[ "$(sed s/renamed.wav/dnb.wav/ <<<"$OUT")" = "$(line "$FIRST" 2)" ]'

case_ "store: a changed file is analysed again"
"$SYNTH" track --bpm 126 --key Am --sections intro:4,drop:8 -o changed.wav
cp house.wav changed2.wav
run "$P" -v --store st changed2.wav
expect_err_has "1 from the store"
cp changed.wav changed2.wav
run "$P" -v --store st changed2.wav
expect_err_has "1 file: 0 from the store, 1 analysed"
check "new bpm" 'near "$(jl "$OUT" d.bpm)" 126 0.05'

case_ "store: --refresh recomputes and replaces"
entry=$(ls st/analysis/$(sha256sum house.wav | cut -c1-2)/*)
printf '{"schema":"djb.analysis/1","tampered":true}\n' >"$entry"
run "$P" -v --store st house.wav
expect_err_has "0 from the store, 1 analysed"
check "a foreign entry is replaced" '[ "$(cat "$entry")" = "$(line "$FIRST" 1)" ]'
run "$P" -v --store st --refresh "${files[@]}"
expect_rc 0
expect_err_has "5 files: 0 from the store, 5 analysed"
check "same result" '[ "$OUT" = "$FIRST" ]'

case_ "store: changed options are recomputed and kept apart"
run "$P" -v --store st --bpm-range 60-120 --bpm-prior 90 dnb.wav
expect_rc 0
expect_err_has "1 file: 0 from the store, 1 analysed"
check "options recorded" '[ "$(jl "$OUT" d.options)" = "{\"bpm_range\":[60,120],\"bpm_prior\":90}" ]'
check "a tempo within the range" 'awk -v b="$(jl "$OUT" d.bpm)" "BEGIN { exit !(b >= 60 && b <= 120) }"'
check "two entries for dnb.wav" '[ "$(ls st/analysis/$(sha256sum dnb.wav | cut -c1-2) | wc -l)" = 2 ]'
run "$P" -v --store st --bpm-range 60-120 --bpm-prior 90 dnb.wav
expect_err_has "1 from the store, 0 analysed"
run "$P" -v --store st dnb.wav
expect_err_has "1 from the store, 0 analysed"
check "default options again" 'near "$(jl "$OUT" d.bpm)" 174 0.05'

case_ "beatless input: tempo null with a reason"
run "$P" tone.wav pad.wav silence.wav
expect_rc 0
for n in 1 2 3; do
  d=$(line "$OUT" $n)
  check "bpm null ($n)" '[ "$(jl "$d" d.bpm)" = null ] && [ "$(jl "$d" d.beat_grid)" = null ] && [ "$(jl "$d" d.beats)" = "[]" ]'
  check "a reason ($n)" '[ -n "$(jl "$d" d.bpm_reason)" ] && [ "$(jl "$d" d.bpm_reason)" != null ]'
done
check "pad has a key" '[ "$(jl "$(line "$OUT" 2)" d.key_reason)" = null ]'
check "no beat: energy on fixed windows" '[ "$(jl "$(line "$OUT" 1)" d.energy.grid)" = fixed ]'
check "silence reason" '[ "$(jl "$(line "$OUT" 3)" d.bpm_reason)" = silence ]'
check "silence has no loudness" '[ "$(jl "$(line "$OUT" 3)" d.loudness)" = "{\"integrated_lufs\":null,\"loudness_range_lu\":null,\"true_peak_dbtp\":null,\"sample_peak_dbfs\":null}" ]'

case_ "bad input"
: >empty.mp3
printf 'this is not audio, only some words\n' >text.mp3
mkdir -p adir
head -c 200000 house.wav >truncated.wav
head -c 30000 house.mp3 >cut.mp3
bad() {  # bad EXPECTED-CODE FILE
  run "$P" --store badstore "$2"
  expect_rc "$1"
  expect_out_empty
  expect_one_line_err djb-analyze
  expect_err_has "djb-analyze: $2: "
}
bad 66 missing.wav
bad 65 empty.mp3
bad 65 text.mp3
bad 66 adir
bad 65 truncated.wav
check "no store entries for bad files" '[ -z "$(find badstore -type f -name "*.json")" ]'
if locked_copy house.wav locked.wav; then
  bad 66 locked.wav
fi

case_ "absurd options"
for args in "--bpm-range 200-100" "--bpm-range banana" "--bpm-range 10-500" "-j -1" "--bpm-prior 0" \
  "--max-duration 0" "--refresh" "-v -q" "--no-such-option"; do
  # shellcheck disable=SC2086
  run "$P" $args house.wav
  expect_rc 64
  expect_out_empty
  expect_one_line_err djb-analyze
done
run "$P" --store house.wav/sub house.wav
expect_rc 73
expect_one_line_err djb-analyze

case_ "too long for --max-duration"
run "$P" --max-duration 5 house.wav
expect_rc 65
expect_err_has "--max-duration"

case_ "a batch goes on past bad files and exits with the first failure's code"
run "$P" -j 2 -v house.wav missing.wav text.mp3 dnb.wav
expect_rc 66
check "two lines" '[ "$(lines "$OUT")" = 2 ]'
check "good ones in order" '[ "$(jl "$(line "$OUT" 1)" d.input.path)/$(jl "$(line "$OUT" 2)" d.input.path)" = house.wav/dnb.wav ]'
expect_err_has "djb-analyze: missing.wav: "
expect_err_has "djb-analyze: text.mp3: "
expect_err_has "4 files: 0 from the store, 2 analysed, 2 failed"

case_ "help and version"
run "$P" --help
expect_rc 0
expect_out_has "--bpm-range"
run "$P" --version
expect_rc 0

finish
