#!/usr/bin/env bash
# CLI tests for djb-transition: the djb-analyze | djb-transition --plan pipeline and the
# djb.plan/1 contract, pair candidates (djb.transitions/1), determinism, beatless and
# duplicate tracks, a single track, plan options, weights, learning, bad input.
. "$(dirname "$0")/lib.sh"
P="$BIN/djb-transition"
cd "$WORK" || exit 1

# Fixtures: three short tracks in neighbouring keys and tempi, a half-time one, a pad.
"$SYNTH" track --bpm 124 --key Am --sections intro:8,drop:16,outro:8 -o a.wav
"$SYNTH" track --bpm 126 --key Em --sections intro:8,drop:8,breakdown:8,drop:8,outro:8 -o b.wav
"$SYNTH" track --bpm 122 --key C --groove breakbeat --sections intro:8,drop:16,outro:8 -o c.wav
"$SYNTH" tone --freq 220 --seconds 20 --channels 2 --amp 0.25 -o tone.wav
"$BIN/djb-analyze" -j 1 a.wav b.wav c.wav tone.wav >all.jsonl ||
  { echo "FAIL [setup]: djb-analyze could not analyse the fixtures" >&2; exit 1; }
[ "$(wc -l <all.jsonl)" = 4 ] || { echo "FAIL [setup]: not four analyses" >&2; exit 1; }
sed -n 1p all.jsonl >a.json
sed -n 2p all.jsonl >b.json
sed -n 3p all.jsonl >c.json
sed -n 4p all.jsonl >tone.json

case_ "pipeline: djb-analyze | djb-transition --plan"
bash -c "'$BIN/djb-analyze' -j 1 a.wav b.wav c.wav | '$P' --plan >plan.json 2>plan.err"
RC=$?
expect_rc 0
OUT="$(cat plan.json)"
check "no diagnostics" '[ ! -s plan.err ]'
check "one JSON line" '[ "$(wc -l <plan.json)" = 1 ]'
check "schema first" '[ "$(jl "$OUT" "Object.keys(d)[0]")" = schema ] && [ "$(jl "$OUT" d.schema)" = djb.plan/1 ]'
check "top-level keys" '[ "$(jl "$OUT" "Object.keys(d).slice(0, 7).join(\" \")")" = "schema toolkit_version options tracks transitions score duration" ]'
check "three tracks, two transitions" '[ "$(jl "$OUT" d.tracks.length)" = 3 ] && [ "$(jl "$OUT" d.transitions.length)" = 2 ]'
check "every track once" '[ "$(jl "$OUT" "d.tracks.map(t => t.input.path).sort().join(\" \")")" = "a.wav b.wav c.wav" ]'
check "sha256 of the audio" '[ "$(jl "$OUT" "d.tracks.find(t => t.input.path == \"a.wav\").input.sha256")" = "$(sha256sum a.wav | cut -d" " -f1)" ]'
check "track fields" '[ "$(jl "$OUT" "Object.keys(d.tracks[0]).slice(0, 14).join(\" \")")" = "index input analysis_version title artist duration bpm beat_grid downbeats downbeats_guessed key loudness play energy_level" ]'
check "index is the position" '[ "$(jl "$OUT" "d.tracks.every((t, i) => t.index == i)")" = true ]'
check "titles from file names" '[ "$(jl "$OUT" "d.tracks.every(t => t.title + \".wav\" == t.input.path && t.artist === null)")" = true ]'
check "from/to neighbours" '[ "$(jl "$OUT" "d.transitions.every((x, i) => x.from == i && x.to == i + 1)")" = true ]'
check "a known type" '[ "$(jl "$OUT" "d.transitions.every(x => [\"crossfade\",\"bass_swap\",\"cut\",\"filter\",\"mashup\",\"fade\"].includes(x.type))")" = true ]'
check "a / stretch_a = b / stretch_b = mix (1 ms)" '[ "$(jl "$OUT" "d.transitions.every(x => Math.abs(x.overlap.a_seconds / x.tempo.stretch_a - x.overlap.mix_seconds) < 0.001 && Math.abs(x.overlap.b_seconds / x.tempo.stretch_b - x.overlap.mix_seconds) < 0.001)")" = true ]'
check "tempo plan equations" '[ "$(jl "$OUT" "d.transitions.every(x => x.tempo.target_bpm === null || (Math.abs(d.tracks[x.from].bpm * x.tempo.stretch_a - x.tempo.target_bpm) < 0.01 && Math.abs(d.tracks[x.to].bpm * x.tempo.b_multiplier * x.tempo.stretch_b - x.tempo.target_bpm) < 0.01))")" = true ]'
check "exit and entry on downbeats" '[ "$(jl "$OUT" "d.transitions.every(x => x.type == \"fade\" || (d.tracks[x.from].downbeats.some(t => Math.abs(t - x.exit) < 0.002) && d.tracks[x.to].downbeats.some(t => Math.abs(t - x.entry) < 0.002)))")" = true ]'
check "play ranges follow the transitions" '[ "$(jl "$OUT" "d.transitions.every(x => Math.abs(d.tracks[x.to].play.start - x.entry) < 0.001 && Math.abs(d.tracks[x.from].play.end - (x.exit + x.overlap.a_seconds)) < 0.002)")" = true ]'
check "scores in [0, 1], plan score the mean" '[ "$(jl "$OUT" "d.transitions.every(x => x.score >= 0 && x.score <= 1) && Math.abs(d.score - d.transitions.reduce((s, x) => s + x.score, 0) / 2) < 0.001")" = true ]'
check "breakdown terms" '[ "$(jl "$OUT" "Object.keys(d.transitions[0].breakdown).join(\" \")")" = "tempo harmonic energy phrase coverage clash" ]'
check "beat-matched neighbours" '[ "$(jl "$OUT" "d.transitions.every(x => x.type != \"fade\")")" = true ]'
check "options recorded" '[ "$(jl "$OUT" d.options)" = "{\"keep_order\":false,\"arc\":\"flat\",\"first\":null,\"last\":null,\"max_length\":null,\"weights\":\"default\"}" ]'

