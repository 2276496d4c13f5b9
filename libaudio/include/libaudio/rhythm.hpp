// The rhythm analysis in one call (tempo -> beat grid -> downbeats, over onset features), and
// the JSON record djb-analyze embeds for it.
//
// JSON (every key always present, so consumers need no existence checks; times in seconds):
//   "bpm":              128.0 (to 0.01) | null
//   "bpm_confidence":   0..1 (0 when bpm is null)
//   "bpm_reason":       null | "silence" | "no onsets" | "no periodic pulse"
//   "bpm_alternatives": [{"bpm": 64.0, "score": 0.31}, ...]   best first, chosen tempo excluded
//   "beat_grid":        {"first_beat": 0.1234, "period": 0.468750, "constant": true} | null
//                       (beat k of a constant grid is at first_beat + k * period)
//   "tempo_segments":   [{"start", "end", "bpm", "phase"}, ...]   one per tempo; one when constant
//   "beats":            [0.123, 0.592, ...]
//   "meter":            4 | 3 | null
//   "downbeats":        [0.123, 1.998, ...] | null
//   "downbeat_confidence": 0..1
//   "downbeat_reason":  null | "no beat grid" | "too few beats (fewer than 4 bars)" | "no clear
//   ..."
// Deterministic: the same features give byte-identical JSON.
#pragma once

#include "libaudio/beats.hpp"
#include "libaudio/downbeats.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/onset.hpp"
#include "libaudio/tempo.hpp"

namespace audio {

struct RhythmOptions {
  TempoOptions tempo;
  BeatOptions beats;
  DownbeatOptions downbeats;
};

struct Rhythm {
  TempoEstimate tempo;
  BeatGrid grid;
  Downbeats downbeats;
};

Rhythm analyze_rhythm(const OnsetFeatures& features, const RhythmOptions& options = {});

Json rhythm_json(const Rhythm& rhythm);

}  // namespace audio
