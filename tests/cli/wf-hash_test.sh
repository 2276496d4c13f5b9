#!/usr/bin/env bash
# CLI tests for wf-hash: sha256sum equality, content hashes, fingerprints, the store (also
# under concurrent processes), exit codes and bad input.
. "$(dirname "$0")/lib.sh"
WF="$BIN/wf-hash"
cd "$WORK" || exit 1
HERE=$(pwd -P)  # the store records absolute paths

ff() { ffmpeg -nostdin -v error -y "$@"; }
# First value of a JSON string/number field in text: field KEY TEXT
field() { grep -o "\"$1\":\"\?[^,\"}]*" <<<"$2" | head -1 | sed 's/.*:"\{0,1\}//'; }
# The duplicate_of part of a line ("null" or its object).
dup_of() { sed -n 's/.*"duplicate_of":\(.*\)}$/\1/p' <<<"$1"; }
lines() { printf '%s\n' "$1" | grep -c .; }

# Fixtures: short synthetic tracks (about 12 s) and lossy copies made as a user would.
SEC=intro:2,drop:4
"$SYNTH" track --bpm 124 --key Am --sections $SEC -o a.wav
"$SYNTH" track --bpm 124 --key Am --sections $SEC -o a.flac
"$SYNTH" track --bpm 90 --key C --sections $SEC -o b.wav
"$SYNTH" track --bpm 140 --key F#m --sections $SEC -o c.wav
"$SYNTH" track --bpm 170 --key Eb --sections $SEC -o d.wav
ff -i a.wav -b:a 192k a.mp3
ff -i a.mp3 -c copy -metadata title=Retagged a_retag.mp3
ff -i a.mp3 -c copy -metadata title=Other -metadata artist=Someone -id3v2_version 3 a_retag3.mp3
ff -i a.wav -b:a 128k a128.mp3
ff -i a.wav -ss 1.3 -c:a libvorbis -q:a 3 a_trim.ogg
ff -i a.wav -t 10 -c:a aac -b:a 128k a_end.m4a
ff -i b.wav -b:a 192k b.mp3
# Odd sizes: junk after the data chunk is still a readable WAV; sizes hit no block boundary.
"$SYNTH" tone --freq 440 --seconds 0.001 -o tiny.wav
"$SYNTH" tone --freq 440 --seconds 12.5 --channels 2 -o big.wav
printf 'xyz' >>big.wav
printf 'q' >>tiny.wav

case_ "sha256 equals sha256sum"
files=(a.wav a.flac a.mp3 a_trim.ogg a_end.m4a tiny.wav big.wav)
run "$WF" "${files[@]}"
expect_rc 0
expect_err_empty
check "one line per file" '[ "$(lines "$OUT")" = ${#files[@]} ]'
i=0
while IFS= read -r line; do
  f=${files[$i]}
  check "sha256 of $f" '[ "$(field sha256 "$line")" = "$(sha256sum "$f" | cut -d" " -f1)" ]'
  check "bytes of $f" '[ "$(field bytes "$line")" = "$(stat -c %s "$f")" ]'
  check "path of $f in order" '[ "$(field path "$line")" = "$f" ]'
  i=$((i + 1))
done <<<"$OUT"
check "sizes include odd, tiny and over 1 MiB" '[ $(( $(stat -c %s big.wav) % 2 )) = 1 ] && [ $(stat -c %s big.wav) -gt 2097152 ] && [ $(stat -c %s tiny.wav) -lt 200 ]'
expect_out_has '"schema":"wf.hash/1"'
expect_out_has '"toolkit_version":"'
expect_out_has '"audio":{"container":"wav","codec":"pcm_s16le","lossless":true,"sample_rate":44100,"channels":2,'
expect_out_has '"duplicate_of":null'

case_ "stdin, '-' and a pipe"
run_stdin big.wav "$WF"
expect_rc 0
check "stdin sha" '[ "$(field sha256 "$OUT")" = "$(sha256sum <big.wav | cut -d" " -f1)" ]'
expect_out_has '"path":"-"'
run_stdin a.mp3 "$WF" --content --fingerprint -
expect_rc 0
check "stdin content hash equals the file's" '[ "$(field content_sha256 "$OUT")" = "$(field content_sha256 "$("$WF" --content a.mp3)")" ]'
OUT=$(cat a.flac | "$WF" --content)
RC=$?
expect_rc 0
check "pipe sha" '[ "$(field sha256 "$OUT")" = "$(sha256sum a.flac | cut -d" " -f1)" ]'
check "no spool files left" '[ -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name ".wf-hash-input.*" -newer a.wav 2>/dev/null)" ]'