case_ "deterministic: same bytes from files, stdin, any -j"
run "$P" --plan -j 1 a.json b.json c.json
check "files = pipe" '[ "$OUT" = "$(cat plan.json)" ]'
run_stdin all.jsonl "$P" --plan -j 2 a.json - 2>/dev/null
expect_rc 0
run "$P" --plan -j 2 a.json b.json c.json
check "-j 2 = -j 1" '[ "$OUT" = "$(cat plan.json)" ]'

case_ "pair: ranked candidates"
run "$P" a.json b.json
expect_rc 0
expect_err_empty
check "schema" '[ "$(jl "$OUT" d.schema)" = djb.transitions/1 ]'
check "from and to" '[ "$(jl "$OUT" d.from.input.path)/$(jl "$OUT" d.to.input.path)" = a.wav/b.wav ]'
check "ten best, ranked" '[ "$(jl "$OUT" d.candidates.length)" = 10 ] && [ "$(jl "$OUT" "d.candidates.every((c, i, a) => c.rank == i + 1 && (i == 0 || a[i - 1].score >= c.score))")" = true ]'
check "more were considered" '[ "$(jl "$OUT" "d.candidate_count > 10")" = true ]'
check "rejections named" '[ "$(jl "$OUT" "d.rejected.every(r => r.rule && r.count > 0)")" = true ]'
pair="$OUT"
run_stdin all.jsonl bash -c "head -2 | '$P'"
expect_rc 0
check "two JSON lines on stdin = two files" '[ "$OUT" = "$pair" ]'
run "$P" --top 3 --explain a.json b.json
check "--top 3" '[ "$(jl "$OUT" d.candidates.length)" = 3 ]'
expect_err_has "rank  type"
check "--explain: a table of 3 rows" '[ "$(printf "%s\n" "$ERR" | grep -cE "^ +[0-9]+  (crossfade|bass_swap|cut|filter|mashup|fade) ")" = 3 ]'
run "$P" --top 0 a.json b.json
check "--top 0: all" '[ "$(jl "$OUT" "d.candidates.length == d.candidate_count")" = true ]'

