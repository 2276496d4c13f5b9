#!/usr/bin/env bash
# Regression tests for the hardening defects: one case (or a few) per defect, in the order
# they were reported, each reproducing the report as written. The table-driven sweep over every
# program and option is hostile_test.sh; this file pins the exact reproductions.
. "$(dirname "$0")/lib.sh"
SRC="${DJB_SOURCE:?DJB_SOURCE must name the source tree}"
cd "$WORK" || exit 1
ff() { ffmpeg -nostdin -v error -y "$@"; }
sha() { sha256sum "$1" | cut -c1-64; }
nested() { node -e 'const [d, v, s] = process.argv.slice(1); const o = s ? "[ " : "[", c = s ? " ]" : "]"; process.stdout.write(o.repeat(+d) + v + c.repeat(+d) + "\n");' "$@"; }

"$SYNTH" tone --freq 440 --seconds 3 --channels 2 --amp 0.3 -o a.wav >/dev/null
"$SYNTH" tone --freq 660 --seconds 3 --channels 2 --amp 0.3 -o b.wav >/dev/null
"$SYNTH" track --bpm 124 --key Am --sections intro:2,drop:4,outro:2 -o t1.wav >/dev/null
"$SYNTH" track --bpm 126 --key Em --sections intro:2,drop:4,outro:2 -o t2.wav >/dev/null
"$BIN/djb-analyze" -q t1.wav t2.wav >an.jsonl
node "$SRC/tests/support/make-plan.mjs" --bars 4 --types crossfade an.jsonl >plan.json

case_ "1. golden-diff compares 50,000 nested arrays, and a whitespace-only change, without a crash"
nested 50000 1 >deep-e.json
nested 50000 2 >deep-a.json
nested 50000 1 s >deep-s.json
run "$BIN/golden-diff" deep-e.json deep-a.json
expect_rc 1
expect_out_has "regressed"
run "$BIN/golden-diff" deep-e.json deep-s.json
expect_rc 0
{ echo '{}'; nested 60000 1; } >deep-e.jsonl
{ echo '{}'; nested 60000 2; } >deep-a.jsonl
run "$BIN/golden-diff" deep-e.jsonl deep-a.jsonl
expect_rc 1

case_ "2. endless inputs: a device is refused at once"
for cmd in "$BIN/djb-analyze /dev/zero" "$BIN/djb-transition /dev/zero an.jsonl" \
  "$BIN/clip-highlights /dev/zero --outdir hl" "$BIN/golden-diff /dev/zero plan.json" \
  "$BIN/golden-diff plan.json /dev/urandom"; do
  run timeout 20 $cmd
  expect_rc 66
  expect_err_has "is a device"
done
expect_no_file hl
node -e 'const p = JSON.parse(require("fs").readFileSync("plan.json")); p.tracks[0].input.path = "/dev/zero"; console.log(JSON.stringify(p));' >plan-dev.json
run timeout 20 "$BIN/djb-render" plan-dev.json -o dev.mp3 --no-verify
expect_rc 66
expect_no_file dev.mp3

case_ "2. an endless pipe stops at the bound"
run timeout 60 bash -c "head -c 300000000 /dev/zero | '$BIN/djb-transition' -"
expect_rc 65
expect_err_has "larger than"

case_ "2. an endless FIFO named like an MP4 is told by its content, not its name"
mkfifo zeros.mp4
for cmd in "$BIN/dub-mux extract zeros.mp4 -o z.wav" "$BIN/wf-peaks zeros.mp4 -o z.json"; do
  cat /dev/zero >zeros.mp4 2>/dev/null &
  writer=$!
  run timeout 20 $cmd
  kill "$writer" 2>/dev/null
  wait "$writer" 2>/dev/null
  expect_rc 65
done
expect_no_file z.wav

