// Bass clash in a mix's overlaps, measured on what is actually played: each track's signal
// after its transition filters and gains, before the two are summed.
//
// Per overlap, bar by bar (4 beats at the transition's tempo; 2 s without one), the mean
// square of each side's lows (mono, 4th-order Butterworth low-pass at 150 Hz, where kick
// and bass live). A bar's clash is how far the second bass raises the louder one if they
// add in phase: 20 log10((a + b) / max(a, b)) with a, b the two sides' RMS, 0 dB for one
// bass alone, 6 dB for two equal ones. A bar counts as clashing over kClashDb (3 dB: the
// quieter bass within 7.7 dB of the louder), and only while the louder bass plays at least
// at kAudibleDb of its own track's level alone (a bar where both basses are cut is no
// clash). Two basses that sound together for more than a bar muddy the low end and eat the
// limiter's headroom; a bass swap or a filter transition should have at most one such bar.
#pragma once

#include <cstdint>
#include <vector>

#include "libmix/biquad.hpp"
#include "libmix/mix_plan.hpp"

namespace mix {

struct LowEndClash {
  int bars = 0;        // whole or more-than-half bars of the overlap
  int clash_bars = 0;  // bars over kClashDb
  double max_clash_db = 0;
  std::vector<double> bar_clash_db;  // per bar; 0 where the louder bass is not audible
};

class LowEndMeter {
 public:
  static constexpr double kCutoffHz = 150.0, kClashDb = 3.0, kAudibleDb = -10.0;

  LowEndMeter(const MixPlan& plan, const Timeline& timeline);
  // Track `track`'s shaped signal (interleaved stereo) for mix frames [at, at + frames);
  // called in mix order for each track.
  void add(std::size_t track, std::int64_t at, const float* interleaved, std::int64_t frames);
  // Per transition; a cut (no overlap) has no bars.
  std::vector<LowEndClash> clashes() const;

 private:
  struct Side {
    std::vector<double> energy, frames;  // per bar of the overlap
  };
  const Timeline& tl_;
  std::vector<double> bar_frames_;                 // per transition
  std::vector<Side> out_, in_;                     // per transition: A's, B's side
  std::vector<double> solo_energy_, solo_frames_;  // per track
  std::vector<Biquad> stage1_, stage2_;            // per track, mono
  std::vector<float> mono_;
};

}  // namespace mix
