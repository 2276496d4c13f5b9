#include "libaudio/cues.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace audio {
namespace {

constexpr double kSilenceBelowLoudness = 50;  // dB
constexpr double kSilenceFloor = -80;         // dBFS
constexpr double kQuietBar = 20;              // dB under the loudness: not the music yet

std::string fmt(const char* format, double a, double b = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, format, a, b);
  return buf;
}

double frame_db(const OnsetFeatures& f, std::size_t i) {
  const double p = static_cast<double>(f.low[i]) + f.mid[i] + f.high[i];
  return p > 1e-12 ? 10 * std::log10(p) : -120;
}

// The largest onset strength from 2 frames before `t` to 70 ms after it (beats sit at the
// attack's half-rise; the strength peaks a few frames later).
double onset_near(const OnsetFeatures& f, double t) {
  const long c = std::lround(f.frame_at(t));
  double best = 0;
  const long after = std::lround(0.07 * f.frame_rate);
  for (long i = c - 2; i <= c + after; ++i)
    if (i >= 0 && i < static_cast<long>(f.frames()))
      best = std::max(best, static_cast<double>(f.strength[static_cast<std::size_t>(i)]));
  return best;
}

// The first of `times` with a strong onset in a bar that is not quiet; -1 when none.
double first_strong(const OnsetFeatures& f, const std::vector<double>& times,
                    const EnergyCurve& energy, double loudness) {
  if (times.empty()) return -1;
  std::vector<double> onsets;
  for (double t : times) onsets.push_back(onset_near(f, t));
  std::vector<double> sorted = onsets;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(sorted.size() / 2),
                   sorted.end());
  const double median = sorted[sorted.size() / 2];
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (onsets[i] < 0.5 * median) continue;
    double bar_db = loudness;
    for (const EnergyBar& b : energy.bars)
      if (times[i] >= b.start && times[i] < b.end) bar_db = b.db;
    if (bar_db >= loudness - kQuietBar) return times[i];
  }
  return -1;
}

const Phrase* first_with(const Phrases& p, const std::string& label) {
  for (const Phrase& ph : p.phrases)
    if (ph.label == label) return &ph;
  return nullptr;
}

}  // namespace

