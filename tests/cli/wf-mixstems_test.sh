#!/usr/bin/env bash
# CLI tests for wf-mixstems: agreement with `sox -m`, channel and rate handling, gains,
# normalisation modes and their report, bad inputs, and nothing left behind on failure.
. "$(dirname "$0")/lib.sh"
P="$BIN/wf-mixstems"

# jq-like field access with node (a test dependency already): jget FILE EXPR, EXPR in JS on d.
jget() { node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = eval(process.argv[2]); console.log(typeof v === "object" ? JSON.stringify(v) : String(v));' "$1" "$2"; }
# |a - b| <= tol, in floating point: near A B TOL
# The largest |sample| of the difference of two files, by sox.
max_diff() {
  sox -m -v 1 "$1" -v -1 "$2" -n stat 2>&1 |
    awk '/^Maximum amplitude/ { a = $3 + 0 } /^Minimum amplitude/ { b = 0 - $3 } END { printf "%.6f\n", (a > b ? a : b) }'
}

cd "$WORK"
soxi() { command soxi -V1 "$@"; }  # without warnings about libsndfile's float WAV headers
"$SYNTH" tone --freq 440 --seconds 2 --channels 2 --amp 0.3 -o a.wav
"$SYNTH" noise --seconds 3 --channels 2 --amp 0.2 -o b.wav
"$SYNTH" tone --freq 1000 --seconds 1.5 --channels 2 --amp 0.25 -o c.wav
"$SYNTH" tone --freq 660 --seconds 2 --channels 1 --amp 0.3 -o mono.wav
"$SYNTH" tone --freq 1000 --seconds 2 --channels 1 --amp 0.4 --rate 48000 -o r48.wav
"$SYNTH" tone --freq 100 --seconds 2 --channels 2 --amp 0.7 -o loud1.wav
"$SYNTH" tone --freq 100 --seconds 2 --channels 2 --amp 0.6 -o loud2.wav

case_ "matches sox -m (count, no ceiling, float)"
if command -v sox >/dev/null; then
  run "$P" --normalize count --ceiling none --bits 32f a.wav b.wav c.wav -o ours.wav
  expect_rc 0
  sox -m a.wav b.wav c.wav -e floating-point -b 32 ref.wav
  check "same length as sox" '[ "$(soxi -s ours.wav)" = "$(soxi -s ref.wav)" ]'
  check "same length: 3 s" '[ "$(soxi -s ours.wav)" = 132300 ]'
  d=$(max_diff ours.wav ref.wav)
  check "within 1e-4 of sox per sample (got $d)" 'near "$d" 0 0.0001'
  # Negative control: the comparison does see a mix that differs (stem 2 at 0.9).
  run "$P" --normalize count --ceiling none --bits 32f --gain 2=0.9 a.wav b.wav c.wav -o other.wav
  expect_rc 0
  d=$(max_diff other.wav ref.wav)
  check "a different gain does not match sox (diff $d)" '! near "$d" 0 0.001'
  # And so does a mix of other stems of the same length.
  run "$P" --normalize count --ceiling none --bits 32f a.wav b.wav a.wav -o other2.wav
  d=$(max_diff other2.wav ref.wav)
  check "different stems do not match sox (diff $d)" '! near "$d" 0 0.001'
else
  echo "sox not installed: skipping the sox comparison" >&2
fi

case_ "report: wf.mix/1, count mode"
run "$P" --normalize count --ceiling none --bits 32f a.wav b.wav c.wav -o ours.wav
printf '%s\n' "$OUT" >r.json
check "one JSON line" '[ "$(printf "%s\n" "$OUT" | wc -l)" = 1 ]'
check "schema first" '[[ "$OUT" == "{\"schema\":\"wf.mix/1\","* ]]'
check "toolkit version" '[ "$(jget r.json d.toolkit_version)" = "$("$P" --version | sed "s/.* //")" ]'
check "frames" '[ "$(jget r.json d.output.frames)" = 132300 ]'
check "duration" '[ "$(jget r.json d.output.duration)" = 3 ]'
check "rate" '[ "$(jget r.json d.output.sample_rate)" = 44100 ]'
check "channels" '[ "$(jget r.json d.output.channels)" = 2 ]'
check "mode" '[ "$(jget r.json d.normalize.mode)" = count ]'
check "ceiling null" '[ "$(jget r.json d.ceiling)" = null ]'
check "gain 1/3" '[ "$(jget r.json d.gain.applied)" = 0.333333 ]'
check "reason count" '[ "$(jget r.json d.gain.reason)" = count ]'
check "three stems" '[ "$(jget r.json d.stems.length)" = 3 ]'
check "stem path" '[ "$(jget r.json d.stems[2].path)" = c.wav ]'
check "stem duration" '[ "$(jget r.json d.stems[2].duration)" = 1.5 ]'
check "stem sha256" '[ "$(jget r.json d.stems[0].sha256)" = "$(sha256sum a.wav | cut -d" " -f1)" ]'
check "not resampled" '[ "$(jget r.json d.stems[0].resampled)" = false ]'
check "peak in report = peak of file" \
  'near "$(jget r.json d.measured.sample_peak)" "$(sox ours.wav -n stat 2>&1 | awk "/^Maximum amplitude/{a=\$3} /^Minimum amplitude/{b=-\$3} END{print (a>b?a:b)}")" 0.000001'
check "true peak >= sample peak" \
  'awk -v t="$(jget r.json d.measured.true_peak_dbtp)" -v s="$(jget r.json d.measured.sample_peak_dbfs)" "BEGIN{exit !(t >= s)}"'
check "peaks null" '[ "$(jget r.json d.peaks)" = null ]'

case_ "deterministic"
run "$P" a.wav b.wav c.wav -o d1.wav
o1="$OUT"
run "$P" a.wav b.wav c.wav -o d2.wav
check "same audio bytes" 'cmp -s d1.wav d2.wav'
check "same report but the path" '[ "${o1//d1.wav/X}" = "${OUT//d2.wav/X}" ]'

case_ "default output: 24-bit WAV, ceiling 0.95; FLAC by extension"
check "24-bit" '[ "$(soxi -b d1.wav)" = 24 ]'
check "report ceiling" '[[ "$o1" == *"\"ceiling\":0.95,"* ]]'
run "$P" a.wav b.wav c.wav -o d1.flac
expect_rc 0
check "flac" '[ "$(soxi -t d1.flac)" = flac ]'
d=$(max_diff d1.wav d1.flac)
check "flac holds the same samples (diff $d)" '[ "$d" = 0.000000 ]'
run "$P" --bits 16 a.wav b.wav -o b16.wav
check "16-bit" '[ "$(soxi -b b16.wav)" = 16 ]'

case_ "-o -: WAV streamed to stdout, the same samples; the report only with --report"
for bits in 24 32f; do
  "$P" --bits $bits a.wav b.wav c.wav -o file-$bits.wav >file-$bits.json
  "$P" --bits $bits a.wav b.wav c.wav -o - --report piped-$bits.json >piped-$bits.wav 2>piped.err
  piped_rc=$?
  check "$bits: exit 0 ($piped_rc), nothing on stderr" '[ $piped_rc -eq 0 ] && [ ! -s piped.err ]'
  check "$bits: stdout decodes to the file's samples" \
    '[ "$(ffmpeg -v error -i piped-$bits.wav -f f32le - | sha256sum)" = "$(ffmpeg -v error -i file-$bits.wav -f f32le - | sha256sum)" ]'
  check "$bits: the reports agree but for the path" \
    '[ "$(node -e "const r = JSON.parse(require(\"fs\").readFileSync(\"piped-$bits.json\")); r.output.path = \"x\"; console.log(JSON.stringify(r))")" = "$(node -e "const r = JSON.parse(require(\"fs\").readFileSync(\"file-$bits.json\")); r.output.path = \"x\"; console.log(JSON.stringify(r))")" ]'
done
check "no spool left in TMPDIR or here" '! ls "${TMPDIR:-/tmp}"/.wf-mixstems.spool* ./.-* 2>/dev/null | grep -q .'
run "$P" a.wav b.wav -o - --report a.wav
expect_rc 64
expect_one_line_err wf-mixstems
check "a stem named as the report is not overwritten" '[ "$(head -c 4 a.wav)" = RIFF ]'
expect_out_empty

case_ "stereo + mono stems"
run "$P" --normalize none mono.wav a.wav -o sm.wav
expect_rc 0
printf '%s\n' "$OUT" >sm.json
check "stereo out" '[ "$(soxi -c sm.wav)" = 2 ]'
chans=$(jget sm.json 'd.stems.map(s => s.channels).join()')
check "stem channels" '[ "$chans" = 1,2 ]'
# A mono stem in a stereo mix is the same signal in both channels, at its own level.
run "$P" --channels 2 --normalize none mono.wav -o up.wav
expect_rc 0
sox up.wav up-left.wav remix 1
sox up.wav up-right.wav remix 2
d=$(max_diff up-left.wav mono.wav)
check "left = the mono stem (diff $d)" '[ "$d" = 0.000000 ]'
d=$(max_diff up-right.wav mono.wav)
check "right = the mono stem (diff $d)" '[ "$d" = 0.000000 ]'
# A stereo stem in a mono mix is the average of its channels: a tone at 0.3 on the left and
# at 0.1 on the right makes it at 0.2.
sox a.wav lr.wav remix 1 1v0.3333333
run "$P" --channels 1 --normalize none lr.wav -o down.wav
expect_rc 0
check "mono out" '[ "$(soxi -c down.wav)" = 1 ]'
sox a.wav a-avg.wav remix 1v0.6666667
d=$(max_diff down.wav a-avg.wav)
check "mono = average of the channels (diff $d)" 'near "$d" 0 0.0001'

case_ "mismatched rates are converted"
run "$P" r48.wav a.wav -o rates.wav
expect_rc 0
printf '%s\n' "$OUT" >rates.json
check "highest rate by default" '[ "$(soxi -r rates.wav)" = 48000 ]'
check "44.1k stem resampled" '[ "$(jget rates.json d.stems[1].resampled)" = true ]'
check "48k stem not" '[ "$(jget rates.json d.stems[0].resampled)" = false ]'
check "length kept" '[ "$(jget rates.json d.output.duration)" = 2 ]'
run "$P" --rate 44100 r48.wav a.wav -o rates441.wav
check "--rate" '[ "$(soxi -r rates441.wav)" = 44100 ]'
check "48k stem resampled at --rate 44100" '[[ "$OUT" == *"\"sample_rate\":48000,\"channels\":1,\"duration\":2.0,\"resampled\":true"* ]]'

case_ "--gain and --gains"
run "$P" --gain 2=-6dB --gain 1=0.5 a.wav b.wav -o g1.wav
expect_rc 0
printf '%s\n' "$OUT" >g1.json
check "gain 1 linear" '[ "$(jget g1.json d.stems[0].gain)" = 0.5 ]'
check "gain 2 in dB" '[ "$(jget g1.json d.stems[1].gain_db)" = -6 ]'
echo '[0.5, "-6dB"]' >array.json
run "$P" --gains array.json a.wav b.wav -o g2.wav
expect_rc 0
check "array spec = --gain" 'cmp -s g1.wav g2.wav'
echo '{"2": "-6dB", "a.wav": 0.5}' >object.json
run "$P" --gains object.json a.wav b.wav -o g3.wav
check "object spec = --gain" 'cmp -s g1.wav g3.wav'
run "$P" --gains object.json --gain 2=1 a.wav b.wav -o g4.wav
check "--gain overrides the spec" '! cmp -s g1.wav g4.wav'
check "--gain overrides the spec (report)" '[[ "$OUT" == *"\"gain\":1.0,\"gain_db\":0.0}]"* ]]'

case_ "normalize modes and their report"
run "$P" --normalize none a.wav c.wav -o n.wav
printf '%s\n' "$OUT" >n.json
check "none: gain 1" '[ "$(jget n.json d.gain.applied)" = 1 ] && [ "$(jget n.json d.gain.reason)" = none ]'
run "$P" --normalize peak a.wav c.wav -o p.wav
printf '%s\n' "$OUT" >p.json
check "peak: reason" '[ "$(jget p.json d.gain.reason)" = peak ]'
check "peak: at the ceiling" 'near "$(jget p.json d.measured.sample_peak)" 0.95 0.000001'
check "peak: two passes" '[ "$(jget p.json d.passes)" = 2 ]'
run "$P" --normalize peak --ceiling none a.wav c.wav -o p1.wav
printf '%s\n' "$OUT" >p1.json
check "peak, no ceiling: full scale" 'near "$(jget p1.json d.measured.sample_peak)" 1 0.000001'
check "peak, no ceiling: nothing clipped" '[ "$(jget p1.json d.measured.clipped_samples)" = 0 ]'
run "$P" --normalize lufs:-20 a.wav b.wav c.wav -o l.wav
printf '%s\n' "$OUT" >l.json
check "lufs: reason" '[ "$(jget l.json d.gain.reason)" = lufs ]'
check "lufs: target in report" '[ "$(jget l.json d.normalize.target_lufs)" = -20 ]'
check "lufs: measured -20" 'near "$(jget l.json d.measured.integrated_lufs)" -20 0.05'
if command -v ffmpeg >/dev/null; then
  I=$(ffmpeg -hide_banner -nostats -i l.wav -af ebur128 -f null - 2>&1 | awk '/^ *I:/ { v = $2 } END { print v }')
  check "lufs: ffmpeg's ebur128 agrees (got $I)" 'near "$I" -20 0.1'
fi
run "$P" --normalize lufs:-3 a.wav c.wav -o lc.wav
printf '%s\n' "$OUT" >lc.json
check "lufs beyond the ceiling: reason" '[ "$(jget lc.json d.gain.reason)" = ceiling ]'
check "lufs beyond the ceiling: peak" 'near "$(jget lc.json d.measured.sample_peak)" 0.95 0.000001'
check "lufs beyond the ceiling: asked more than applied" \
  'awk -v n="$(jget lc.json d.gain.normalize)" -v a="$(jget lc.json d.gain.applied)" "BEGIN{exit !(n > a)}"'

case_ "ceiling"
run "$P" --normalize none loud1.wav loud2.wav -o ceil.wav
expect_rc 0
printf '%s\n' "$OUT" >ceil.json
check "reason ceiling" '[ "$(jget ceil.json d.gain.reason)" = ceiling ]'
check "peak at 0.95" 'near "$(jget ceil.json d.measured.sample_peak)" 0.95 0.000001'
check "one gain: 0.95/1.3" 'near "$(jget ceil.json d.gain.applied)" 0.730769 0.0001'
run "$P" --normalize none --ceiling -3dB loud1.wav loud2.wav -o ceil3.wav
printf '%s\n' "$OUT" >ceil3.json
check "ceiling in dB" 'near "$(jget ceil3.json d.measured.sample_peak)" 0.707946 0.00001'
run "$P" --normalize none --ceiling none loud1.wav loud2.wav -o clip.wav
expect_rc 0
expect_err_has "clipped"
printf '%s\n' "$OUT" >clip.json
check "clipping counted" '[ "$(jget clip.json d.measured.clipped_samples)" -gt 0 ]'
run "$P" -q --normalize none --ceiling none loud1.wav loud2.wav -o clip.wav
expect_err_empty

case_ "--peaks: the waveform of the final mix, equal to wf-peaks on the output"
peaks_case() {  # peaks_case NAME PEAKS-FILE "MIX OPTIONS" "PEAKS OPTIONS (unprefixed)" STEMS...
  local name="$1" pf="$2" mixopts="$3" popts="$4"; shift 4
  local prefixed="" o
  for o in $popts; do
    case "$o" in --*) prefixed="$prefixed --peaks-${o#--}" ;; *) prefixed="$prefixed $o" ;; esac
  done
  # shellcheck disable=SC2086
  run "$P" $mixopts --peaks "pk-$pf" $prefixed "$@" -o "pk-$name.wav"
  expect_rc 0
  expect_file "pk-$pf"
  check "$name: report names the peaks file" '[[ "$OUT" == *"\"peaks\":\"pk-$pf\"}" ]]'
  # shellcheck disable=SC2086
  "$BIN/wf-peaks" $popts "pk-$name.wav" -o "ref-$pf"
  check "$name: same bytes as wf-peaks on the mix" 'cmp -s "pk-$pf" "ref-$pf"'
}
peaks_case json m.json "" "" a.wav b.wav c.wav
peaks_case dat m.dat "" "" a.wav b.wav c.wav
peaks_case split m16.json "--bits 16" "--bits 16 --split-channels --peaks 500" a.wav b.wav
peaks_case spp spp.json "--normalize none" "--samples-per-pixel 256" a.wav b.wav
peaks_case waveflow wf.json "" "--format waveflow --peaks 300" a.wav b.wav
peaks_case svg m.svg "" "--width 400 --height 100" a.wav b.wav
peaks_case png m.png "" "--width 300" a.wav b.wav
peaks_case lufs l.json "--normalize lufs:-16" "" a.wav b.wav c.wav
peaks_case peakmode p.dat "--normalize peak --bits 32f" "--bits 16" a.wav c.wav
peaks_case rates r.json "" "--peaks 1000" r48.wav a.wav
peaks_case clip clip.json "--normalize none --ceiling none" "" loud1.wav loud2.wav
peaks_case ceil ceil.json "--normalize none" "" loud1.wav loud2.wav
# Negative control: the peaks of another mix differ.
"$BIN/wf-peaks" a.wav -o alone.json
check "peaks of a different signal differ" '! cmp -s pk-m.json alone.json'

