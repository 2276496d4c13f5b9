#include "libmix/mix_track.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "libaudio/error.hpp"
#include "libaudio/input_file.hpp"

namespace mix {

using audio::Error;
using audio::Exit;
using audio::Json;

namespace {

[[noreturn]] void bad(const std::string& subject, const std::string& message) {
  throw Error(Exit::data, subject, message);
}

std::optional<double> number_or_null(const Json& doc, const char* key, const std::string& subject) {
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) bad(subject, std::string("\"") + key + "\" is not a number");
  const double v = it->get<double>();
  if (!std::isfinite(v)) bad(subject, std::string("\"") + key + "\" is not finite");
  return v;
}

double number(const Json& doc, const char* key, const std::string& subject) {
  auto v = number_or_null(doc, key, subject);
  if (!v) bad(subject, std::string("missing \"") + key + "\"");
  return *v;
}

// A whole number in [lo, hi], checked before it becomes an int (1e300 would not convert).
int integer_in(double v, const char* key, int lo, int hi, const std::string& subject) {
  if (!(v >= lo && v <= hi)) {
    bad(subject,
        std::string("\"") + key + "\" is not in " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return static_cast<int>(v);
}

std::optional<std::string> string_or_null(const Json& doc, const char* key,
                                          const std::string& subject) {
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) bad(subject, std::string("\"") + key + "\" is not a string");
  return it->get<std::string>();
}

const Json& array_or_empty(const Json& doc, const char* key, const std::string& subject) {
  static const Json empty = Json::array();
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return empty;
  if (!it->is_array()) bad(subject, std::string("\"") + key + "\" is not a list");
  return *it;
}

}  // namespace

bool MixTrack::steady(double t0, double t1) const {
  for (const auto& [from, to] : off_tempo)
    if (t0 < to && t1 > from) return false;
  return true;
}

double MixTrack::end_time() const {
  return audible_end ? std::min(*audible_end, duration) : duration;
}

double MixTrack::start_time() const {
  if (music_start) return *music_start;
  if (audible_start) return *audible_start;
  return 0;
}

void MixTrack::build_sums() {
  for (auto& s : sums_) s.assign(bars.size() + 1, 0.0);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    sums_[0][i + 1] = sums_[0][i] + bars[i].energy;
    sums_[1][i + 1] = sums_[1][i] + bars[i].low;
    sums_[2][i + 1] = sums_[2][i] + bars[i].mid;
  }
}

double MixTrack::mean_of(int which, double t0, double t1) const {
  if (bars.empty() || sums_[which].size() != bars.size() + 1) return 0;
  // Bars tile the track in time order: the first bar ending after t0 up to the last bar
  // starting before t1.
  auto first = std::upper_bound(bars.begin(), bars.end(), t0,
                                [](double t, const EnergyBar& b) { return t < b.end; });
  auto last = std::lower_bound(bars.begin(), bars.end(), t1,
                               [](const EnergyBar& b, double t) { return b.start < t; });
  std::size_t i0 = static_cast<std::size_t>(first - bars.begin());
  std::size_t i1 = static_cast<std::size_t>(last - bars.begin());
  if (i1 <= i0) {
    // A range inside one bar (or past the end): that bar's value.
    const std::size_t i = std::min(i0, bars.size() - 1);
    return sums_[which][i + 1] - sums_[which][i];
  }
  return (sums_[which][i1] - sums_[which][i0]) / static_cast<double>(i1 - i0);
}

std::size_t MixTrack::nearest_downbeat(double t) const {
  auto it = std::lower_bound(downbeats.begin(), downbeats.end(), t);
  if (it == downbeats.end()) return downbeats.size() - 1;
  if (it == downbeats.begin()) return 0;
  auto prev = std::prev(it);
  return static_cast<std::size_t>((t - *prev <= *it - t ? prev : it) - downbeats.begin());
}

bool MixTrack::on_phrase_boundary(double t) const {
  for (std::size_t i = 1; i < phrases.size(); ++i)
    if (std::abs(phrases[i].start - t) < 0.05) return true;
  return false;
}