std::vector<Cue> find_cues(const OnsetFeatures& f, const Rhythm& rhythm, const EnergyCurve& energy,
                           const Phrases& phrases) {
  Cue audible_start{"audible_start", {}, ""}, audible_end{"audible_end", {}, ""};
  Cue music_start{"music_start", {}, ""}, mix_in{"mix_in", {}, ""};
  Cue intro_end{"intro_end", {}, ""}, first_drop{"first_drop", {}, ""};
  Cue outro_start{"outro_start", {}, ""}, mix_out{"mix_out", {}, ""};

  // Loudness: the 95th percentile of frame power.
  std::vector<double> db(f.frames());
  for (std::size_t i = 0; i < db.size(); ++i) db[i] = frame_db(f, i);
  double loudness = -120;
  if (!db.empty()) {
    std::vector<double> sorted = db;
    const auto k = static_cast<long>(0.95 * static_cast<double>(sorted.size() - 1));
    std::nth_element(sorted.begin(), sorted.begin() + k, sorted.end());
    loudness = sorted[static_cast<std::size_t>(k)];
  }
  const double threshold = std::max(loudness - kSilenceBelowLoudness, kSilenceFloor);
  std::size_t first = db.size(), last = db.size();
  for (std::size_t i = 0; i < db.size(); ++i)
    if (db[i] >= threshold) {
      if (first == db.size()) first = i;
      last = i;
    }
  const bool audible = first < db.size() && loudness > kSilenceFloor;
  if (audible) {
    audible_start.time = f.time(static_cast<double>(first));
    audible_end.time = f.time(static_cast<double>(last + 1));
    audible_start.reason =
        fmt("first frame above the silence threshold (%.0f dBFS, 50 dB under "
            "the track's loudness)",
            threshold);
    audible_end.reason =
        fmt("end of the last frame above the silence threshold (%.0f dBFS)", threshold);
  } else {
    audible_start.reason = audible_end.reason = "silence: no frame above -80 dBFS";
  }

  if (audible) {
    const double d =
        rhythm.downbeats.found ? first_strong(f, rhythm.downbeats.downbeats, energy, loudness) : -1;
    const double b =
        d < 0 && rhythm.grid.found ? first_strong(f, rhythm.grid.beats, energy, loudness) : -1;
    if (d >= 0) {
      music_start.time = d;
      music_start.reason = "first downbeat with a strong onset in a bar near full level";
    } else if (b >= 0) {
      music_start.time = b;
      music_start.reason = "no downbeats: first beat with a strong onset";
    } else {
      music_start.time = audible_start.time;
      music_start.reason = "no beat grid: the audible start";
    }
  } else {
    music_start.reason = "silence";
  }

  if (music_start.time) {
    for (const Phrase& p : phrases.phrases)
      if (p.start >= *music_start.time - 0.05) {
        mix_in.time = p.start;
        mix_in.reason = p.start <= *music_start.time + 0.05
                            ? "music start, where the first phrase (" + p.label + ") begins"
                            : "first phrase start (" + p.label + ") after the music start";
        break;
      }
    if (!mix_in.time) mix_in.reason = "no phrase starts after the music start";
  } else {
    mix_in.reason = "no music start";
  }

  if (!phrases.phrases.empty() && phrases.phrases.front().label == "intro") {
    std::size_t i = 0;
    while (i < phrases.phrases.size() && phrases.phrases[i].label == "intro") ++i;
    intro_end.time = phrases.phrases[i - 1].end;
    intro_end.reason = i < phrases.phrases.size()
                           ? "end of the intro, where the " + phrases.phrases[i].label + " begins"
                           : "end of the intro (the whole track)";
  } else {
    intro_end.reason = phrases.phrases.empty()
                           ? "no phrases"
                           : "no intro: the track opens with a " + phrases.phrases.front().label;
  }
  if (const Phrase* p = first_with(phrases, "drop")) {
    first_drop.time = p->start;
    first_drop.reason = "start of the first drop (fullest section, drums and full bass)";
  } else {
    first_drop.reason = "no drop: no section has drums, full bass and the fullest sound together";
  }
  if (const Phrase* p = first_with(phrases, "outro")) {
    outro_start.time = p->start;
    outro_start.reason = "start of the outro, after the last drop";
  } else {
    outro_start.reason = "no outro section";
  }

  const BarGrid& g = energy.grid;
  if (!audible) {
    mix_out.reason = "silence";
  } else if (g.source == "fixed" || g.bars() == 0) {
    mix_out.reason = "no beat grid: no bars to count a phrase on";
  } else {
    // The last bar line at or before the audible end (a beat of slack for decays).
    std::size_t end_line = g.bars();
    while (end_line > 0 && g.starts[end_line] > *audible_end.time + g.beat_period) --end_line;
    const std::size_t span = end_line >= 32 ? 16 : 8;
    if (end_line >= 16) {
      mix_out.time = g.starts[end_line - span];
      mix_out.reason = span == 16 ? "downbeat 16 bars (a phrase) before the end of the last bar"
                                  : "downbeat 8 bars before the end of the last bar (the track "
                                    "has fewer than 32 bars)";
    } else {
      mix_out.reason = "track shorter than 16 bars";
    }
  }
  return {audible_start, audible_end, music_start, mix_in,
          intro_end,     first_drop,  outro_start, mix_out};
}

Json cues_json(const std::vector<Cue>& cues) {
  Json out = Json::array();
  for (const Cue& c : cues)
    out.push_back({{"name", c.name},
                   {"time", c.time ? Json(round_seconds(*c.time)) : Json(nullptr)},
                   {"reason", c.reason}});
  return out;
}

}  // namespace audio
