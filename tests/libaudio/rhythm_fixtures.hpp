// Test signals for the rhythm modules (onset, tempo, beats, downbeats), all at 22050 Hz mono.
#pragma once

#include <cmath>
#include <vector>

#include "band_drift.hpp"
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

// When a band without a click (BandDrift: +-depth over every `cycle` seconds, eval-warp's
// drift) plays the beats of `bpm`, the first at 0, over `seconds`.
inline std::vector<double> drifting_beats(double bpm, double seconds, double depth = 0.03,
                                          double cycle = 20) {
  const BandDrift band{depth, cycle};
  std::vector<double> beats;
  for (int k = 0;; ++k) {
    const double t = band.played_at(k * 60 / bpm);
    if (t > seconds) return beats;
    beats.push_back(t);
  }
}

}  // namespace rhythm_fixtures
