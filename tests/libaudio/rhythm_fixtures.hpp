// Test signals for the rhythm modules (onset, tempo, beats, downbeats), all at 22050 Hz mono.
#pragma once

#include <cmath>
#include <vector>

#include "libaudio/onset.hpp"
#include "synth/synth.hpp"

namespace rhythm_fixtures {

constexpr int kRate = 22050;

// A synth track rendered at 22050 Hz and mixed to mono.
inline std::vector<float> track(synth::TrackSpec spec) {
  spec.rate = kRate;
  return synth::mono(synth::render_track(spec));
}

inline audio::OnsetFeatures features(const std::vector<float>& x) {
  return audio::onset_features(x.data(), x.size());
}

// Adds a kick-like thump (decaying 55 Hz with a short pitch drop) at `t` seconds.
inline void add_kick(std::vector<float>& x, double t, double amp = 0.8) {
  const auto s = static_cast<std::size_t>(std::llround(t * kRate));
  for (std::size_t i = 0; i < static_cast<std::size_t>(0.25 * kRate) && s + i < x.size(); ++i) {
    const double u = static_cast<double>(i) / kRate;
    const double f = 55 + 90 * std::exp(-u * 30);
    x[s + i] += static_cast<float>(amp * std::exp(-u * 12) * std::sin(2 * M_PI * f * u));
  }
}

// Adds a hat-like burst of high-passed noise at `t` seconds (deterministic noise).
inline void add_hat(std::vector<float>& x, double t, double amp, unsigned seed) {
  const auto s = static_cast<std::size_t>(std::llround(t * kRate));
  unsigned state = seed * 2654435761u + 1;
  float prev = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(0.06 * kRate) && s + i < x.size(); ++i) {
    state = state * 1664525u + 1013904223u;
    const float w = static_cast<float>(state >> 8) / 16777216.0f - 0.5f;
    const double u = static_cast<double>(i) / kRate;
    x[s + i] += static_cast<float>(amp * std::exp(-u * 50)) * (w - prev);
    prev = w;
  }
}

// Adds a sustained tone (a bar-long chord note) from t for `seconds`: a 10 ms attack and a
// 60 ms release (an abrupt end would splatter into an onset of its own).
inline void add_tone(std::vector<float>& x, double t, double seconds, double freq, double amp) {
  const auto s = static_cast<std::size_t>(std::llround(t * kRate));
  const auto n = static_cast<std::size_t>(seconds * kRate);
  for (std::size_t i = 0; i < n && s + i < x.size(); ++i) {
    const double u = static_cast<double>(i) / kRate;
    const double env = std::min({1.0, u / 0.01, (seconds - u) / 0.06});
    x[s + i] += static_cast<float>(amp * env * std::sin(2 * M_PI * freq * u));
  }
}

// When a band without a click plays the beats of `bpm` (the first at 0) over `seconds`: its
// speed swings by +-depth over every `cycle` seconds (eval-warp's drift), so beat k of the
// score sounds at the u where u + depth * cycle / (2 pi) * (1 - cos(2 pi u / cycle)) is
// k * 60 / bpm.
inline std::vector<double> drifting_beats(double bpm, double seconds, double depth = 0.03,
                                          double cycle = 20) {
  auto score_time = [&](double u) {
    return u + depth * cycle / (2 * M_PI) * (1 - std::cos(2 * M_PI * u / cycle));
  };
  std::vector<double> beats;
  for (int k = 0;; ++k) {
    double lo = 0, hi = 2 * seconds + 60;  // score_time is increasing: bisection
    for (int i = 0; i < 60; ++i)
      (score_time(0.5 * (lo + hi)) < k * 60 / bpm ? lo : hi) = 0.5 * (lo + hi);
    if (lo > seconds) return beats;
    beats.push_back(0.5 * (lo + hi));
  }
}

}  // namespace rhythm_fixtures
