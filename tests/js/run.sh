#!/usr/bin/env bash
# Makes wf-peaks and LRC fixtures with the built programs, then runs the JavaScript compatibility
# tests (node --test) against them. Needs tests/js/node_modules: scripts/install-deps.
set -euo pipefail
BIN="${DJB_BIN:?DJB_BIN must name the directory of the built programs}"
here="$(cd "$(dirname "$0")" && pwd)"
for dep in waveform-data clrc lrc-kit; do
  if [ ! -f "$here/node_modules/$dep/package.json" ]; then
    echo "tests/js: node_modules/$dep is missing; run scripts/install-deps first" >&2
    exit 1
  fi
done
work="$(mktemp -d "${TMPDIR:-/tmp}/djb-js-XXXXXX")"
trap 'rm -rf "$work"' EXIT

# A stereo track (drums, bass, chords, lead) and a half-scale stereo tone.
"$BIN/synth" track --bpm 124 --key Am --sections intro:2,drop:2 -o "$work/track.wav" >/dev/null
"$BIN/synth" tone --freq 441 --seconds 2 --channels 2 --amp 0.5 -o "$work/tone.wav" >/dev/null
P="$BIN/wf-peaks"
"$P" -q "$work/track.wav" -o "$work/track.json"
"$P" -q "$work/track.wav" --samples-per-pixel 256 -o "$work/track-256.json"
"$P" -q "$work/track.wav" --samples-per-pixel 256 -o "$work/track-256.dat"
"$P" -q "$work/track.wav" --split-channels --bits 16 --pixels-per-second 50 -o "$work/track-split16.json"
"$P" -q "$work/track.wav" --split-channels --bits 16 --pixels-per-second 50 -o "$work/track-split16.dat"
"$P" -q "$work/tone.wav" --samples-per-pixel 441 -o "$work/tone.json"
"$P" -q - --peaks 500 -o "$work/track-stdin.json" <"$work/track.wav"

# A track list as djb-render writes it (LRC and CUE), with times past 99 minutes.
"$BIN/eval-writers" samples "$work"

export DJB_JS_FIXTURES="$work"
cd "$here"
node --test "$here"/*.test.mjs
