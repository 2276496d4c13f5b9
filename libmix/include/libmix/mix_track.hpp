// A track as the transition planner sees it: the parts of a djb.analysis/1 document
// (see djb-analyze(1)) that decide where and how it can be mixed, read once and checked.
//
// from_analysis() refuses what is not a djb.analysis/1 document (Error data, naming the
// schema found) and fields of the wrong type; everything a track may legitimately lack
// (tempo, downbeats, key, loudness, cues, tags) becomes "absent", never an error. A track
// without a tempo or without downbeats is `beatless()`: it can only be faded.
// Per-bar energy is kept with prefix sums so the mean of any bar range costs O(1), which is
// what lets a set of 500 tracks score all of its 249 500 ordered pairs quickly.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "libaudio/json_out.hpp"
#include "libaudio/key.hpp"

namespace mix {

struct EnergyBar {
  double start = 0, end = 0;
  double energy = 0, low = 0, mid = 0, high = 0;
};

struct Phrase {
  std::string label;
  double start = 0, end = 0;
};

struct MixTrack {
  std::string path;    // input.path as the analysis recorded it
  std::string sha256;  // input.sha256
  int analysis_version = 0;
  std::string title;                  // tags.title, else the file name without extension
  std::optional<std::string> artist;  // tags.artist
  double duration = 0;
  std::optional<double> bpm;
  std::optional<double> first_beat, period;  // the beat grid
  int meter = 4;
  std::vector<double> downbeats;
  bool bars_guessed = false;  // no downbeats in the analysis: every meter-th beat from the first
  // Tempo segments (analysis "tempo_segments") more than kSteadyTolerance off bpm, as
  // [first beat, last beat + a period]: a rubato intro, a tempo change. An overlap there
  // would lay the other track's steady beats over a different tempo.
  static constexpr double kSteadyTolerance = 0.005;
  std::vector<std::pair<double, double>> off_tempo;
  std::optional<audio::Key> key;
  std::string key_name, camelot;  // as printed by the analysis ("" without a key)
  std::optional<double> integrated_lufs, true_peak_dbtp;
  int energy_level = 0;  // 1..10, 0 when absent
  std::vector<EnergyBar> bars;
  std::vector<Phrase> phrases;
  int phrase_bars = 0;  // 0 when irregular/absent
  // Cues (absent when null in the analysis).
  std::optional<double> audible_start, audible_end, music_start, mix_in, first_drop, outro_start,
      mix_out;
  audio::Json source_beat_grid;  // copied verbatim into plans (null when beatless)

  bool beatless() const { return !bpm || !period || downbeats.size() < 2; }
  // Whether [t0, t1] plays at bpm throughout (touches no off_tempo span).
  bool steady(double t0, double t1) const;
  double bar_seconds() const { return period ? *period * meter : 0; }
  // Where the music is: audible_end or duration; music start: music_start, audible_start or 0.
  double end_time() const;
  double start_time() const;
  // Mean of a per-bar value over the bars overlapping [t0, t1) (time-weighted by bar, O(1)).
  double mean_energy(double t0, double t1) const { return mean_of(0, t0, t1); }
  double mean_low(double t0, double t1) const { return mean_of(1, t0, t1); }
  double mean_mid(double t0, double t1) const { return mean_of(2, t0, t1); }
  // Index of the downbeat nearest to t (downbeats must not be empty).
  std::size_t nearest_downbeat(double t) const;
  // Whether t is (within 50 ms) a phrase boundary (a phrase start other than the first).
  bool on_phrase_boundary(double t) const;
  // Bars from t to the nearest phrase start (0 = on one), or -1 without phrases/grid.
  int bars_from_phrase(double t) const;

  void build_sums();  // after bars are set

 private:
  double mean_of(int which, double t0, double t1) const;
  std::vector<double> sums_[3];  // prefix sums of energy, low, mid over bars
};

// Reads a djb.analysis/1 document. `subject` names it in errors (a path, "stdin line 3").
MixTrack from_analysis(const audio::Json& doc, const std::string& subject);

// All djb.analysis/1 documents in a file ("-" = stdin): one pretty-printed document or JSON
// Lines. Errors: missing/unreadable -> no_input; not JSON, wrong schema -> data.
std::vector<MixTrack> read_tracks(const std::string& path);

}  // namespace mix
