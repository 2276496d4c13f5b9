#include "libaudio/audio_compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "libaudio/decoder.hpp"

namespace audio {
namespace {

std::string format(const char* fmt, double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// Reads up to `frames` frames into `buf`, fewer only at the end of the stream.
std::size_t fill(Decoder& d, float* buf, std::size_t frames, bool& ended) {
  std::size_t got = 0;
  const auto ch = static_cast<std::size_t>(d.channels());
  while (!ended && got < frames) {
    const std::size_t n = d.read(buf + got * ch, frames - got);
    if (n == 0) ended = true;
    got += n;
  }
  return got;
}

}  // namespace

void DifferenceStats::add(const float* expected, const float* actual, std::size_t n) {
  double signal = 0.0, noise = 0.0, max_abs = max_abs_;
  for (std::size_t i = 0; i < n; ++i) {
    const double e = expected[i];
    const double d = static_cast<double>(actual[i]) - e;
    signal += e * e;
    noise += d * d;
    max_abs = std::max(max_abs, std::fabs(d));
  }
  signal_ += signal;
  noise_ += noise;
  max_abs_ = max_abs;
  samples_ += n;
}

double DifferenceStats::snr_db() const {
  if (noise_ == 0.0) return std::numeric_limits<double>::infinity();
  if (signal_ == 0.0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal_ / noise_);
}

double DifferenceStats::mse() const {
  return samples_ == 0 ? 0.0 : noise_ / static_cast<double>(samples_);
}

std::string snr_text(double snr_db) {
  if (std::isinf(snr_db)) return snr_db > 0 ? "inf" : "-inf";
  return format("%.1f", snr_db);
}

AudioComparison compare_audio(const std::string& expected_path, const std::string& actual_path,
                              const AudioCompareOptions& options) {
  Decoder de(expected_path), da(actual_path);
  AudioComparison r;
  r.expected_rate = de.sample_rate();
  r.actual_rate = da.sample_rate();
  r.expected_channels = de.channels();
  r.actual_channels = da.channels();
  r.expected_codec = de.info().codec;
  r.actual_codec = da.info().codec;
  if (r.expected_rate != r.actual_rate) {
    r.regressions.push_back("sample rate differs: expected " + std::to_string(r.expected_rate) +
                            " Hz, actual " + std::to_string(r.actual_rate) + " Hz");
  }
  if (r.expected_channels != r.actual_channels) {
    r.regressions.push_back("channel count differs: expected " +
                            std::to_string(r.expected_channels) + ", actual " +
                            std::to_string(r.actual_channels));
  }
  if (r.regression()) return r;

  constexpr std::size_t kChunk = 8192;
  const auto ch = static_cast<std::size_t>(r.expected_channels);
  std::vector<float> eb(kChunk * ch), ab(kChunk * ch);
  bool e_end = false, a_end = false;
  DifferenceStats stats;
  for (;;) {
    const std::size_t en = fill(de, eb.data(), kChunk, e_end);
    const std::size_t an = fill(da, ab.data(), kChunk, a_end);
    if (en == 0 && an == 0) break;
    // A short read means that stream has ended: it is padded with silence.
    const std::size_t m = std::max(en, an);
    std::fill(eb.begin() + static_cast<std::ptrdiff_t>(en * ch),
              eb.begin() + static_cast<std::ptrdiff_t>(m * ch), 0.0f);
    std::fill(ab.begin() + static_cast<std::ptrdiff_t>(an * ch),
              ab.begin() + static_cast<std::ptrdiff_t>(m * ch), 0.0f);
    stats.add(eb.data(), ab.data(), m * ch);
    r.expected_frames += static_cast<std::int64_t>(en);
    r.actual_frames += static_cast<std::int64_t>(an);
  }
  r.compared = true;
  r.snr_db = stats.snr_db();
  r.mse = stats.mse();
  r.max_abs_diff = stats.max_abs_diff();

  const std::int64_t length_diff = std::llabs(r.actual_frames - r.expected_frames);
  if (length_diff > options.max_length_diff) {
    r.regressions.push_back("length differs by " + std::to_string(length_diff) +
                            " frames: expected " + std::to_string(r.expected_frames) + ", actual " +
                            std::to_string(r.actual_frames) + " (allowed " +
                            std::to_string(options.max_length_diff) + ")");
  }
  if (r.snr_db < options.min_snr_db) {
    r.regressions.push_back("SNR below the minimum " + format("%g", options.min_snr_db) + " dB");
  }
  if (options.max_mse && r.mse > *options.max_mse) {
    r.regressions.push_back("MSE above the maximum " + format("%g", *options.max_mse));
  }
  return r;
}

}  // namespace audio
