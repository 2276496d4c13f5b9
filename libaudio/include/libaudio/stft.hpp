// Short-time Fourier transform over a stream of mono samples (KissFFT, real input).
//
// Feed samples in any chunk sizes; a magnitude spectrum (n_fft/2 + 1 bins, Hann window) is
// handed to the callback every `hop` samples. Frame i covers samples [i*hop, i*hop + n_fft):
// frames are left-aligned (no centre padding), so frame i's centre is at
// (i*hop + n_fft/2) / rate seconds. finish() zero-pads the tail so the last samples are seen.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace audio {

class Stft {
 public:
  using FrameFn = std::function<void(std::size_t frame, const float* magnitude)>;

  // n_fft must be even (KissFFT's real transform); hop in 1..n_fft.
  Stft(int n_fft, int hop, FrameFn on_frame);
  ~Stft();
  Stft(const Stft&) = delete;
  Stft& operator=(const Stft&) = delete;

  void push(const float* samples, std::size_t n);
  // Emits the frames that still overlap real samples, zero-padding the end.
  void finish();

  int n_fft() const { return n_fft_; }
  int hop() const { return hop_; }
  int bins() const { return n_fft_ / 2 + 1; }
  std::size_t frames() const { return frames_; }

 private:
  void emit();
  int n_fft_, hop_;
  FrameFn on_frame_;
  std::vector<float> window_, buffer_, frame_, magnitude_;
  std::size_t filled_ = 0;   // samples in buffer_
  std::size_t pending_ = 0;  // real samples pushed since the last emitted frame's start
  std::size_t frames_ = 0;
  struct Fft;
  std::unique_ptr<Fft> fft_;
};

}  // namespace audio
