#!/usr/bin/env bash
# CLI tests for djb-render (and the scripts/djb-mix pipeline over it).
. "$(dirname "$0")/lib.sh"
SRC="${DJB_SOURCE:?DJB_SOURCE must name the source tree}"
R="$BIN/djb-render"
cd "$WORK" || exit 1

# Fixtures: three short synthesized tracks at different tempi and keys, analysed, and plans
# made from the analyses by the test helper (djb-transition's contract, no scoring).
"$SYNTH" track --bpm 124 --key Am --sections intro:2,drop:8,outro:2 -o a.wav >/dev/null
"$SYNTH" track --bpm 128 --key Em --sections intro:2,drop:8,outro:2 -o b.wav >/dev/null
"$SYNTH" track --bpm 120 --key C --sections intro:2,drop:8,outro:2 -o c.wav >/dev/null
"$BIN/djb-analyze" -q a.wav b.wav c.wav >an.jsonl
plan() { node "$SRC/tests/support/make-plan.mjs" --bars 4 --types "$1" an.jsonl; }
plan bass_swap,filter >plan.json
json() { node -e "const d=JSON.parse(require('fs').readFileSync(0,'utf8')); console.log($1)"; }

case_ "renders a plan: MP3, LRC and CUE by the naming rule, a djb.render/1 report"
mkdir out
run "$R" plan.json -o out/mix.mp3
expect_rc 0
expect_file out/mix.mp3
expect_file out/mix.lrc
expect_file out/mix.cue
expect_out_has '"schema":"djb.render/1"'
expect_err_empty
expect_no_temps out
printf '%s' "$OUT" >report.json
frames=$(json 'd.output.frames' <report.json)
decoded=$(ffmpeg -v error -i out/mix.mp3 -f s16le -ac 2 - | wc -c)
check "FFmpeg decodes exactly the frames rendered (gapless info)" "[ $((decoded / 4)) -eq $frames ]"
check "ffprobe sees MP3 320 kbps 44.1 kHz stereo" \
  "[ \"\$(ffprobe -v error -show_entries stream=codec_name,sample_rate,channels,bit_rate -of csv=p=0 out/mix.mp3)\" = 'mp3,44100,2,320000' ]"
check "the report gives every track's start sample" \
  "[ \"\$(json 'd.tracks.map(t => t.start_sample).join(\",\")' <report.json | tr ',' '\n' | grep -c .)\" -eq 3 ]"
check "the first track starts at sample 0" "[ \"\$(json 'd.tracks[0].start_sample' <report.json)\" = 0 ]"
check "ratio-1 pieces never go through Rubber Band" \
  "[ \"\$(json 'd.tracks.flatMap(t => t.segments).filter(s => s.time_ratio === 1 && s.rubberband).length' <report.json)\" = 0 ]"
check "the stretched pieces do" \
  "[ \"\$(json 'd.tracks.flatMap(t => t.segments).filter(s => s.time_ratio !== 1 && s.rubberband).length' <report.json)\" -ge 1 ]"
check "LRC lines name the tracks in order" "[ \"\$(grep -o '\][abc]\$' out/mix.lrc | tr -d ']' | tr -d '\n')\" = abc ]"

case_ "re-analysed: one tempo through each overlap, beats on the plan's grid, lists, peak, loudness"
run env DJB_BIN="$BIN" "$SRC/scripts/eval-render" plan.json report.json out/mix.mp3
expect_rc 0
printf '%s\n' "$OUT" >eval.json
check "two overlaps were measured" "[ \"\$(json 'd.overlaps.length' <eval.json)\" = 2 ]"

case_ "a WAV render of the same plan has the same length and timeline"
run "$R" plan.json -o out/mix.wav
expect_rc 0
check "same frames" "[ \"\$(printf '%s' \"\$OUT\" | json 'd.output.frames')\" = $frames ]"
check "same track starts" "[ \"\$(printf '%s' \"\$OUT\" | json 'd.tracks.map(t => t.start_sample).join()')\" = \"\$(json 'd.tracks.map(t => t.start_sample).join()' <report.json)\" ]"