case_ "content hash: WAV == FLAC, re-tagged MP3 keeps it, different audio differs"
run "$WF" --content a.wav a.flac a.mp3 a_retag.mp3 a_retag3.mp3 a128.mp3 b.wav b.mp3
expect_rc 0
mapfile -t L <<<"$OUT"
check "wav rule pcm" '[ "$(field content_rule "${L[0]}")" = pcm ]'
check "mp3 rule packets" '[ "$(field content_rule "${L[2]}")" = packets ]'
check "wav == flac" '[ "$(field content_sha256 "${L[0]}")" = "$(field content_sha256 "${L[1]}")" ]'
check "wav and flac file hashes differ" '[ "$(field sha256 "${L[0]}")" != "$(field sha256 "${L[1]}")" ]'
check "retagged mp3 same" '[ "$(field content_sha256 "${L[2]}")" = "$(field content_sha256 "${L[3]}")" ]'
check "retagged mp3 (ID3v2.3) same" '[ "$(field content_sha256 "${L[2]}")" = "$(field content_sha256 "${L[4]}")" ]'
check "retagged mp3 file hash differs" '[ "$(field sha256 "${L[2]}")" != "$(field sha256 "${L[3]}")" ]'
check "re-encoded mp3 differs" '[ "$(field content_sha256 "${L[2]}")" != "$(field content_sha256 "${L[5]}")" ]'
check "other track differs" '[ "$(field content_sha256 "${L[0]}")" != "$(field content_sha256 "${L[6]}")" ]'
check "flac is a content duplicate of wav" '[[ "$(dup_of "${L[1]}")" == *"\"path\":\"a.wav\""*"\"match\":\"content\""* ]]'
check "retag is a content duplicate of mp3" '[[ "$(dup_of "${L[3]}")" == *"\"path\":\"a.mp3\""*"\"match\":\"content\""* ]]'
check "b.wav is new" '[ "$(dup_of "${L[6]}")" = null ]'

case_ "fingerprint: re-encoded and trimmed copies are near duplicates, other tracks are not"
run "$WF" --fingerprint a.wav b.wav a128.mp3 a_trim.ogg a_end.m4a c.wav d.wav b.mp3
expect_rc 0
mapfile -t L <<<"$OUT"
check "fingerprint string" '[[ "$(field fingerprint "${L[0]}")" == AQ* ]]'
for n in 2 3 4; do
  check "line $n matches a.wav acoustically" '[[ "$(dup_of "${L[$n]}")" == *"\"path\":\"a.wav\""*"\"match\":\"acoustic\""* ]]'
done
check "b.wav new" '[ "$(dup_of "${L[1]}")" = null ]'
check "c.wav new" '[ "$(dup_of "${L[5]}")" = null ]'
check "d.wav new" '[ "$(dup_of "${L[6]}")" = null ]'
check "b.mp3 matches b.wav" '[[ "$(dup_of "${L[7]}")" == *"\"path\":\"b.wav\""*"\"match\":\"acoustic\""* ]]'
sim=$(field similarity "${L[3]}")
check "similarity of the trimmed copy is reported and above 0.8" 'awk -v s="$sim" "BEGIN{exit !(s >= 0.8 && s < 1)}"'
run "$WF" --fingerprint --threshold 1 a.wav a128.mp3
check "threshold 1 accepts no re-encode" '[ "$(grep -c "\"duplicate_of\":null" <<<"$OUT")" = 2 ]'

case_ "store: a second run reports duplicates of the first run's files"
run "$WF" --content --fingerprint --store st a.wav b.wav c.wav
expect_rc 0
check "first run: nothing seen before" '[ "$(grep -c "\"duplicate_of\":null" <<<"$OUT")" = 3 ]'
expect_file st/store.json
check "git-objects layout" '[ -f "st/$(field sha256 "$(head -1 <<<"$OUT")" | cut -c1-2)/$(field sha256 "$(head -1 <<<"$OUT")" | cut -c3-)" ]'
run "$WF" --content --fingerprint --store st a.wav a.flac a128.mp3 d.wav
expect_rc 0
mapfile -t L <<<"$OUT"
check "exact duplicate with the first path" '[[ "$(dup_of "${L[0]}")" == *"\"path\":\"$HERE/a.wav\""*"\"match\":\"exact\""* ]]'
check "content duplicate" '[[ "$(dup_of "${L[1]}")" == *"\"path\":\"$HERE/a.wav\""*"\"match\":\"content\""* ]]'
check "acoustic duplicate" '[[ "$(dup_of "${L[2]}")" == *"\"path\":\"$HERE/a.wav\""*"\"match\":\"acoustic\""* ]]'
check "new file" '[ "$(dup_of "${L[3]}")" = null ]'
check "no temporary files in the store" '[ -z "$(find st -name ".*")" ]'
run "$WF" --store st --fail-on-duplicate c.wav
expect_rc 1
expect_out_has '"match":"exact"'
run "$WF" --store st --fail-on-duplicate tiny.wav
expect_rc 0
run "$WF" --fail-on-duplicate a.wav a.wav
expect_rc 1
run "$WF" --fail-on-duplicate a.wav a.wav missing.wav
expect_rc 66
run "$WF" --store big.wav a.wav
expect_rc 73
expect_one_line_err wf-hash

