#!/usr/bin/env bash
# CLI tests of golden/run on a scratch copy of the golden cases: the gate passes on the
# committed files and fails, naming the case, when an expected file is perturbed.
. "$(dirname "$0")/lib.sh"
SRC="${DJB_SOURCE:?DJB_SOURCE must name the source tree}"
GR="$SRC/golden/run"
CASES="$WORK/cases"

fresh_copy() {
  rm -rf "$CASES"
  mkdir -p "$CASES"
  cp -R "$SRC/golden/cases/." "$CASES/"
}
last_line() { printf '%s\n' "$OUT" | tail -n 1; }

fresh_copy
check "the copy holds synth-track" '[ -f "$CASES/synth-track/expected/truth.json" ]'

case_ "usage"
run "$GR"
expect_rc 64
run "$GR" --check --cases "$CASES" no-such-case
expect_rc 64
expect_err_has "no such case: no-such-case"
run "$GR" --check --cases "$WORK/nowhere"
expect_rc 66

case_ "the committed cases pass"
run "$GR" --check --cases "$CASES"
expect_rc 0
expect_out_has "PASS synth-track"
check "final line" '[ "$(last_line)" = "$(find "$CASES" -mindepth 1 -maxdepth 1 -type d | wc -l) passed, 0 failed" ]'

case_ "a perturbed expected JSON field fails the gate"
sed -i 's/"bpm": 128.0/"bpm": 128.5/' "$CASES/synth-track/expected/truth.json"
check "the field was changed" 'grep -q "128.5" "$CASES/synth-track/expected/truth.json"'
GOLDEN_DIR="$CASES" run "$GR" --check synth-track
expect_rc 1
expect_out_has "FAIL synth-track (golden-diff exit 1)"
expect_out_has "truth.json: REGRESSION"
expect_out_has "/bpm: expected 128.5, actual 128.0"
check "final line" '[ "$(last_line)" = "0 passed, 1 failed" ]'

case_ "a time moved beyond its stated tolerance fails, within it passes"
fresh_copy
sed -i 's/^    0.46875,$/    0.46876,/' "$CASES/synth-track/expected/truth.json"
check "the beat was changed" 'grep -q "0.46876," "$CASES/synth-track/expected/truth.json"'
run "$GR" --check --cases "$CASES" synth-track
expect_rc 1
expect_out_has "/beats/1: expected 0.46876, actual 0.46875"
fresh_copy
sed -i 's/^    0.46875,$/    0.4687505,/' "$CASES/synth-track/expected/truth.json"
run "$GR" --check --cases "$CASES" synth-track
expect_rc 0
expect_out_has "PASS synth-track"

case_ "perturbed expected audio fails the gate"
fresh_copy
"$SYNTH" track --bpm 128 --key Am --sections intro:1,drop:2 --rate 8000 --seed 2 \
  -o "$CASES/synth-track/expected/track.flac"
run "$GR" --check --cases "$CASES"
expect_rc 1
expect_out_has "FAIL synth-track"
expect_out_has "track.flac: REGRESSION"
expect_out_has "SNR below the minimum 90 dB"

case_ "a missing expected file and a failing cmd fail the gate"
fresh_copy
rm "$CASES/synth-track/expected/truth.json"
run "$GR" --check --cases "$CASES"
expect_rc 1
expect_out_has "truth.json: REGRESSION"
expect_out_has "extra: in ACTUAL but not in EXPECTED"
fresh_copy
echo 'echo "synth exploded" >&2; exit 3' >>"$CASES/synth-track/cmd"
run "$GR" --check --cases "$CASES"
expect_rc 1
expect_out_has "FAIL synth-track (its cmd exited 3)"
expect_out_has "synth exploded"
fresh_copy
rm -r "$CASES/synth-track/expected"
run "$GR" --check --cases "$CASES"
expect_rc 1
expect_out_has "FAIL synth-track (no expected/"

case_ "--update regenerates expected/ and keeps tolerances.json"
fresh_copy
cp "$CASES/synth-track/expected/tolerances.json" "$WORK/tol.before"
sed -i 's/"bpm": 128.0/"bpm": 1.0/' "$CASES/synth-track/expected/truth.json"
echo stale >"$CASES/synth-track/expected/stale.txt"
run "$GR" --update --cases "$CASES" synth-track
expect_rc 0
expect_out_has "UPDATED synth-track"
check "final line" '[ "$(last_line)" = "1 updated, 0 failed" ]'
check "tolerances.json kept" 'cmp -s "$WORK/tol.before" "$CASES/synth-track/expected/tolerances.json"'
check "stale file gone" '[ ! -e "$CASES/synth-track/expected/stale.txt" ]'
check "truth regenerated" 'cmp -s "$SRC/golden/cases/synth-track/expected/truth.json" "$CASES/synth-track/expected/truth.json"'
run "$GR" --check --cases "$CASES" synth-track
expect_rc 0
expect_out_has "PASS synth-track"

case_ "adding a case is adding a directory"
mkdir -p "$CASES/zz-echo/expected"
echo 'printf "hello\n" >out/hello.txt' >"$CASES/zz-echo/cmd"
printf 'hello\n' >"$CASES/zz-echo/expected/hello.txt"
run "$GR" --check --cases "$CASES"
expect_rc 0
expect_out_has "PASS zz-echo"
check "final line" '[ "$(last_line)" = "$(find "$CASES" -mindepth 1 -maxdepth 1 -type d | wc -l) passed, 0 failed" ]'
printf 'hullo\n' >"$CASES/zz-echo/expected/hello.txt"
run "$GR" --check --cases "$CASES"
expect_rc 1
expect_out_has "PASS synth-track"
expect_out_has "FAIL zz-echo"
expect_out_has "contents differ at byte 1"
check "final line" '[[ "$(last_line)" = *" passed, 1 failed" ]]'

finish
