#include "libmix/biquad.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

namespace mix {

BiquadCoeffs design_biquad(FilterType type, double sample_rate, double freq, double gain_db,
                           double q) {
  freq = std::clamp(freq, 1.0, sample_rate * 0.49);
  const double w0 = 2 * std::numbers::pi * freq / sample_rate;
  const double cw = std::cos(w0), sw = std::sin(w0);
  double b0, b1, b2, a0, a1, a2;
  if (type == FilterType::low_shelf || type == FilterType::high_shelf) {
    const double A = std::pow(10.0, gain_db / 40.0);
    // Shelf slope S = 1: alpha = sin(w0)/2 * sqrt((A + 1/A)(1/S - 1) + 2).
    const double alpha = sw / 2 * std::sqrt(2.0);
    const double k = 2 * std::sqrt(A) * alpha;
    if (type == FilterType::low_shelf) {
      b0 = A * ((A + 1) - (A - 1) * cw + k);
      b1 = 2 * A * ((A - 1) - (A + 1) * cw);
      b2 = A * ((A + 1) - (A - 1) * cw - k);
      a0 = (A + 1) + (A - 1) * cw + k;
      a1 = -2 * ((A - 1) + (A + 1) * cw);
      a2 = (A + 1) + (A - 1) * cw - k;
    } else {
      b0 = A * ((A + 1) + (A - 1) * cw + k);
      b1 = -2 * A * ((A - 1) + (A + 1) * cw);
      b2 = A * ((A + 1) + (A - 1) * cw - k);
      a0 = (A + 1) - (A - 1) * cw + k;
      a1 = 2 * ((A - 1) - (A + 1) * cw);
      a2 = (A + 1) - (A - 1) * cw - k;
    }
  } else {
    const double alpha = sw / (2 * q);
    if (type == FilterType::low_pass) {
      b0 = (1 - cw) / 2;
      b1 = 1 - cw;
      b2 = (1 - cw) / 2;
    } else {
      b0 = (1 + cw) / 2;
      b1 = -(1 + cw);
      b2 = (1 + cw) / 2;
    }
    a0 = 1 + alpha;
    a1 = -2 * cw;
    a2 = 1 - alpha;
  }
  return {b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
}

double biquad_magnitude(const BiquadCoeffs& c, double sample_rate, double freq) {
  const std::complex<double> z1 = std::polar(1.0, -2 * std::numbers::pi * freq / sample_rate);
  const std::complex<double> z2 = z1 * z1;
  return std::abs((c.b0 + c.b1 * z1 + c.b2 * z2) / (1.0 + c.a1 * z1 + c.a2 * z2));
}

Biquad::Biquad(int channels) : channels_(channels), z1_(channels, 0.0), z2_(channels, 0.0) {}

void Biquad::reset() {
  std::fill(z1_.begin(), z1_.end(), 0.0);
  std::fill(z2_.begin(), z2_.end(), 0.0);
}

void Biquad::process(float* interleaved, std::size_t frames) {
  for (int ch = 0; ch < channels_; ++ch) {
    double z1 = z1_[ch], z2 = z2_[ch];
    float* p = interleaved + ch;
    for (std::size_t i = 0; i < frames; ++i, p += channels_) {
      const double x = *p;
      const double y = c_.b0 * x + z1;
      z1 = c_.b1 * x - c_.a1 * y + z2;
      z2 = c_.b2 * x - c_.a2 * y;
      *p = static_cast<float>(y);
    }
    z1_[ch] = z1;
    z2_[ch] = z2;
  }
}

void Biquad::process_swept(float* interleaved, std::size_t frames,
                           const std::function<BiquadCoeffs(std::size_t frame)>& coeffs_at) {
  constexpr std::size_t kStep = 32;
  for (std::size_t at = 0; at < frames; at += kStep) {
    const std::size_t n = std::min(kStep, frames - at);
    set(coeffs_at(at + n / 2));
    process(interleaved + at * channels_, n);
  }
}

}  // namespace mix