case_ "the plan from stdin, JSON progress on stderr"
run_stdin plan.json "$R" - -o out/stdin.mp3 --progress=json
expect_rc 0
expect_file out/stdin.mp3
expect_err_has '"schema":"djb.progress/1"'
check "every progress line is JSON" "printf '%s\n' \"\$ERR\" | node -e 'for (const l of require(\"fs\").readFileSync(0, \"utf8\").split(\"\\n\").filter(Boolean)) JSON.parse(l)'"
check "the last progress line closes: done = total" "printf '%s\n' \"\$ERR\" | tail -1 | node -e 'const d = JSON.parse(require(\"fs\").readFileSync(0, \"utf8\")); if (!(d.total_seconds > 0 && d.done_seconds === d.total_seconds)) process.exit(1)'"

case_ "a bare --progress never takes the plan as its value"
run "$R" --progress plan.json -o out/bare-progress.wav
expect_rc 0
expect_file out/bare-progress.wav
run "$R" --progress=xml plan.json -o out/bad-progress.wav
expect_rc 64
expect_one_line_err djb-render
expect_no_file out/bad-progress.wav

case_ "-o -: MP3 on stdout, the report only with --report, no track lists"
mkdir -p piped
(cd piped && "$R" ../plan.json -o - --report r.json >mix.mp3 2>err.txt)
piped_rc=$?
check "exit 0 ($piped_rc), nothing on stderr" '[ $piped_rc -eq 0 ] && [ ! -s piped/err.txt ]'
check "stdout is an MP3 that decodes to the same frames as the file render (LAME's priming aside)" \
  '[ "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 piped/mix.mp3)" = mp3 ] && [ "$(json "d.output.frames" <piped/r.json)" = "$frames" ]'
check "the report says stdout and mp3" \
  '[ "$(json "d.output.path + \" \" + d.output.format + \" \" + d.output.lrc" <piped/r.json)" = "- mp3 null" ]'
check "no track lists, nothing else left" '[ "$(ls piped | sort | tr "\n" " ")" = "err.txt mix.mp3 r.json " ]'
run "$R" plan.json -o - --bundle piped/x.zip
expect_rc 64
expect_one_line_err djb-render
expect_no_file piped/x.zip
run "$R" plan.json -o out/again.mp3 --report plan.json
expect_rc 64
expect_one_line_err djb-render
check "the plan named as the report is not overwritten" 'node -e "JSON.parse(require(\"fs\").readFileSync(\"plan.json\"))"'
expect_no_file out/again.mp3

case_ "--preview: the transitions only, shorter, no track lists"
run "$R" plan.json -o out/preview.mp3 --preview
expect_rc 0
expect_file out/preview.mp3
expect_no_file out/preview.lrc
pframes=$(printf '%s' "$OUT" | json 'd.output.frames')
check "the preview is shorter than the mix" "[ $pframes -lt $frames ]"
check "the preview used the faster engine" "printf '%s' \"\$OUT\" | grep -q 'faster (R2)'"

case_ "every transition type renders"
for t in crossfade cut mashup fade; do
  plan "$t" >"plan-$t.json"
  run "$R" "plan-$t.json" -o "out/$t.wav"
  expect_rc 0
done

case_ "--bundle: a ZIP of the mix, LRC, CUE and plan"
run "$R" plan.json -o out/b.mp3 --bundle out/b.zip
expect_rc 0
expect_file out/b.zip
check "the bundle lists the four members" \
  "[ \"\$(unzip -Z1 out/b.zip | LC_ALL=C sort | tr '\n' ' ')\" = 'b.cue b.lrc b.mp3 b.plan.json ' ]"

# Bad plans: one line on stderr, the right code, and nothing written.
bad() {  # bad CODE PLANFILE WHAT...
  local code="$1" p="$2"
  rm -rf bad && mkdir bad
  run "$R" "$p" -o bad/mix.mp3 --bundle bad/mix.zip
  expect_rc "$code"
  expect_one_line_err djb-render
  expect_out_empty
  check "no output left" "[ -z \"\$(ls -A bad)\" ]"
}
edit() { node -e "const p=JSON.parse(require('fs').readFileSync('plan.json','utf8')); $1; console.log(JSON.stringify(p))"; }