case_ "3. dub-mux: the report and sidecars may be neither inputs nor each other"
ff -f lavfi -i testsrc2=size=160x120:rate=25 -t 2 -c:v libx264 -preset ultrafast v.mp4
printf '1\n00:00:00,500 --> 00:00:01,500\nHello\n' >s.srt
vsum=$(sha v.mp4)
ssum=$(sha s.srt)
for args in "--report v.mp4" "--report s.srt" "--report o.mp4" "--srt o.mp4" "--srt x.srt --vtt x.srt" \
  "--vtt v.mp4"; do
  run "$BIN/dub-mux" mux --video v.mp4 --audio a.wav --subs s.srt -o o.mp4 $args
  expect_rc 64
  expect_one_line_err dub-mux
done
check "video unchanged" '[ "$(sha v.mp4)" = "$vsum" ]'
check "subtitles unchanged" '[ "$(sha s.srt)" = "$ssum" ]'
expect_no_file o.mp4
expect_no_file x.srt

case_ "4. clip-highlights: an input inside OUTDIR is refused; stale clips go"
mkdir -p out4/clips
cp t1.wav out4/clips/clip-5s-1.wav
isum=$(sha out4/clips/clip-5s-1.wav)
run "$BIN/clip-highlights" out4/clips/clip-5s-1.wav --outdir out4 --lengths 5 --no-thumbnails
expect_rc 64
check "input unchanged" '[ "$(sha out4/clips/clip-5s-1.wav)" = "$isum" ]'
run "$BIN/clip-highlights" t1.wav --outdir out5 --lengths 5 --per-length 2 --no-thumbnails
expect_rc 0
expect_file out5/clips/clip-5s-2.wav
run "$BIN/clip-highlights" out5/manifest.json --outdir out5
expect_rc 64
run "$BIN/clip-highlights" t1.wav --outdir out5 --lengths 5 --per-length 1 --no-thumbnails
expect_rc 0
expect_file out5/clips/clip-5s-1.wav
expect_no_file out5/clips/clip-5s-2.wav

case_ "5. numbers beyond double's range are usage or data errors, never internal"
for g in 1=1e400 1=1e-400 1=1e400dB; do
  run "$BIN/wf-mixstems" a.wav b.wav -o m.wav --gain "$g"
  expect_rc 64
  expect_err_has "--gain"
done
for c in 1e400 -1e400dB; do
  run "$BIN/wf-mixstems" a.wav b.wav -o m.wav --ceiling "$c"
  expect_rc 64
done
echo '[1e400, 1]' >gains.json
run "$BIN/wf-mixstems" a.wav b.wav -o m.wav --gains gains.json
expect_rc 65
expect_err_has "gains.json"
echo '{"schema": "djb.weights/1", "weights": {"tempo": 1e400}}' >w.json
run "$BIN/djb-transition" an.jsonl --weights w.json
expect_rc 65
expect_err_has "w.json"
echo '{"a": 1e400}' >big.json
echo '{"a": 1}' >one.json
run "$BIN/golden-diff" big.json one.json
expect_rc 65
expect_out_has "big.json"
expect_no_file m.wav

case_ "6. a PNG bigger than the encoder takes is a usage error"
run "$BIN/wf-peaks" a.wav --width 30000 --height 10000 -o x.png
expect_rc 64
expect_err_has "million pixels"
run "$BIN/wf-mixstems" a.wav b.wav -o m.wav --peaks x.png --peaks-width 30000 --peaks-height 10000
expect_rc 64
expect_no_file x.png
expect_no_file m.wav

case_ "7. dub-mux -o - onto a full disk is an I/O error"
run bash -c "'$BIN/dub-mux' mux --video v.mp4 --audio a.wav -o - --report r7.json >/dev/full"
expect_rc 74
expect_no_file r7.json

case_ "8. a directory given as a JSON input is 66 'is a directory'"
mkdir adir
for cmd in "$BIN/wf-mixstems a.wav b.wav -o m.wav --gains adir" "$BIN/djb-render adir -o m.mp3" \
  "$BIN/golden-diff --tolerances adir one.json one.json"; do
  run $cmd
  expect_rc 66
  expect_err_has "is a directory"
done

