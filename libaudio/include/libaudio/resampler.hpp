// Streaming sample-rate conversion of interleaved float audio (libswresample), for analyses
// that decode a file once at its native rate and need it again at another rate (loudness
// on the native signal, features on 22050 Hz mono), so the file is never decoded twice.
//
// push() takes any chunk size and appends what is ready to `out`; flush() appends the
// filter's tail at the end. The output is the same whatever the chunking (libswresample is
// deterministic), and its length is round(frames * out_rate / in_rate) within a frame.
// Equal rates are a plain copy.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace audio {

class Resampler {
 public:
  // Throws Error(usage) for rates outside 1 Hz .. 1 MHz or channels outside 1..64,
  // Error(software) when libswresample cannot be set up.
  Resampler(int in_rate, int out_rate, int channels);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  void push(const float* interleaved, std::size_t frames, std::vector<float>& out);
  void flush(std::vector<float>& out);

  int in_rate() const { return in_rate_; }
  int out_rate() const { return out_rate_; }
  int channels() const { return channels_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int in_rate_, out_rate_, channels_;
};

// Averages the channels of interleaved audio into `mono` (resized to `frames`).
void downmix_to_mono(const float* interleaved, std::size_t frames, int channels,
                     std::vector<float>& mono);

}  // namespace audio
