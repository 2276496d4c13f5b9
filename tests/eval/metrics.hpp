// Scoring conventions shared by the evaluation programs (eval-rhythm, eval-analyze-json), so
// that a figure means the same thing wherever it is printed.
//  - tempo Accuracy1: |bpm - truth| <= 4 % of truth; Accuracy2: the same after allowing
//    factors 2, 3, 1/2, 1/3; "fine": |bpm - truth| <= 0.05 BPM.
//  - beat F-measure: each truth beat matched to at most one estimate within the window
//    (greedy in time order, which equals the optimal matching when the window is under half
//    a beat); mir_eval removes beats before 5 s from both lists (trimmed()).
//  - beat offset: the median of |estimate - truth| over the matched beats of a track (how
//    far the grid sits from the true beats, which F-measure's 70 ms window cannot show).
//  - downbeat phase: right when at least 90 % of the estimated downbeats fall within the
//    window of a true downbeat (the bar phase, not just the beats, must be right).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace evalm {

inline std::vector<double> trimmed(const std::vector<double>& beats, double from) {
  std::vector<double> out;
  for (double b : beats)
    if (b >= from) out.push_back(b);
  return out;
}

// Matches within `window` seconds, each reference and estimate used once (both sorted).
inline int matches(const std::vector<double>& ref, const std::vector<double>& est, double window) {
  int hits = 0;
  std::size_t j = 0;
  for (double r : ref) {
    while (j < est.size() && est[j] < r - window) ++j;
    if (j < est.size() && std::fabs(est[j] - r) <= window) {
      ++hits;
      ++j;
    }
  }
  return hits;
}

inline double f_measure(const std::vector<double>& ref, const std::vector<double>& est,
                        double window) {
  if (ref.empty() && est.empty()) return 1;
  if (ref.empty() || est.empty()) return 0;
  const double m = matches(ref, est, window);
  const double p = m / static_cast<double>(est.size()), r = m / static_cast<double>(ref.size());
  return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

// Median of |estimate - reference| over the pairs matches() makes; NaN when none match.
inline double median_offset(const std::vector<double>& ref, const std::vector<double>& est,
                            double window) {
  std::vector<double> d;
  std::size_t j = 0;
  for (double r : ref) {
    while (j < est.size() && est[j] < r - window) ++j;
    if (j < est.size() && std::fabs(est[j] - r) <= window) d.push_back(std::fabs(est[j++] - r));
  }
  if (d.empty()) return std::nan("");
  std::sort(d.begin(), d.end());
  return d.size() % 2 ? d[d.size() / 2] : 0.5 * (d[d.size() / 2 - 1] + d[d.size() / 2]);
}

struct TempoScore {
  bool acc1 = false, acc2 = false, fine = false;
};

inline TempoScore score_tempo(double bpm, double truth) {
  TempoScore s;
  const double err = std::fabs(bpm - truth);
  s.acc1 = err <= 0.04 * truth;
  s.acc2 = s.acc1;
  for (double f : {2.0, 3.0, 0.5, 1.0 / 3})
    s.acc2 = s.acc2 || std::fabs(bpm - f * truth) <= 0.04 * f * truth;
  s.fine = err <= 0.05;
  return s;
}

inline bool downbeat_phase_right(const std::vector<double>& ref, const std::vector<double>& est,
                                 double window) {
  return !est.empty() && matches(ref, est, window) >= 0.9 * static_cast<double>(est.size());
}

}  // namespace evalm