case_ "4 concurrent processes over overlapping lists report each duplicate exactly once"
pool=(a.wav a.flac a.mp3 a_retag.mp3 a128.mp3 a_trim.ogg b.wav b.mp3 c.wav d.wav tiny.wav big.wav)
# Clusters: a.* (6 files), b.* (2), c, d, tiny, big -> 6 originals when all appear.
for round in 1 2 3; do
  rm -rf cst out.* list.*
  for p in 1 2 3 4; do
    printf '%s\n' "${pool[@]}" | shuf --random-source=<(yes "$round$p") | head -9 >list.$p
  done
  for p in 1 2 3 4; do
    mapfile -t mine <list.$p
    "$WF" -j 2 --content --fingerprint --store cst "${mine[@]}" >out.$p 2>err.$p &
  done
  wait
  occurrences=$(cat list.* | wc -l)
  clusters=$(cat list.* | sed 's/^\([ab]\)[._0-9].*/\1/' | sort -u | wc -l)
  reported=$(cat out.* | grep -c '"match":')
  originals=$(cat out.* | grep -c '"duplicate_of":null')
  check "round $round: one line per occurrence" '[ "$(cat out.* | wc -l)" = "$occurrences" ] && [ ! -s err.1 ] && [ ! -s err.2 ] && [ ! -s err.3 ] && [ ! -s err.4 ]'
  check "round $round: duplicates = occurrences - clusters ($reported vs $occurrences - $clusters)" '[ "$reported" = $((occurrences - clusters)) ]'
  check "round $round: one original per cluster" '[ "$originals" = "$clusters" ]'
done

case_ "same output for -j 1 and -j 4, and for repeated runs"
A=$("$WF" -j 1 --content --fingerprint a.wav b.wav a.mp3 c.wav a128.mp3 d.wav)
B=$("$WF" -j 4 --content --fingerprint a.wav b.wav a.mp3 c.wav a128.mp3 d.wav)
check "deterministic" '[ "$A" = "$B" ] && [ -n "$A" ]'

case_ "bad inputs: one-line errors, sysexits codes, the batch goes on"
: >empty.wav
echo "this is not audio at all, just some words" >text.mp3
mkdir -p adir
"$SYNTH" tone --freq 440 --seconds 2 -o trunc.wav
truncate -s 50000 trunc.wav
run "$WF" missing.wav
expect_rc 66
expect_one_line_err wf-hash
expect_err_has "missing.wav"
expect_out_empty
run "$WF" empty.wav
expect_rc 65
expect_one_line_err wf-hash
run "$WF" text.mp3
expect_rc 65
expect_one_line_err wf-hash
run "$WF" adir
expect_rc 66
expect_one_line_err wf-hash
run "$WF" trunc.wav
expect_rc 65
expect_one_line_err wf-hash
expect_err_has "truncated"
run "$WF" --max-size 1M big.wav
expect_rc 65
expect_one_line_err wf-hash
expect_err_has "max-size"
run_stdin big.wav "$WF" --max-size 1M
expect_rc 65
expect_one_line_err wf-hash
# A library scan over masters: a 10-minute 44.1 kHz stereo WAV is over 100 MB, and hashing
# streams, so no size limit applies unless one is asked for.
ff -f lavfi -i anullsrc=r=44100:cl=stereo -t 600 -c:a pcm_s16le master.wav
run "$WF" master.wav
expect_rc 0
check "a 106 MB master hashes by default, as sha256sum does" \
  "[ \"\$(field sha256 \"\$OUT\")\" = \"\$(sha256sum master.wav | cut -d' ' -f1)\" ]"
run "$WF" --max-size 100M master.wav
expect_rc 65
expect_err_has "max-size"
rm -f master.wav
run_stdin text.mp3 "$WF"
expect_rc 65
expect_one_line_err wf-hash
if locked_copy a.wav locked.wav; then
  run "$WF" locked.wav
  expect_rc 66
  expect_one_line_err wf-hash
fi
run "$WF" a.wav missing.wav text.mp3 b.wav
expect_rc 66
check "good files still hashed" '[ "$(lines "$OUT")" = 2 ]'
check "two error lines" '[ "$(lines "$ERR")" = 2 ]'
run "$WF" text.mp3 a.wav missing.wav
expect_rc 65
check "first failure decides the code" '[ "$(lines "$OUT")" = 1 ]'

case_ "absurd options exit 64"
for args in "--max-size banana" "--max-size 0" "--max-size -5M" "-j -3" "-j x" "--threshold 7" \
  "--fingerprint --threshold -0.5" "--threshold 0.9" "--no-such-option"; do
  # shellcheck disable=SC2086
  run "$WF" $args a.wav
  expect_rc 64
  expect_one_line_err wf-hash
  expect_out_empty
done

case_ "help and version"
run "$WF" --help
expect_rc 0
expect_out_has "--fingerprint"
run "$WF" --version
expect_rc 0
expect_out_has "wf-hash"

finish