int MixTrack::bars_from_phrase(double t) const {
  if (phrases.empty() || bar_seconds() <= 0) return -1;
  // Boundaries: every phrase start and the end of the last phrase.
  double best = std::abs(phrases.back().end - t);
  for (const auto& p : phrases) best = std::min(best, std::abs(p.start - t));
  return static_cast<int>(std::lround(best / bar_seconds()));
}

MixTrack from_analysis(const Json& doc, const std::string& subject) {
  if (!doc.is_object()) bad(subject, "not a JSON object (expected a djb.analysis/1 document)");
  const auto schema = doc.find("schema");
  if (schema == doc.end() || !schema->is_string())
    bad(subject, "no \"schema\" (expected a djb.analysis/1 document)");
  if (*schema != "djb.analysis/1")
    bad(subject, "schema is " + schema->get<std::string>() + ", expected djb.analysis/1");

  MixTrack t;
  const auto input = doc.find("input");
  if (input == doc.end() || !input->is_object()) bad(subject, "missing \"input\"");
  t.path = string_or_null(*input, "path", subject).value_or("");
  t.sha256 = string_or_null(*input, "sha256", subject).value_or("");
  if (t.path.empty()) bad(subject, "missing \"input.path\"");
  t.analysis_version =
      integer_in(number(doc, "analysis_version", subject), "analysis_version", 0, 1000000, subject);
  t.duration = number(doc, "duration", subject);
  // A week bounds every real recording, and keeps sums over the set finite.
  if (!(t.duration > 0 && t.duration <= 604800)) bad(subject, "duration is not 0..604800 s");

  t.title = std::filesystem::path(t.path).stem().string();
  if (const auto tags = doc.find("tags"); tags != doc.end() && tags->is_object()) {
    if (auto title = string_or_null(*tags, "title", subject); title && !title->empty())
      t.title = *title;
    t.artist = string_or_null(*tags, "artist", subject);
  }

  t.bpm = number_or_null(doc, "bpm", subject);
  if (t.bpm && (*t.bpm <= 0 || *t.bpm > 1000)) bad(subject, "bpm out of range");
  if (const auto grid = doc.find("beat_grid"); grid != doc.end() && grid->is_object()) {
    t.first_beat = number(*grid, "first_beat", subject);
    t.period = number(*grid, "period", subject);
    if (*t.period <= 0) bad(subject, "beat_grid.period is not positive");
    t.source_beat_grid = Json::object();
    t.source_beat_grid["first_beat"] = *t.first_beat;
    t.source_beat_grid["period"] = *t.period;
  } else if (grid != doc.end() && !grid->is_null()) {
    bad(subject, "\"beat_grid\" is not an object");
  }
  if (auto meter = number_or_null(doc, "meter", subject))
    t.meter = integer_in(*meter, "meter", 2, 16, subject);
  for (const auto& d : array_or_empty(doc, "downbeats", subject)) {
    if (!d.is_number()) bad(subject, "a downbeat is not a number");
    t.downbeats.push_back(d.get<double>());
  }
  if (!std::is_sorted(t.downbeats.begin(), t.downbeats.end()))
    bad(subject, "downbeats are not in order");
  if (t.bpm && !t.period) bad(subject, "a bpm without a beat_grid");
  if (t.bpm)
    for (const auto& s : array_or_empty(doc, "tempo_segments", subject)) {
      if (!s.is_object()) bad(subject, "a tempo segment is not an object");
      const double bpm = number(s, "bpm", subject);
      if (bpm > 0 && std::abs(bpm / *t.bpm - 1) > MixTrack::kSteadyTolerance)
        t.off_tempo.emplace_back(number(s, "start", subject),
                                 number(s, "end", subject) + 60.0 / bpm);
    }
  // A steady beat whose bars the analysis would not place (no clear accent or chord change
  // on one beat in four) still mixes beat-matched: bars are counted from its first beat,
  // so beats meet beats though a phrase may start a beat or two off the bar.
  if (t.bpm && t.downbeats.size() < 2) {
    std::vector<double> beats;
    for (const auto& b : array_or_empty(doc, "beats", subject))
      if (b.is_number()) beats.push_back(b.get<double>());
    if (beats.size() >= 2 * static_cast<std::size_t>(t.meter) &&
        std::is_sorted(beats.begin(), beats.end())) {
      t.downbeats.clear();
      for (std::size_t i = 0; i < beats.size(); i += static_cast<std::size_t>(t.meter))
        t.downbeats.push_back(beats[i]);
      t.bars_guessed = true;
    }
  }

  if (const auto key = doc.find("key"); key != doc.end() && key->is_object()) {
    t.key_name = string_or_null(*key, "name", subject).value_or("");
    t.camelot = string_or_null(*key, "camelot", subject).value_or("");
    t.key = audio::parse_key(t.camelot.empty() ? t.key_name : t.camelot);
    if (!t.key) bad(subject, "key \"" + t.key_name + "\" is not a key");
    t.key_name = t.key->name();
    t.camelot = t.key->camelot();
  }
  if (const auto l = doc.find("loudness"); l != doc.end() && l->is_object()) {
    t.integrated_lufs = number_or_null(*l, "integrated_lufs", subject);
    t.true_peak_dbtp = number_or_null(*l, "true_peak_dbtp", subject);
  }
  if (const auto e = doc.find("energy"); e != doc.end() && e->is_object()) {
    t.energy_level =
        integer_in(number_or_null(*e, "level", subject).value_or(0), "level", 0, 100, subject);
    for (const auto& b : array_or_empty(*e, "bars", subject)) {
      if (!b.is_object()) bad(subject, "an energy bar is not an object");
      EnergyBar bar;
      bar.start = number(b, "start", subject);
      bar.end = number(b, "end", subject);
      bar.energy = number(b, "energy", subject);
      bar.low = number(b, "low", subject);
      bar.mid = number(b, "mid", subject);
      bar.high = number_or_null(b, "high", subject).value_or(0);
      t.bars.push_back(bar);
    }
  }
  t.build_sums();
  if (const auto p = doc.find("phrases"); p != doc.end() && p->is_object()) {
    t.phrase_bars = integer_in(number_or_null(*p, "phrase_bars", subject).value_or(0),
                               "phrase_bars", 0, 1024, subject);
    for (const auto& ph : array_or_empty(*p, "phrases", subject)) {
      if (!ph.is_object()) bad(subject, "a phrase is not an object");
      t.phrases.push_back({string_or_null(ph, "label", subject).value_or(""),
                           number(ph, "start", subject), number(ph, "end", subject)});
    }
  }
  for (const auto& c : array_or_empty(doc, "cues", subject)) {
    if (!c.is_object()) bad(subject, "a cue is not an object");
    const auto name = string_or_null(c, "name", subject).value_or("");
    const auto time = number_or_null(c, "time", subject);
    if (name == "audible_start")
      t.audible_start = time;
    else if (name == "audible_end")
      t.audible_end = time;
    else if (name == "music_start")
      t.music_start = time;
    else if (name == "mix_in")
      t.mix_in = time;
    else if (name == "first_drop")
      t.first_drop = time;
    else if (name == "outro_start")
      t.outro_start = time;
    else if (name == "mix_out")
      t.mix_out = time;
  }
  if (t.beatless()) {
    // A grid without bars to count on is no grid for mixing: treated as beatless throughout.
    t.source_beat_grid = Json();
  }
  return t;
}

std::vector<MixTrack> read_tracks(const std::string& path) {
  const std::string text = audio::read_input_text(path);
  const std::string name = path == "-" ? "stdin" : path;
  std::vector<MixTrack> tracks;
  // JSON Lines first (what djb-analyze prints); a document spread over several lines is
  // read whole.
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  bool lines_ok = true;
  std::vector<std::pair<Json, std::string>> docs;
  while (std::getline(lines, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json doc = Json::parse(line, nullptr, false);
    if (doc.is_discarded()) {
      lines_ok = false;
      break;
    }
    docs.emplace_back(std::move(doc), name + " line " + std::to_string(number));
  }
  if (!lines_ok) {
    docs.clear();
    Json doc = Json::parse(text, nullptr, false);
    if (doc.is_discarded()) throw Error(Exit::data, name, "not JSON (nor JSON Lines)");
    docs.emplace_back(std::move(doc), name);
  }
  if (docs.empty()) throw Error(Exit::data, name, "no djb.analysis/1 document (empty input)");
  if (docs.size() == 1) docs[0].second = name;
  for (const auto& [doc, subject] : docs) tracks.push_back(from_analysis(doc, subject));
  return tracks;
}

}  // namespace mix