case_ "beatless track: a fade, in a pair and in a plan"
run "$P" a.json tone.json
expect_rc 0
check "only a fade" '[ "$(jl "$OUT" "d.candidates.map(c => c.type).join()")" = fade ]'
check "rule no_beat_grid" '[ "$(jl "$OUT" "d.rejected[0].rule")" = no_beat_grid ]'
check "fade: no bars, no stretch" '[ "$(jl "$OUT" "d.candidates[0].overlap_bars === null && d.candidates[0].tempo.stretch_a == 1 && d.candidates[0].tempo.stretch_b == 1")" = true ]'
run "$P" --plan --keep-order a.json tone.json b.json
expect_rc 0
check "tone has no grid" '[ "$(jl "$OUT" "d.tracks[1].bpm === null && d.tracks[1].beat_grid === null && d.tracks[1].downbeats.length == 0")" = true ]'
check "fades around it" '[ "$(jl "$OUT" "d.transitions.map(x => x.type).join()")" = fade,fade ]'

case_ "single track: a one-track plan"
run "$P" --plan c.json
expect_rc 0
check "one track, no transitions" '[ "$(jl "$OUT" d.tracks.length)" = 1 ] && [ "$(jl "$OUT" d.transitions.length)" = 0 ]'
check "duration = play range" '[ "$(jl "$OUT" "Math.abs(d.duration - (d.tracks[0].play.end - d.tracks[0].play.start)) < 0.002")" = true ]'

case_ "duplicates: warned and dropped"
cp a.wav copy.wav
"$BIN/djb-analyze" -j 1 copy.wav >copy.json
run "$P" --plan a.json b.json copy.json
expect_rc 0
expect_err_has "djb-transition: copy.wav: warning: same audio as a.wav"
check "two tracks" '[ "$(jl "$OUT" d.tracks.length)" = 2 ]'

case_ "plan options"
run "$P" --plan --keep-order c.json a.json b.json
check "--keep-order" '[ "$(jl "$OUT" "d.tracks.map(t => t.input.path).join()")" = c.wav,a.wav,b.wav ] && [ "$(jl "$OUT" d.options.keep_order)" = true ]'
run "$P" --plan --first c.wav --last 1 a.json b.json c.json
expect_rc 0
check "--first by path, --last by position" '[ "$(jl "$OUT" "d.tracks.map(t => t.input.path).join()")" = c.wav,b.wav,a.wav ]'
check "fixed ends recorded" '[ "$(jl "$OUT" d.options.first)/$(jl "$OUT" d.options.last)" = c.wav/a.wav ]'
run "$P" --plan --arc rise a.json b.json c.json
expect_rc 0
check "--arc rise recorded" '[ "$(jl "$OUT" d.options.arc)" = rise ]'
full=$(jl "$(cat plan.json)" d.duration)
run "$P" --plan --max-length "$(awk -v f="$full" 'BEGIN { print f - 10 }')" a.json b.json c.json
expect_rc 0
check "--max-length drops a track" '[ "$(jl "$OUT" d.tracks.length)" = 2 ] && [ "$(jl "$OUT" d.dropped_for_length)" = 1 ]'
expect_err_has "dropped from the end"
run "$P" --plan --explain a.json b.json c.json
expect_err_has "search exact"
check "--explain: one row per track" '[ "$(printf "%s\n" "$ERR" | grep -cE "^ +[0-9] +[abc] ")" = 3 ]'

case_ "weights and learning"
# Feedback: every candidate of every ordered pair, accepted when it keeps the key (a listener
# who cares about harmony only).
for x in a b c; do for y in a b c; do
  [ $x = $y ] || "$P" --top 0 $x.json $y.json
