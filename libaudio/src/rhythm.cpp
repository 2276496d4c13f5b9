#include "libaudio/rhythm.hpp"

namespace audio {
namespace {

Json rounded_list(const std::vector<double>& times) {
  Json out = Json::array();
  for (double t : times) out.push_back(round_seconds(t));
  return out;
}

}  // namespace

Rhythm analyze_rhythm(const OnsetFeatures& features, const RhythmOptions& options) {
  Rhythm r;
  r.tempo = estimate_tempo(features, options.tempo);
  r.grid = analyze_beats(features, r.tempo, options.beats);
  r.downbeats = estimate_downbeats(features, r.grid, options.downbeats);
  return r;
}

Json rhythm_json(const Rhythm& r) {
  Json j;
  const bool beat = r.tempo.found;
  // The grid's tempo (0.01 BPM) when there is one, else the tempo estimate's.
  const double bpm = r.grid.found ? r.grid.bpm : r.tempo.bpm;
  j["bpm"] = beat ? Json(round_to(bpm, 2)) : Json(nullptr);
  j["bpm_confidence"] = round_to(beat ? r.tempo.confidence : 0.0, 3);
  j["bpm_reason"] = beat ? Json(nullptr) : Json(r.tempo.reason);
  Json alternatives = Json::array();
  for (const TempoCandidate& c : r.tempo.alternatives)
    alternatives.push_back({{"bpm", round_to(c.bpm, 2)}, {"score", round_to(c.score, 3)}});
  j["bpm_alternatives"] = alternatives;
  if (r.grid.found) {
    j["beat_grid"] = {{"first_beat", round_to(r.grid.first_beat, 4)},
                      {"period", round_to(r.grid.period, 6)},
                      {"constant", r.grid.constant}};
  } else {
    j["beat_grid"] = nullptr;
  }
  Json segments = Json::array();
  for (const TempoSegment& s : r.grid.segments) {
    segments.push_back({{"start", round_seconds(s.start)},
                        {"end", round_seconds(s.end)},
                        {"bpm", round_to(s.bpm, 2)},
                        {"phase", round_to(s.phase, 4)}});
  }
  j["tempo_segments"] = segments;
  j["beats"] = rounded_list(r.grid.beats);
  const bool bars = r.downbeats.found;
  j["meter"] = bars ? Json(r.downbeats.meter) : Json(nullptr);
  j["downbeats"] = bars ? rounded_list(r.downbeats.downbeats) : Json(nullptr);
  j["downbeat_confidence"] = round_to(bars ? r.downbeats.confidence : 0.0, 3);
  j["downbeat_reason"] = bars ? Json(nullptr) : Json(r.downbeats.reason);
  return j;
}

}  // namespace audio
