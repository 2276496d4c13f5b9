#!/usr/bin/env bash
# CLI tests of golden-diff: exit codes, the text and JSON reports, directory mode.
. "$(dirname "$0")/lib.sh"
GD="$BIN/golden-diff"

# Reads a field of a JSON document on stdin: json_field 'd.files[0].status'
json_field() { node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>{const d=JSON.parse(s);console.log(JSON.stringify(eval(process.argv[1])))})' "$1"; }

cd "$WORK" || exit 1
cat >e.json <<'EOF'
{"schema": "synth.truth/1", "bpm": 128.0, "key": "A minor", "beats": [0.0, 0.46875, 0.9375],
 "toolkit": "0.1.0", "input": {"path": "/home/ci/a.wav", "sha256": "ab"}}
EOF
cat >same.json <<'EOF'
{"bpm": 128, "schema": "synth.truth/1", "key": "A minor", "beats": [0.0, 0.46875, 0.9375],
 "input": {"sha256": "ab", "path": "/home/ci/a.wav"}, "toolkit": "0.1.0"}
EOF
cat >near.json <<'EOF'
{"schema": "synth.truth/1", "bpm": 128.004, "key": "A minor", "beats": [0.0, 0.47, 0.9375],
 "toolkit": "0.2.0", "input": {"path": "/tmp/x/a.wav", "sha256": "ab"}}
EOF
cat >far.json <<'EOF'
{"schema": "synth.truth/1", "bpm": 126.0, "key": "C major", "beats": [0.0, 0.5],
 "toolkit": "0.1.0", "input": {"path": "/home/ci/a.wav"}, "extra": 1}
EOF
cat >tol.json <<'EOF'
{"/bpm": 0.01, "/beats/*": 0.005, "/toolkit": "ignore", "/input/path": "ignore"}
EOF
"$SYNTH" tone --freq 440 --seconds 1 --rate 22050 --amp 0.5 -o tone.wav
"$SYNTH" tone --freq 440 --seconds 1 --rate 22050 --amp 0.5 -o tone.flac
"$SYNTH" tone --freq 440 --seconds 1 --rate 22050 --amp 0.45 -o quieter.wav
"$SYNTH" tone --freq 440 --seconds 1 --rate 44100 --amp 0.5 -o rate.wav
"$SYNTH" tone --freq 440 --seconds 1 --rate 22050 --amp 0.5 --bits 24 -o tone24.wav

case_ "usage errors exit 64 with one line"
run "$GD"
expect_rc 64
expect_one_line_err golden-diff
run "$GD" e.json
expect_rc 64
run "$GD" --frobnicate e.json e.json
expect_rc 64
expect_one_line_err golden-diff
run "$GD" --abs-tol -1 e.json e.json
expect_rc 64
run "$GD" --abs-tol nan e.json e.json
expect_rc 64
run "$GD" --as xml e.json e.json
expect_rc 64
mkdir -p somedir
run "$GD" e.json somedir
expect_rc 64
expect_one_line_err golden-diff
expect_out_empty

case_ "--help and --version"
run "$GD" --help
expect_rc 0
expect_out_has "EXPECTED"
expect_out_has "--min-snr"
run "$GD" --version
expect_rc 0
expect_out_has "golden-diff (djb-toolkit)"

case_ "missing input exits 66"
run "$GD" e.json no-such.json
expect_rc 66
expect_one_line_err golden-diff
expect_err_has "no-such.json"
run "$GD" no-such.json e.json
expect_rc 66
run "$GD" --tolerances no-such-tol.json e.json same.json
expect_rc 66
expect_one_line_err golden-diff

case_ "corrupt input exits 65"
printf '{"bpm": 128.0, ' >broken.json
run "$GD" e.json broken.json
expect_rc 65
expect_one_line_err golden-diff
expect_err_has "broken.json: not valid JSON"
expect_out_has "broken.json: ERROR"
echo "this is not audio" >fake.wav
run "$GD" tone.wav fake.wav
expect_rc 65
expect_one_line_err golden-diff
echo '{"/bpm": "roughly"}' >badtol.json
run "$GD" --tolerances badtol.json e.json same.json
expect_rc 65
expect_err_has "badtol.json"

case_ "same JSON (key order and 128 == 128.0 do not matter)"
run "$GD" e.json same.json
expect_rc 0
expect_out_has "same.json: same"
expect_out_has "1 file: 1 same, 0 within tolerance, 0 regressed, 0 errors"
expect_err_empty
run "$GD" --strict-order e.json same.json
expect_rc 1
expect_out_has "(root): key order: expected"