case_ "9. wf-hash rejects truncated files"
ff -f lavfi -i sine=frequency=440:duration=10 -c:a libmp3lame -b:a 128k full.mp3
ff -f lavfi -i sine=frequency=440:duration=10 -c:a flac full.flac
ff -f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine=frequency=440 -t 10 -c:v libx264 \
  -preset ultrafast -c:a aac -movflags +faststart full.mp4
head -c 10000 full.mp3 >cut.mp3
head -c $(($(stat -c %s full.flac) / 2)) full.flac >cut.flac
head -c 150000 full.mp4 >cut.mp4
run "$BIN/wf-hash" full.mp3 full.flac full.mp4
expect_rc 0
for f in cut.mp3 cut.flac cut.mp4; do
  run "$BIN/wf-hash" --store st "$f"
  expect_rc 65
  expect_err_has "truncated"
done

case_ "10. NaN and out-of-range option values are usage errors"
for cmd in "$BIN/djb-render plan.json -o n.mp3 --target-lufs nan" "$BIN/djb-render plan.json -o n.mp3 --ceiling nan" \
  "$BIN/wf-hash --fingerprint --threshold nan a.wav" "$BIN/djb-analyze --max-duration nan a.wav" \
  "$BIN/clip-highlights --max-duration nan --outdir n a.wav" "$BIN/clip-highlights --fade nan --outdir n a.wav" \
  "$BIN/dub-mux mux --video v.mp4 --audio a.wav -o n.mp4 --duck=-5" \
  "$BIN/dub-mux mux --video v.mp4 --audio a.wav -o n.mp4 --duck 6 --duck-lookahead -1" \
  "$BIN/dub-mux mux --video v.mp4 --audio a.wav -o n.mp4 --duck 6 --duck-lookahead 1e12" \
  "$BIN/dub-mux mux --video v.mp4 --audio a.wav -o n.mp4 --duck 6 --duck-release nan" \
  "$BIN/dub-mux mux --video v.mp4 --audio a.wav -o n.mp4 --duck 6 --speech-threshold nan" \
  "$BIN/dub-mux mux --video v.mp4 --audio a.wav -o n.mp4 --duck 6 --speech-threshold 1e400" \
  "$BIN/dub-mux extract v.mp4 -o n.wav --stream=-5"; do
  run $cmd
  expect_rc 64
  expect_one_line_err "$(basename "${cmd%% *}")"
done
expect_no_file n.mp3
expect_no_file n.mp4
expect_no_file n

case_ "11. extreme values in JSON are data errors, not degenerate output"
echo '{"schema": "djb.weights/1", "weights": {"tempo": 1e308, "key": 1e308}}' >w308.json
run "$BIN/djb-transition" an.jsonl --weights w308.json
expect_rc 65
node -e 'const p = JSON.parse(require("fs").readFileSync("plan.json")); p.tracks[1].loudness = {integrated_lufs: 200}; console.log(JSON.stringify(p));' >plan-loud.json
run "$BIN/djb-render" plan-loud.json -o loud.mp3
expect_rc 65
expect_err_has "integrated_lufs"
expect_no_file loud.mp3

case_ "12. a run killed mid-way leaves all of its outputs or none"
# The outputs of one run are renamed into place within microseconds, too fast to kill in
# between by chance, so strace slows every rename down to 0.3 s. The run is killed
# (SIGTERM) the moment its first finished output (not a hidden temporary) appears under
# DIR; prints how many finished outputs are there afterwards.
slow_renames_killed_at_first_output() {
  local dir=$1 tracer child k
  shift
  strace -f -qq -o /dev/null -e trace=rename,renameat,renameat2 \
    -e inject=rename,renameat,renameat2:delay_exit=300000 "$@" >/dev/null 2>&1 &
  tracer=$!
  for k in $(seq 1 3000); do
    [ -n "$(find "$dir" -type f ! -name '.*' 2>/dev/null | head -1)" ] && break
    kill -0 "$tracer" 2>/dev/null || break
    sleep 0.01
  done
  child=$(pgrep -P "$tracer")
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null
  wait "$tracer" 2>/dev/null
  find "$dir" -type f ! -name '.*' | wc -l
}
check "strace is installed (scripts/install-deps)" 'command -v strace >/dev/null'
mkdir k12 c12
n=$(slow_renames_killed_at_first_output k12 "$BIN/djb-render" plan.json -o k12/mix.mp3 \
  --bundle k12/b.zip)