case_ "progress only when asked (stderr is not a terminal here)"
run "$P" a.wav -o pr.wav
expect_err_empty
run "$P" --progress a.wav -o pr.wav
check "progress drawn" '[ -n "$ERR" ]'

case_ "stopped by SIGTERM: no output, no spool, no temporaries"
mkdir -p sig && cd sig
"$SYNTH" noise --seconds 600 --channels 2 --amp 0.3 -o long1.wav
"$SYNTH" noise --seconds 600 --channels 2 --amp 0.3 --seed 2 -o long2.wav
for mode in lufs:-14 count; do
  "$P" --normalize "$mode" long1.wav long2.wav -o out.wav >/dev/null 2>&1 &
  pid=$!
  sleep 0.3
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  RC=$?
  check "$mode: stopped by the signal (rc $RC)" '[ "$RC" = 143 ]'
  expect_no_file out.wav
  expect_no_temps .
done
rm -f long1.wav long2.wav
cd ..

case_ "bad inputs: one line, the right code, nothing left behind"
mkdir -p bad && cd bad
cp ../a.wav good.wav
: >empty.wav
echo "this is not audio" >text.mp3
mkdir adir.wav
head -c 100000 ../b.wav >cut.wav
bad_case() {  # bad_case CODE ARGS...
  local code="$1"; shift
  run "$P" "$@"
  expect_rc "$code"
  expect_one_line_err wf-mixstems
  expect_out_empty
  expect_no_file out.wav
  expect_no_temps .
}
bad_case 66 good.wav missing.wav -o out.wav
bad_case 65 good.wav empty.wav -o out.wav
bad_case 65 good.wav text.mp3 -o out.wav
bad_case 66 good.wav adir.wav -o out.wav
bad_case 65 good.wav cut.wav -o out.wav
bad_case 65 --normalize peak good.wav cut.wav -o out.wav
bad_case 65 --normalize lufs:-14 good.wav cut.wav -o out.wav
bad_case 73 good.wav -o no/such/dir/out.wav
bad_case 64 good.wav -o good.wav
bad_case 64 --channels 3 good.wav -o out.wav
bad_case 64 --normalize loud good.wav -o out.wav
bad_case 64 --normalize lufs:5 good.wav -o out.wav
bad_case 64 --ceiling 2 good.wav -o out.wav
bad_case 64 --ceiling 0 good.wav -o out.wav
bad_case 64 --gain 9=-3dB good.wav good.wav -o out.wav
bad_case 64 --gain 1=loud good.wav -o out.wav
bad_case 64 --bits 12 good.wav -o out.wav
bad_case 64 --rate 5 good.wav -o out.wav
bad_case 64 good.wav -o out.mp3
bad_case 64 --bits 32f good.wav -o out.flac
bad_case 64 -o out.wav
bad_case 64 good.wav
bad_case 73 --peaks no/such/dir/p.json good.wav -o out.wav
bad_case 64 --peaks out.wav good.wav -o out.wav
bad_case 64 --peaks good.wav good.wav -o out.wav
bad_case 64 --peaks p.json --peaks-pixels-per-second 30000 good.wav -o out.wav
bad_case 64 --peaks p.json --peaks-peaks 0 good.wav -o out.wav
bad_case 64 --peaks p.xyz good.wav -o out.wav
bad_case 64 --peaks - good.wav -o out.wav
bad_case 65 --peaks p.json good.wav cut.wav -o out.wav
expect_no_file p.json
echo '{"gains": [1' >broken.json
bad_case 65 --gains broken.json good.wav -o out.wav
echo '[1, 2, 3]' >three.json
bad_case 65 --gains three.json good.wav good.wav -o out.wav
echo '{"7": 1}' >seven.json
bad_case 65 --gains seven.json good.wav -o out.wav
bad_case 66 --gains missing.json good.wav -o out.wav
if locked_copy good.wav locked.wav; then
  bad_case 66 good.wav locked.wav -o out.wav
  chmod 644 locked.wav
fi
check "inputs untouched" 'cmp -s good.wav ../a.wav'
cd ..

finish
