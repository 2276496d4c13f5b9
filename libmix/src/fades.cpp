#include "libmix/fades.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace mix {

namespace {
double clamp01(double x) {
  return std::clamp(x, 0.0, 1.0);
}
}  // namespace

double equal_power_in(double x) {
  return std::sin(clamp01(x) * std::numbers::pi / 2);
}

double equal_power_out(double x) {
  return std::cos(clamp01(x) * std::numbers::pi / 2);
}

double smooth_ramp(double x) {
  return 0.5 - 0.5 * std::cos(clamp01(x) * std::numbers::pi);
}

namespace {
void ramp(float* interleaved, std::size_t frames, int channels, std::size_t offset,
          std::size_t ramp_frames, bool in) {
  for (std::size_t i = 0; i < frames; ++i) {
    const std::size_t pos = offset + i;
    double g;
    if (pos >= ramp_frames) {
      if (in) return;
      g = 0.0;
    } else {
      g = smooth_ramp((static_cast<double>(pos) + 0.5) / static_cast<double>(ramp_frames));
      if (!in) g = 1.0 - g;
    }
    for (int c = 0; c < channels; ++c) interleaved[i * channels + c] *= static_cast<float>(g);
  }
}
}  // namespace

void fade_in(float* interleaved, std::size_t frames, int channels, std::size_t offset,
             std::size_t ramp_frames) {
  ramp(interleaved, frames, channels, offset, ramp_frames, true);
}

void fade_out(float* interleaved, std::size_t frames, int channels, std::size_t offset,
              std::size_t ramp_frames) {
  ramp(interleaved, frames, channels, offset, ramp_frames, false);
}

}  // namespace mix