case_ "a missing track file: 66"
edit 'p.tracks[1].input.path = "gone.wav"' >p-missing.json
bad 66 p-missing.json
expect_err_has gone.wav

case_ "a track changed since analysis: 65"
cp c.wav c2.wav
edit 'p.tracks[2].input.path = "c2.wav"' >p-changed.json
"$SYNTH" tone --freq 440 --seconds 1 -o c2.wav >/dev/null
bad 65 p-changed.json
expect_err_has "changed since analysis"

case_ "impossible tempo ratios: 65"
edit 'p.transitions[0].tempo.stretch_b = 3' >p-ratio.json
bad 65 p-ratio.json
expect_err_has "impossible tempo ratio"
edit 'p.transitions[0].tempo.stretch_b *= 1.05' >p-mismatch.json
bad 65 p-mismatch.json
expect_err_has "impossible tempo ratios"

case_ "wrong schema, not JSON, empty: 65; no plan: 66"
edit 'p.schema = "djb.plan/2"' >p-schema.json
bad 65 p-schema.json
echo 'not json' >p-text.json
bad 65 p-text.json
: >p-empty.json
bad 65 p-empty.json
bad 66 nowhere.json
edit 'p.transitions[0].type = "spinback"' >p-type.json
bad 65 p-type.json
edit 'p.transitions[0].exit = 1000' >p-range.json
bad 65 p-range.json

case_ "bad options: 64; an output directory that does not exist: 73"
run "$R" plan.json -o out/mix.ogg
expect_rc 64
expect_one_line_err djb-render
run "$R" plan.json -o nowhere/mix.mp3
expect_rc 73
expect_one_line_err djb-render
run "$R" plan.json -o out/x.mp3 --target-lufs 10
expect_rc 64
before=$(sha256sum <a.wav)
run "$R" plan.json -o a.wav
expect_rc 64
expect_err_has "overwrite the input"
check "an input is never overwritten" "[ \"\$(sha256sum <a.wav)\" = \"$before\" ]"

case_ "an interrupted render leaves nothing behind"
rm -rf int && mkdir int
# SIGTERM: a background job of a script ignores SIGINT, which the terminal's ^C sends to a
# foreground run (both are handled alike).
"$R" plan.json -o int/mix.mp3 --bundle int/mix.zip >/dev/null 2>&1 &
pid=$!
sleep 0.4
kill -TERM "$pid"
wait "$pid"
RC=$?
check "it was stopped by the signal (not finished before it)" "[ $RC -eq 143 ]"
check "no output, no temporary" "[ -z \"\$(ls -A int)\" ]"

case_ "scripts/djb-mix: analyse -> plan -> render, the second run from the store"
mkdir -p tracks mixout
cp a.wav b.wav tracks/
export DJB_BIN="$BIN" DJB_PLANNER="node $SRC/tests/support/make-plan.mjs --types crossfade"
run "$SRC/scripts/djb-mix" tracks -o mixout/set.mp3 --store store
expect_rc 0
expect_file mixout/set.mp3
expect_file mixout/set.lrc
expect_file mixout/set.cue
expect_file mixout/set.plan.json
expect_file mixout/set.render.json
expect_err_has "0 from the store, 2 analysed"
run "$SRC/scripts/djb-mix" tracks -o mixout/set.mp3 --store store
expect_rc 0
expect_err_has "2 from the store, 0 analysed"
run "$SRC/scripts/djb-mix" -q tracks -o mixout/quiet.mp3 --store store
expect_rc 0
expect_file mixout/quiet.mp3
check "-q: nothing on stderr" '[ -z "$ERR" ]'
check "the plan names its tracks by absolute path" \
  'grep -Eq "\"path\": *\"/[^\"]*/tracks/a\.wav\"" mixout/set.plan.json'
run "$SRC/scripts/djb-mix" nothing-here -o mixout/x.mp3 --store store
expect_rc 66
run "$SRC/scripts/djb-mix" tracks -o nowhere/x.mp3 --store store
expect_rc 73
expect_no_file mixout/x.mp3

finish