done; done >cands.jsonl
node -e '
  const lines = require("fs").readFileSync("cands.jsonl", "utf8").trim().split("\n");
  for (const l of lines) for (const c of JSON.parse(l).candidates)
    console.log(JSON.stringify({schema: "djb.feedback/1", breakdown: c.breakdown, accepted: c.breakdown.harmonic >= 0.9}));
' >feedback.jsonl
run "$P" learn feedback.jsonl
expect_rc 0
check "djb.weights/1" '[ "$(jl "$OUT" d.schema)" = djb.weights/1 ] && [ "$(jl "$OUT" d.source)" = learned ]'
check "harmony weighs most" '[ "$(jl "$OUT" "Object.entries(d.weights).sort((a, b) => b[1] - a[1])[0][0]")" = harmonic ]'
expect_err_has "records: log loss"
printf '%s\n' "$OUT" >weights.json
run_stdin feedback.jsonl "$P" learn
check "learn from stdin: same weights" '[ "$OUT" = "$(cat weights.json)" ]'
run "$P" --weights weights.json a.json c.json
expect_rc 0
check "--weights recorded" '[ "$(jl "$OUT" d.weights)" = weights.json ]'
echo '{"schema": "djb.weights/1", "weights": {"tempo": -1}}' >neg.json
run "$P" --weights neg.json a.json b.json
expect_rc 65
expect_one_line_err djb-transition
run "$P" --weights nowhere.json a.json b.json
expect_rc 66
expect_one_line_err djb-transition
head -1 feedback.jsonl >one.jsonl
run "$P" learn one.jsonl
expect_rc 65
expect_one_line_err djb-transition
run "$P" learn all.jsonl
expect_rc 65
expect_err_has "expected djb.feedback/1"

case_ "bad input"
run "$P" a.json
expect_rc 64
expect_one_line_err djb-transition
expect_err_has "needs exactly two analyses"
run "$P" a.json b.json c.json
expect_rc 64
run "$P" --plan plan.json
expect_rc 65
expect_one_line_err djb-transition
expect_err_has "schema is djb.plan/1, expected djb.analysis/1"
printf 'not json\n' >text.json
run "$P" --plan text.json a.json
expect_rc 65
expect_one_line_err djb-transition
: >empty.json
run "$P" --plan empty.json
expect_rc 65
expect_one_line_err djb-transition
run "$P" --plan missing.json
expect_rc 66
expect_one_line_err djb-transition
run "$P" --plan .
expect_rc 66
expect_one_line_err djb-transition
node -e 'const d = JSON.parse(require("fs").readFileSync("a.json", "utf8")); d.downbeats = ["x"]; console.log(JSON.stringify(d))' >badbeats.json
run "$P" --plan badbeats.json b.json
expect_rc 65
expect_err_has "badbeats.json: a downbeat is not a number"
node -e 'const d = JSON.parse(require("fs").readFileSync("a.json", "utf8")); delete d.input; console.log(JSON.stringify(d))' >noinput.json
run "$P" noinput.json b.json
expect_rc 65
expect_one_line_err djb-transition
if locked_copy a.json locked.json; then
  run "$P" --plan locked.json
  expect_rc 66
  expect_one_line_err djb-transition
fi
for bad in "--top -1" "--arc sideways" "--keep-order --first 1" "--first 9" "--last nosuch.wav" "--max-length -5" "--max-length 0" "--jobs -1" "--bogus"; do
  run "$P" --plan $bad a.json b.json c.json
  check "usage: $bad -> 64" '[ "$RC" = 64 ]'
  expect_one_line_err djb-transition
  expect_out_empty
done
run "$P" --plan --max-tracks 2 a.json b.json c.json
expect_rc 65
expect_err_has "3 tracks: more than --max-tracks 2"
expect_out_empty
run "$P" --keep-order a.json b.json
expect_rc 64
expect_err_has "needs --plan"
run "$P" --plan --first 1 --last a.wav a.json b.json
expect_rc 64
run "$P" --plan - -
expect_rc 64

finish