case_ "JSON regression: every difference with its path, expected and actual"
run "$GD" e.json far.json
expect_rc 1
expect_out_has "far.json: REGRESSION"
expect_out_has "  /bpm: expected 128.0, actual 126.0 (|diff| 2 > tolerance 1e-09)"
expect_out_has '  /key: expected "A minor", actual "C major"'
expect_out_has "  /beats: array length: expected 3, actual 2"
expect_out_has "  /beats/1: expected 0.46875, actual 0.5"
expect_out_has "  /input/sha256: missing (expected \"ab\")"
expect_out_has "  /extra: extra (actual 1)"
expect_out_has "1 regressed"
run "$GD" --max-details 2 e.json far.json
expect_rc 1
expect_out_has "  ... and 4 more"
check "capped at two detail lines" '[ "$(grep -c "^  /" <<<"$OUT")" -eq 2 ]'

case_ "tolerances file: per-field tolerance, wildcards, ignore"
run "$GD" e.json near.json
expect_rc 1
run "$GD" --tolerances tol.json e.json near.json
expect_rc 0
expect_out_has "near.json: within tolerance (2 numbers within tolerance, largest |diff| 0.004 at /bpm, 2 values ignored)"
run "$GD" --abs-tol 0.01 e.json near.json
expect_rc 1
expect_out_has "/toolkit"
run "$GD" --rel-tol 0.1 e.json near.json
expect_rc 1
check "rel-tol takes the numbers" '! grep -q "/bpm" <<<"$OUT"'

case_ "-q prints only regressions"
run "$GD" -q e.json same.json
expect_rc 0
expect_out_empty
run "$GD" -q e.json far.json
expect_rc 1
expect_out_has "far.json: REGRESSION"
check "no summary under -q" '! grep -q "regressed" <<<"$OUT"'

case_ "JSON Lines compared line by line"
printf '{"t": 0.5}\n{"t": 1.0}\n' >e.jsonl
printf '{"t": 0.5}\n{"t": 1.25}\n' >a.jsonl
printf '{"t": 0.5}\n{"t": 1.0}\n{"t": 1.5}\n' >long.jsonl
run "$GD" e.jsonl a.jsonl
expect_rc 1
expect_out_has "line 2: /t: expected 1.0, actual 1.25"
run "$GD" e.jsonl long.jsonl
expect_rc 1
expect_out_has "line count: expected 2, actual 3"

case_ "audio: same samples in another container, SNR below the threshold, rate mismatch"
run "$GD" tone.wav tone.flac
expect_rc 0
expect_out_has "tone.flac: same"
run "$GD" tone.wav tone24.wav
expect_rc 0
expect_out_has "tone24.wav: within tolerance (SNR "
run "$GD" tone.wav quieter.wav
expect_rc 1
expect_out_has "quieter.wav: REGRESSION"
expect_out_has "SNR below the minimum 90 dB"
expect_out_has "SNR 20.0 dB"
run "$GD" --min-snr 19 tone.wav quieter.wav
expect_rc 0
expect_out_has "within tolerance (SNR 20.0 dB"
run "$GD" --min-snr 19 --max-mse 1e-4 tone.wav quieter.wav
expect_rc 1
expect_out_has "MSE above the maximum 0.0001"
run "$GD" tone.wav rate.wav
expect_rc 1
expect_out_has "sample rate differs: expected 22050 Hz, actual 44100 Hz"

case_ "other files: bytes, with sizes and the first differing offset"
printf 'abcdef' >e.bin
printf 'abcXef!' >a.bin
run "$GD" e.bin e.bin
expect_rc 0
run "$GD" e.bin a.bin
expect_rc 1
expect_out_has "contents differ at byte 3 (expected 6 bytes, actual 7 bytes)"
expect_out_has "sha256: expected $(sha256sum e.bin | cut -c1-64)"

case_ "video containers: stream layout and packet checksums"
mkclip() { ffmpeg -nostdin -v error -y -f lavfi -i "testsrc=size=160x120:rate=10:duration=1" \
  -f lavfi -i sine=frequency=440:duration=1 -c:v mpeg4 -q:v "$1" -c:a aac -b:a 64k -shortest "$2"; }
