// A band without a click, as the drift corpus (tests/eval/warp.cpp) and the unit tests play
// it: the speed swings sinusoidally by +-depth around 1 over every `cycle` seconds, like a
// band pushing into a chorus and settling back. Second u of the performance plays score
// second s(u) = u + depth * cycle / (2 pi) * (1 - cos(2 pi u / cycle)), whose speed is
// ds/du = 1 + depth sin(2 pi u / cycle).
#pragma once

#include <cmath>

struct BandDrift {
  double depth = 0.03, cycle = 20;
  // The score second played at performance second u.
  double score_time(double u) const {
    return u + depth * cycle / (2 * M_PI) * (1 - std::cos(2 * M_PI * u / cycle));
  }
  // The performance second at which score second s plays (s(u) is increasing: bisection).
  double played_at(double s) const {
    double lo = s / (1 + depth) - 1e-9, hi = s / (1 - depth) + 1e-9;
    for (int i = 0; i < 60; ++i) {
      const double mid = 0.5 * (lo + hi);
      (score_time(mid) < s ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }
};
