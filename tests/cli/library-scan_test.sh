#!/usr/bin/env bash
# scripts/library-scan: a whole folder analysed, hashed and drawn; a second run over the
# unchanged folder decodes nothing (every analysis from the store, no waveform rewritten);
# a changed file is analysed again, alone.
. "$(dirname "$0")/lib.sh"
SCAN="${DJB_SOURCE:?}/scripts/library-scan"
export DJB_BIN="$BIN"

lib="$WORK/music" out="$WORK/out" store="$WORK/store"
mkdir -p "$lib/a" "$lib/b"
"$SYNTH" clicks --bpm 120 --seconds 8 -o "$lib/a/one.wav" >/dev/null 2>&1
"$SYNTH" tone --freq 440 --seconds 6 -o "$lib/a/two.flac" >/dev/null 2>&1
"$SYNTH" clicks --bpm 128 --seconds 8 -o "$WORK/three.wav" >/dev/null 2>&1
ffmpeg -nostdin -v error -i "$WORK/three.wav" -b:a 192k "$lib/b/Three.MP3"
echo "not audio" >"$lib/b/notes.txt"

case_ "first run analyses everything"
run "$SCAN" "$lib" --store "$store" --out "$out" -j 2
expect_rc 0
expect_err_has "3 files: 0 from the store, 3 analysed, 0 failed"
check "analysis.jsonl has 3 documents" '[ "$(grep -c "\"schema\":\"djb.analysis/1\"" "$out/analysis.jsonl")" = 3 ]'
check "hashes.jsonl has 3 records" '[ "$(wc -l <"$out/hashes.jsonl")" = 3 ]'
check "hashes carry a content hash" '[ "$(grep -c "content_sha256" "$out/hashes.jsonl")" = 3 ]'
for p in a/one.wav a/two.flac b/Three.MP3; do expect_file "$out/peaks/$p.json"; done
expect_no_file "$out/peaks/b/notes.txt.json"
check "files in sorted path order" '[ "$(grep -o "\"path\":\"[^\"]*\"" "$out/analysis.jsonl" | sed "s|.*/||" | tr -d "\"" | tr "\n" " ")" = "one.wav two.flac Three.MP3 " ]'
cp "$out/analysis.jsonl" "$WORK/analysis1"
cp "$out/hashes.jsonl" "$WORK/hashes1"
stamps() { find "$out/peaks" "$out/hash" -type f -printf '%P %T@\n' | sort; }
stamps >"$WORK/stamps1"

case_ "second run over the unchanged folder decodes nothing"
sleep 1.1  # so that a rewritten output would show a different mtime
run "$SCAN" "$lib" --store "$store" --out "$out" -j 2
expect_rc 0
expect_err_has "3 files: 3 from the store, 0 analysed, 0 failed"
check "waveform and hash outputs untouched (mtime)" 'stamps | cmp -s - "$WORK/stamps1"'
check "same analysis.jsonl" 'cmp -s "$out/analysis.jsonl" "$WORK/analysis1"'
check "same hashes.jsonl" 'cmp -s "$out/hashes.jsonl" "$WORK/hashes1"'

case_ "a changed file is analysed again, alone"
"$SYNTH" clicks --bpm 140 --seconds 8 -o "$lib/a/one.wav" >/dev/null 2>&1
run "$SCAN" "$lib" --store "$store" --out "$out" -j 1
expect_rc 0
expect_err_has "3 files: 2 from the store, 1 analysed, 0 failed"
check "its waveform is redrawn" '[ "$(stamps | grep "^a/one.wav.json ")" != "$(grep "^a/one.wav.json " "$WORK/stamps1")" ]'
check "the others are not" '[ "$(stamps | grep -v "^a/one.wav.json ")" = "$(grep -v "^a/one.wav.json " "$WORK/stamps1")" ]'
first_bpm() { head -1 "$out/analysis.jsonl" | grep -o '"bpm":[0-9.]*' | head -1 | cut -d: -f2; }
check "its new tempo (140, was 120) is in analysis.jsonl" 'awk -v b="$(first_bpm)" "BEGIN {exit !(b > 139.5 && b < 140.5)}"'
check "its hash record changed" '! cmp -s "$out/hashes.jsonl" "$WORK/hashes1"'

case_ "through GNU Parallel's --sshlogin path (':' is this machine) the results are the same"
# The remote path itself (ssh to another host) needs an SSH server; the command line, the
# batching and the ordering are the same, and this runs them.
run "$SCAN" "$lib" --store "$store" --out "$WORK/out-ssh" --sshlogin 2/:
expect_rc 0
expect_err_has "3 files: 3 from the store, 0 analysed, 0 failed"
check "same analysis.jsonl as the local run" 'cmp -s "$WORK/out-ssh/analysis.jsonl" "$out/analysis.jsonl"'
check "same hashes.jsonl as the local run" 'cmp -s "$WORK/out-ssh/hashes.jsonl" "$out/hashes.jsonl"'
check "waveforms drawn" '[ "$(find "$WORK/out-ssh/peaks" -name "*.json" | wc -l)" = 3 ]'
expect_err_lacks() { ! grep -q -- "$1" <<<"$ERR" || { echo "stderr has: $1"; return 1; }; }
check "no warning from GNU Parallel" 'expect_err_lacks "Warning"'

case_ "bad use"
run "$SCAN" "$WORK/missing" --out "$out"
expect_rc 66
expect_one_line_err library-scan
run "$SCAN" "$lib" -j x --out "$out"
expect_rc 64
run "$SCAN"
expect_rc 64

case_ "a file that is not audio despite its name fails, the rest still done"
echo "text" >"$lib/b/fake.mp3"
run "$SCAN" "$lib" --store "$store" --out "$out" -j 2
expect_rc 65
expect_err_has "fake.mp3"
check "the good files still in analysis.jsonl" '[ "$(wc -l <"$out/analysis.jsonl")" = 3 ]'
expect_no_temps "$out"
check "no temporary file anywhere in OUTDIR" '[ -z "$(find "$out" -name "*.tmp" -o -name ".*.??????" | head -1)" ]'
finish
