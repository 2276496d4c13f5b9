// Comparing an audio file with a reference (golden) audio file by the size of the
// difference signal, for golden tests and release gates.
//
// Both files are decoded at their native rate and channel count (anything FFmpeg decodes)
// and streamed in step, so memory stays flat. Sample rate and channel count must match.
// The shorter signal is padded with silence, so missing or extra frames count as noise;
// the lengths may differ by at most max_length_diff frames. Over all samples:
//   SNR = 10 log10(sum expected^2 / sum (actual - expected)^2) dB  (+inf when identical,
//         -inf when the expected signal is silent and the actual is not),
//   MSE = mean (actual - expected)^2, and the largest |actual - expected|.
// A regression is SNR < min_snr_db, or MSE > max_mse when set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace audio {

struct AudioCompareOptions {
  double min_snr_db = 90.0;
  std::optional<double> max_mse;
  std::int64_t max_length_diff = 0;  // frames
};

// Accumulates the statistics of a difference signal; usable on buffers directly.
class DifferenceStats {
 public:
  // `n` samples (not frames) of each signal.
  void add(const float* expected, const float* actual, std::size_t n);
  std::uint64_t samples() const { return samples_; }
  double signal_energy() const { return signal_; }
  double noise_energy() const { return noise_; }
  double snr_db() const;
  double mse() const;
  double max_abs_diff() const { return max_abs_; }

 private:
  std::uint64_t samples_ = 0;
  double signal_ = 0.0, noise_ = 0.0, max_abs_ = 0.0;
};

struct AudioComparison {
  int expected_rate = 0, actual_rate = 0;
  int expected_channels = 0, actual_channels = 0;
  std::string expected_codec, actual_codec;
  std::int64_t expected_frames = 0, actual_frames = 0;  // decoded; 0 when not compared
  bool compared = false;  // false when rate or channels differ (no statistics then)
  double snr_db = 0.0;
  double mse = 0.0;
  double max_abs_diff = 0.0;
  std::vector<std::string> regressions;  // why it fails, in words; empty when it passes

  bool regression() const { return !regressions.empty(); }
  // Same rate, channels, length and samples.
  bool identical() const {
    return compared && expected_frames == actual_frames && mse == 0.0 && !regression();
  }
};

// Throws Error(no_input) for a missing/unreadable file and Error(data) for one that is not
// decodable audio, naming the file.
AudioComparison compare_audio(const std::string& expected_path, const std::string& actual_path,
                              const AudioCompareOptions& options);

// "97.3", "inf" or "-inf": how SNR values are printed in reports.
std::string snr_text(double snr_db);

}  // namespace audio