check "djb-render: all four outputs or none (found $n)" '[ "$n" -eq 0 ] || [ "$n" -eq 4 ]'
expect_no_temps k12
n=$(slow_renames_killed_at_first_output c12 "$BIN/clip-highlights" t1.wav --outdir c12 \
  --lengths 2,3,4 --per-length 2 --no-thumbnails)
check "clip-highlights: no clip without its manifest (found $n)" \
  '[ "$n" -eq 0 ] || [ -f c12/manifest.json ]'
expect_no_temps c12
expect_no_temps c12/clips

case_ "13. a report that cannot be written leaves no output"
run bash -c "'$BIN/wf-mixstems' -q a.wav b.wav -o m13.wav >/dev/full"
expect_rc 74
expect_no_file m13.wav
run bash -c "'$BIN/djb-render' plan.json -o r13.mp3 >/dev/full"
expect_rc 74
expect_no_file r13.mp3
expect_no_file r13.lrc
run bash -c "'$BIN/clip-highlights' t1.wav --outdir c13 --lengths 5 --no-thumbnails >/dev/full"
expect_rc 74
expect_no_file c13/manifest.json
expect_no_file c13/clips/clip-5s-1.wav
run bash -c "'$BIN/dub-mux' mux --video v.mp4 --audio a.wav -o d13.mp4 >/dev/full"
expect_rc 74
expect_no_file d13.mp4

case_ "14. clear messages"
node -e 'const p = JSON.parse(require("fs").readFileSync("plan.json")); p.tracks[0].input.path = ""; console.log(JSON.stringify(p));' >plan-empty.json
run "$BIN/djb-render" plan-empty.json -o e.mp3
expect_rc 65
expect_err_has "plan-empty.json: track 0: the input path is empty"
{ printf '1\n00:00:00,500 --> 00:00:01,500\n'; head -c 1000000 /dev/zero | tr '\0' x; echo; } >long.srt
start=$(date +%s)
run "$BIN/dub-mux" mux --video v.mp4 --audio a.wav --subs long.srt -o l.mp4
expect_rc 65
expect_err_has "over the limit"
check "refused within 2 s" '[ $(($(date +%s) - start)) -le 2 ]'
cp a.wav ./-a.wav
for p in wf-peaks clip-highlights golden-diff; do
  run "$BIN/$p" -a.wav
  expect_rc 64
  expect_err_has "unknown option '-a.wav'"
done
run "$BIN/dub-mux" frobnicate
expect_rc 64
expect_err_has "unknown subcommand 'frobnicate'"
ff -f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine=frequency=440 -t 2 -c:v libx264 -preset ultrafast -c:a aac moov-end.mp4
run_stdin moov-end.mp4 "$BIN/wf-peaks" - -o p.json
expect_rc 65
expect_err_has "index at the end"

case_ "hostile sweep: a WAV cut short is refused from a pipe and a FIFO, as from a file"
head -c 100000 a.wav >cut.wav
run_stdin cut.wav "$BIN/wf-peaks" - -o p.json
expect_rc 65
expect_err_has "truncated"
expect_no_file p.json
run timeout 20 bash -c "cat cut.wav | '$BIN/dub-mux' extract - -o x.wav"
expect_rc 65
expect_no_file x.wav
mkfifo cut-fifo.wav
cat cut.wav >cut-fifo.wav &
writer=$!
run timeout 20 "$BIN/wf-peaks" cut-fifo.wav -o p.json
wait "$writer" 2>/dev/null
expect_rc 65
expect_err_has "truncated"
run_stdin a.wav "$BIN/wf-peaks" - -o whole.json
expect_rc 0

finish
