#!/usr/bin/env bash
# CLI tests for wf-peaks: every format, every resolution option, stdin, bad inputs.
. "$(dirname "$0")/lib.sh"
P="$BIN/wf-peaks"
cd "$WORK" || exit 1

# js EXPR FILE: evaluates EXPR with the parsed JSON document of FILE as `d`.
js() { node -e "const d=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'));console.log($1)" "$2"; }
# le32 FILE OFFSET: a little-endian int32 from a binary file.
le32() { od -An -t d4 -j "$2" -N 4 --endian=little "$1" | tr -d ' '; }

# Fixtures: 3 s stereo tone at half scale (132300 frames), as WAV, FLAC and MP3.
"$SYNTH" tone --freq 441 --seconds 3 --channels 2 --amp 0.5 -o t.wav >/dev/null
"$SYNTH" tone --freq 441 --seconds 3 --channels 2 --amp 0.5 -o t.flac >/dev/null
ffmpeg -v error -i t.wav -b:a 192k t.mp3
# A float WAV peaking at +6 dBFS: audiowaveform wraps such samples into wrong peaks.
ffmpeg -v error -f lavfi -i "aevalsrc=2*sin(2*PI*441*t):d=1:s=44100" -c:a pcm_f32le hot.wav

case_ "default: audiowaveform JSON v2 on stdout"
run "$P" t.wav
expect_rc 0
expect_err_empty
printf '%s\n' "$OUT" >out.json
check "exact key order" \
  '[ "$(js "Object.keys(d).join(\",\")" out.json)" = "version,channels,sample_rate,samples_per_pixel,bits,length,data" ]'
check "version 2, mono mix, 8-bit" '[ "$(js "[d.version,d.channels,d.sample_rate,d.bits].join()" out.json)" = "2,1,44100,8" ]'
check "audiowaveform's zoom, peaks.js's finest default: 256 spp, ceil(132300/256) pixels" '[ "$(js "d.samples_per_pixel+\" \"+d.length" out.json)" = "256 517" ]'
run "$P" t.wav --peaks 4000 -o p4000.json
expect_rc 0
check "--peaks 4000: spp = ceil(132300/4000)" '[ "$(js "d.samples_per_pixel+\" \"+d.length" p4000.json)" = "34 3892" ]'
check "data = length*2*channels" '[ "$(js "d.data.length===d.length*2*d.channels" out.json)" = true ]'
check "half-scale tone peaks at 63..64" '[ "$(js "Math.max(...d.data)>=63&&Math.max(...d.data)<=64&&Math.min(...d.data)<=-63" out.json)" = true ]'
check "one line, newline-terminated" '[ "$(wc -l <out.json)" -eq 1 ]'

case_ "-o FILE writes the same bytes"
run "$P" t.wav -o o.json
expect_rc 0
expect_out_empty
check "same as stdout" 'cmp -s o.json out.json'
run "$P" t.wav -o o2.json
check "deterministic" 'cmp -s o.json o2.json'

case_ "--bits 16"
run "$P" t.wav --bits 16 -o b16.json
expect_rc 0
check "16-bit peaks near 16384" '[ "$(js "d.bits===16&&Math.max(...d.data)>16300&&Math.max(...d.data)<=16384" b16.json)" = true ]'

case_ "--samples-per-pixel"
run "$P" t.wav --samples-per-pixel 512 -o spp.json
expect_rc 0
check "spp 512, ceil(132300/512) pixels" '[ "$(js "d.samples_per_pixel+\" \"+d.length" spp.json)" = "512 259" ]'

case_ "--pixels-per-second"
run "$P" t.wav --pixels-per-second 20 -o pps.json
expect_rc 0
check "spp = 44100/20, 60 pixels" '[ "$(js "d.samples_per_pixel+\" \"+d.length" pps.json)" = "2205 60" ]'

case_ "--peaks"
run "$P" t.wav --peaks 100 -o p100.json
expect_rc 0
check "spp = ceil(132300/100), exactly 100" '[ "$(js "d.samples_per_pixel+\" \"+d.length" p100.json)" = "1323 100" ]'

case_ "--split-channels"
run "$P" t.wav --split-channels --peaks 50 -o split.json
expect_rc 0
check "two channels, data = length*4" '[ "$(js "d.channels===2&&d.data.length===d.length*4" split.json)" = true ]'

case_ "dat: version 2 header, data at byte 24"
run "$P" t.wav --samples-per-pixel 512 -o t.dat
expect_rc 0
check "version" '[ "$(le32 t.dat 0)" = 2 ]'
check "flags: 8-bit" '[ "$(le32 t.dat 4)" = 1 ]'
check "sample rate" '[ "$(le32 t.dat 8)" = 44100 ]'
check "samples per pixel" '[ "$(le32 t.dat 12)" = 512 ]'
check "length" '[ "$(le32 t.dat 16)" = 259 ]'
check "channels" '[ "$(le32 t.dat 20)" = 1 ]'
check "size = 24 + 259*2" '[ "$(stat -c %s t.dat)" -eq $((24 + 259 * 2)) ]'
check "same values as the JSON" \
  '[ "$(od -An -v -t d1 -j 24 t.dat | tr -s " \n" "\n" | grep . | paste -sd,)" = "$(js "d.data.join()" spp.json)" ]'
