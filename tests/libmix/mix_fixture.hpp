// djb.analysis/1 documents made up for the transition tests: a steady grid, sections with
// typical energy, so each test states exactly the track it means (no audio involved).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "libaudio/json_out.hpp"

namespace fixture {

struct Section {
  std::string label;
  int bars;
};

struct TrackSpec {
  std::string path = "t.wav";
  std::string sha256 = "00";
  double bpm = 124;
  std::string key = "8A";  // Camelot, "" = no key
  std::vector<Section> sections = {{"intro", 8}, {"drop", 16}, {"outro", 8}};
  double energy_scale = 1.0;  // multiplies every band (a quieter or louder track)
  int level = 7;
};

inline audio::Json analysis(const TrackSpec& s) {
  using audio::Json;
  int bars = 0;
  for (const auto& sec : s.sections) bars += sec.bars;
  const double period = 60.0 / s.bpm, bar = 4 * period;
  Json doc = Json::object();
  doc["schema"] = "djb.analysis/1";
  doc["toolkit_version"] = "0.1.0";
  doc["analysis_version"] = 1;
  doc["input"] = {{"path", s.path}, {"sha256", s.sha256}};
  doc["duration"] = bars * bar + 0.5;
  doc["bpm"] = s.bpm;
  doc["beat_grid"] = {{"first_beat", 0.0}, {"period", period}, {"constant", true}};
  doc["meter"] = 4;
  Json downbeats = Json::array();
  for (int k = 0; k <= bars; ++k) downbeats.push_back(k * bar);
  doc["downbeats"] = downbeats;
  if (s.key.empty())
    doc["key"] = nullptr;
  else
    doc["key"] = {{"name", ""}, {"camelot", s.key}};
  doc["loudness"] = {{"integrated_lufs", -9.0}, {"true_peak_dbtp", -1.0}};
  Json ebars = Json::array(), phrases = Json::array();
  int k = 0;
  double first_drop = -1, outro = -1;
  for (const auto& sec : s.sections) {
    double e = 0.4, low = 0.5, mid = 0.2;
    if (sec.label == "drop") e = 0.8, low = 0.8, mid = 0.6;
    if (sec.label == "breakdown") e = 0.3, low = 0.1, mid = 0.5;
    if (sec.label == "drop" && first_drop < 0) first_drop = k * bar;
    if (sec.label == "outro") outro = k * bar;
    phrases.push_back({{"label", sec.label},
                       {"start", k * bar},
                       {"end", (k + sec.bars) * bar},
                       {"bars", sec.bars},
                       {"confidence", 1.0}});
    for (int i = 0; i < sec.bars; ++i, ++k)
      ebars.push_back({{"start", k * bar},
                       {"end", (k + 1) * bar},
                       {"energy", e * s.energy_scale},
                       {"low", low * s.energy_scale},
                       {"mid", mid * s.energy_scale},
                       {"high", 0.1}});
  }
  doc["energy"] = {{"grid", "downbeats"}, {"level", s.level}, {"bars", ebars}};
  doc["phrases"] = {{"grid", "downbeats"}, {"phrase_bars", 8}, {"phrases", phrases}};
  auto cue = [](const char* name, double t) {
    return Json{{"name", name}, {"time", t < 0 ? Json() : Json(t)}, {"reason", ""}};
  };
  doc["cues"] =
      Json::array({cue("audible_start", 0), cue("audible_end", bars * bar), cue("music_start", 0),
                   cue("mix_in", 0), cue("intro_end", -1), cue("first_drop", first_drop),
                   cue("outro_start", outro), cue("mix_out", bars >= 32 ? (bars - 16) * bar : -1)});
  return doc;
}

// The same track without a beat: what djb-analyze says of a pad or speech.
inline audio::Json beatless(TrackSpec s) {
  audio::Json doc = analysis(s);
  doc["bpm"] = nullptr;
  doc["beat_grid"] = nullptr;
  doc["meter"] = nullptr;
  doc["downbeats"] = nullptr;
  doc["phrases"]["phrase_bars"] = nullptr;
  return doc;
}

}  // namespace fixture