mkclip 5 clip.mp4
mkclip 12 requant.mp4
ffmpeg -nostdin -v error -y -i clip.mp4 -c copy -metadata title=remuxed remux.mp4
check "the remux has other bytes" '! cmp -s clip.mp4 remux.mp4'
run "$GD" clip.mp4 remux.mp4
expect_rc 0
expect_out_has "remux.mp4: same"
run "$GD" clip.mp4 requant.mp4
expect_rc 1
expect_out_has "  stream 0 (video mpeg4 160x120): packet data differs from packet 0"
run "$GD" --layout-only clip.mp4 requant.mp4
expect_rc 0
expect_out_has "requant.mp4: within tolerance (layout only: packets not compared)"
mkdir -p vexp vact
cp clip.mp4 vexp/clip.mp4
cp requant.mp4 vact/clip.mp4
echo '{"*.mp4": {"packets": false}}' >vexp/tolerances.json
run "$GD" vexp vact
expect_rc 0
expect_out_has "clip.mp4: within tolerance (layout only"
run "$GD" --json vexp vact
check "media in the JSON report" '[ "$(json_field "[d.files[0].kind, d.files[0].media.streams[0].layout.actual, d.files[0].media.packets_compared]" <<<"$OUT")" = "[\"media\",\"video mpeg4 160x120\",false]" ]'

case_ "--json report (golden.diff/1)"
run "$GD" --json --tolerances tol.json e.json far.json
expect_rc 1
check "one line" '[ "$(printf "%s\n" "$OUT" | wc -l)" -eq 1 ]'
check "schema first" '[[ "$OUT" == "{\"schema\":\"golden.diff/1\""* ]]'
check "result" '[ "$(json_field d.result <<<"$OUT")" = "\"regression\"" ]'
check "exit_status" '[ "$(json_field d.exit_status <<<"$OUT")" = 1 ]'
check "file status" '[ "$(json_field "d.files[0].status" <<<"$OUT")" = "\"regression\"" ]'
check "first detail path" '[ "$(json_field "d.files[0].json.details[0].path" <<<"$OUT")" = "\"/bpm\"" ]'
check "detail values" '[ "$(json_field "[d.files[0].json.details[0].expected, d.files[0].json.details[0].actual, d.files[0].json.details[0].tolerance]" <<<"$OUT")" = "[128,126,0.01]" ]'
check "options echoed" '[ "$(json_field d.options.tolerances <<<"$OUT")" = "\"tol.json\"" ]'
run "$GD" --json tone.wav tone.wav
expect_rc 0
check "identical audio is same" '[ "$(json_field "d.files[0].status" <<<"$OUT")" = "\"same\"" ]'
run "$GD" --json tone.wav tone24.wav
check "SNR is a number" '[ "$(json_field "typeof d.files[0].audio.snr_db" <<<"$OUT")" = "\"number\"" ]'
run "$GD" --json e.json broken.json
expect_rc 65
check "error in the report" '[ "$(json_field "d.files[0].error.exit_status" <<<"$OUT")" = 65 ]'

case_ "directory mode: missing and extra files, tolerances.json"
mkdir -p exp/sub act/sub
cp e.json exp/truth.json
cp near.json act/truth.json
cp tone.wav exp/sub/tone.wav
cp tone.flac act/sub/tone.wav
cp e.bin exp/gone.bin
cp a.bin act/new.bin
cp tol.json exp/tolerances.json
run "$GD" exp act
expect_rc 1
expect_out_has "gone.bin: REGRESSION"
expect_out_has "  missing: in EXPECTED but not in ACTUAL"
expect_out_has "new.bin: REGRESSION"
expect_out_has "  extra: in ACTUAL but not in EXPECTED"
expect_out_has "sub/tone.wav: same"
expect_out_has "truth.json: within tolerance"
expect_out_has "4 files: 1 same, 1 within tolerance, 2 regressed, 0 errors"
check "tolerances.json is not compared" '! grep -q "^tolerances.json" <<<"$OUT"'
run "$GD" --json exp act
check "four files in the JSON report" '[ "$(json_field "d.files.map(f => f.path + \":\" + f.status + \":\" + (f.presence || \"\")).join(\" \")" <<<"$OUT")" = "\"gone.bin:regression:missing new.bin:regression:extra sub/tone.wav:same: truth.json:within_tolerance:\"" ]'
rm exp/gone.bin act/new.bin
run "$GD" exp act
expect_rc 0
expect_out_has "2 files: 1 same, 1 within tolerance, 0 regressed, 0 errors"
echo garbage >act/sub/tone.wav
run "$GD" exp act
expect_rc 65
expect_one_line_err golden-diff
expect_out_has "truth.json: within tolerance"
expect_out_has "sub/tone.wav: ERROR"

case_ "unreadable input exits 66"
if locked_copy e.json locked.json; then
  run "$GD" e.json locked.json
  expect_rc 66
  expect_one_line_err golden-diff
  chmod 644 locked.json
fi

finish