run "$P" t.wav --format dat --bits 16 --samples-per-pixel 512 -o t16.bin
expect_rc 0
check "--format beats the extension; 16-bit flags 0" '[ "$(le32 t16.bin 4)" = 0 ] && [ "$(stat -c %s t16.bin)" -eq $((24 + 259 * 4)) ]'

case_ "waveflow: exactly N values in 0..1"
for n in 1 7 4000 9999; do
  run "$P" t.wav --format waveflow --peaks $n -o wf$n.json
  expect_rc 0
  check "N=$n values" '[ "$(js "d.data.length" wf$n.json)" = $n ]'
  check "N=$n range, loudest 1" '[ "$(js "Math.min(...d.data)>=0&&Math.max(...d.data)===1" wf$n.json)" = true ]'
done
check "schema first" '[ "$(js "Object.keys(d)[0]+\"=\"+d.schema" wf7.json)" = "schema=wf.waveflow/1" ]'
check "input sha256 = sha256sum" '[ "$(js "d.input.sha256" wf7.json)" = "$(sha256sum t.wav | cut -d" " -f1)" ]'
check "duration" '[ "$(js "d.duration" wf7.json)" = 3 ]'
run "$P" t.wav --format waveflow -o wfdefault.json
check "default N = 4000" '[ "$(js "d.peaks+\" \"+d.data.length" wfdefault.json)" = "4000 4000" ]'

case_ "stdin input"
run_stdin t.wav "$P" - --format waveflow --peaks 7 -o wfstdin.json
expect_rc 0
check "stdin waveflow = file waveflow" '[ "$(js "d.data.join()" wfstdin.json)" = "$(js "d.data.join()" wf7.json)" ]'
check "stdin has no sha256" '[ "$(js "d.input.path+\" \"+d.input.sha256" wfstdin.json)" = "- null" ]'
mkfifo fifo.wav
cat t.wav >fifo.wav &
run "$P" fifo.wav --format waveflow --peaks 7 -o wffifo.json
wait
expect_rc 0
check "a named pipe is read once: same data, no sha256" \
  '[ "$(js "d.data.join()+\" \"+d.input.sha256" wffifo.json)" = "$(js "d.data.join()" wf7.json) null" ]'
for f in t.wav t.flac t.mp3; do
  run_stdin $f "$P" - --peaks 4000
  expect_rc 0
  printf '%s\n' "$OUT" >stdin.json
  check "stdin $f, --peaks 4000 with the length unknown: near 4000 pixels" '[ "$(js "d.length>3555&&d.length<=4000&&d.data.length===d.length*2" stdin.json)" = true ]'
done

case_ "audiowaveform's option names: its scripts run unchanged"
run "$P" t.wav -w 800 -h 200 -o aw.png
expect_rc 0
check "-w 800 -h 200 draws an 800x200 picture (not the help)" \
  '[ "$(ffprobe -v error -show_entries stream=width,height -of csv=p=0 aw.png)" = "800,200" ]'
run "$P" -i t.wav --output-filename aw.json -z 512 -b 16 -s 1 -e 2
expect_rc 0
check "-z 512 -b 16 over 1..2 s: 512 spp, 16-bit, ceil(44100/512) pixels" \
  '[ "$(js "[d.samples_per_pixel,d.bits,d.length].join()" aw.json)" = "512,16,87" ]'
run "$P" t.wav --samples-per-pixel 441 -o all441.json
run "$P" t.wav -s 1 -e 2 --samples-per-pixel 441 -o second.json
check "-s 1 -e 2 is the whole's pixels 100..199 (441 spp: 100 pixels a second)" \
  '[ "$(js "d.data.join()" second.json)" = "$(js "d.data.slice(200, 400).join()" all441.json)" ]'
run "$P" -i t.wav --output-format png --waveform-color 3a7bd5 --background-color ffffff -w 300 -h 100 -o awc.png
expect_rc 0
expect_file awc.png
run "$P" t.wav -s 99 -o late.json
expect_rc 64
expect_one_line_err wf-peaks
expect_err_has "past the end"
expect_no_file late.json
run "$P" t.wav -s 2 -e 1 -o back.json
expect_rc 64
expect_one_line_err wf-peaks
run "$P" -h
expect_rc 0
expect_out_has "Usage: wf-peaks"

case_ "FLAC and MP3 inputs"
run "$P" t.flac -o flac.json
expect_rc 0
check "FLAC = WAV exactly" 'cmp -s flac.json out.json'
run "$P" t.flac --threads 1 -o flac1.json
expect_rc 0
check "one decoder thread: the same" 'cmp -s flac1.json out.json'
run "$P" t.mp3 --peaks 100 -o mp3.json
expect_rc 0
check "MP3 peaks near the WAV's" '[ "$(js "Math.abs(Math.max(...d.data)-64)<=2&&d.length>=99&&d.length<=100" mp3.json)" = true ]'

case_ "float above 0 dBFS clamps"
run "$P" hot.wav -o hot.json
expect_rc 0
check "8-bit extremes, positive max" '[ "$(js "Math.max(...d.data)+\" \"+Math.min(...d.data)" hot.json)" = "127 -128" ]'
run "$P" hot.wav --bits 16 --samples-per-pixel 44100 -o hot16.json
check "16-bit: one pixel [-32768, 32767]" '[ "$(js "d.data.join()" hot16.json)" = "-32768,32767" ]'

case_ "pictures"
run "$P" t.wav -o t.svg
expect_rc 0
check "SVG document" '[ "$(head -c 4 t.svg)" = "<svg" ] && grep -q "<path fill=\"#3a7bd5\"" t.svg && tail -1 t.svg | grep -q "</svg>"'
run "$P" t.wav --split-channels --color "#c00" -o t2.svg
check "one outline per channel, colour" '[ "$(grep -c "<path fill=\"#cc0000\"" t2.svg)" = 2 ]'
run "$P" t.wav -o t.png
expect_rc 0
check "PNG 1800x280" '[ "$(ffprobe -v error -show_entries stream=codec_name,width,height -of csv=p=0 t.png)" = "png,1800,280" ]'
run "$P" t.wav --width 400 --height 100 --format png -o small.img
check "PNG 400x100" '[ "$(ffprobe -v error -show_entries stream=width,height -of csv=p=0 small.img)" = "400,100" ]'
"$P" t.wav --format png >piped.png 2>/dev/null
check "PNG to a pipe" 'cmp -s piped.png t.png'

case_ "binary formats refuse a terminal"
if command -v script >/dev/null; then
  script -qec "$P $WORK/t.wav --format dat; echo rc=\$?" /dev/null >tty.txt 2>&1
  check "dat to a tty: exit 64" 'grep -q "rc=64" tty.txt'
  script -qec "$P $WORK/t.wav --format png; echo rc=\$?" /dev/null >tty.txt 2>&1
  check "png to a tty: exit 64" 'grep -q "rc=64" tty.txt && grep -q "terminal" tty.txt'
else
  echo "note: script(1) missing, terminal refusal not tested" >&2
fi

case_ "progress"
run "$P" t.wav --progress -o prog.json
expect_rc 0
check "a bar on stderr with --progress" '[ -n "$ERR" ]'
check "same output" 'cmp -s prog.json out.json'
run "$P" t.wav -o noprog.json
expect_err_empty

# bad CMD... : exit code, one-line error, no output file and no temporary left behind.
bad() {
  local code="$1"; shift
  rm -f bad.json
  run "$@" -o bad.json
  expect_rc "$code"
  expect_one_line_err wf-peaks
  expect_no_file bad.json
  expect_no_temps "$WORK"
}

case_ "missing input"
bad 66 "$P" nothere.wav
case_ "directory input"
mkdir -p adir
bad 66 "$P" adir
case_ "empty input"
: >empty.wav
bad 65 "$P" empty.wav
case_ "text named .mp3"
printf 'this is not audio, just some text\n%.0s' $(seq 50) >text.mp3
bad 65 "$P" text.mp3
case_ "truncated WAV"
head -c 300000 t.wav >trunc.wav
bad 65 "$P" trunc.wav
case_ "truncated FLAC"
head -c $(($(stat -c %s t.flac) / 2)) t.flac >trunc.flac
bad 65 "$P" trunc.flac
case_ "unreadable input"
if locked_copy t.wav locked.wav; then
  bad 66 "$P" locked.wav
fi
case_ "absurd options"
bad 64 "$P" t.wav --bits 12
bad 64 "$P" t.wav --peaks 0
bad 64 "$P" t.wav --peaks 10 --samples-per-pixel 256
bad 64 "$P" t.wav --samples-per-pixel 256 --pixels-per-second 10
bad 64 "$P" t.wav --pixels-per-second -1
bad 64 "$P" t.wav --samples-per-pixel 1
bad 64 "$P" t.wav --pixels-per-second 40000  # fewer than 2 samples per pixel
bad 64 "$P" t.wav --format waveflow --samples-per-pixel 10
bad 64 "$P" t.wav --format png --peaks 10
bad 64 "$P" t.wav --color red
bad 64 "$P" t.wav --format gif
bad 64 "$P" t.wav --threads -1
case_ "unknown output extension"
run "$P" t.wav -o out.txt
expect_rc 64
expect_one_line_err wf-peaks
expect_no_file out.txt
case_ "output into a missing directory"
run "$P" t.wav -o nodir/out.json
expect_rc 73
expect_one_line_err wf-peaks
case_ "never overwrite the input"
cp t.wav keep.wav
run "$P" keep.wav --format json -o keep.wav
expect_rc 64
check "input intact" 'cmp -s keep.wav t.wav'

finish
