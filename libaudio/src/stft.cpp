#include "libaudio/stft.hpp"

#include <kiss_fftr.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "libaudio/error.hpp"

namespace audio {

struct Stft::Fft {
  kiss_fftr_cfg cfg = nullptr;
  std::vector<kiss_fft_cpx> out;
  ~Fft() { kiss_fftr_free(cfg); }
};

Stft::Stft(int n_fft, int hop, FrameFn on_frame)
    : n_fft_(n_fft), hop_(hop), on_frame_(std::move(on_frame)), fft_(std::make_unique<Fft>()) {
  if (n_fft < 2 || n_fft % 2 != 0 || hop < 1 || hop > n_fft) {
    throw Error(Exit::software, "", "invalid STFT size");
  }
  window_.resize(static_cast<std::size_t>(n_fft));
  for (int i = 0; i < n_fft; ++i) {  // periodic Hann, as spectral analysis wants
    window_[static_cast<std::size_t>(i)] =
        static_cast<float>(0.5 - 0.5 * std::cos(2.0 * M_PI * i / n_fft));
  }
  buffer_.assign(static_cast<std::size_t>(n_fft), 0.0f);
  frame_.resize(static_cast<std::size_t>(n_fft));
  magnitude_.resize(static_cast<std::size_t>(bins()));
  fft_->cfg = kiss_fftr_alloc(n_fft, 0, nullptr, nullptr);
  if (!fft_->cfg) throw Error(Exit::software, "", "cannot set up the FFT");
  fft_->out.resize(static_cast<std::size_t>(bins()));
}

Stft::~Stft() = default;

void Stft::emit() {
  for (std::size_t i = 0; i < frame_.size(); ++i) frame_[i] = buffer_[i] * window_[i];
  kiss_fftr(fft_->cfg, frame_.data(), fft_->out.data());
  for (std::size_t k = 0; k < magnitude_.size(); ++k) {
    const float re = fft_->out[k].r, im = fft_->out[k].i;
    magnitude_[k] = std::sqrt(re * re + im * im);
  }
  on_frame_(frames_++, magnitude_.data());
  // Slide by one hop.
  const std::size_t hop = static_cast<std::size_t>(hop_);
  std::memmove(buffer_.data(), buffer_.data() + hop, (buffer_.size() - hop) * sizeof(float));
  filled_ -= hop;
  pending_ = pending_ > hop ? pending_ - hop : 0;
}

void Stft::push(const float* samples, std::size_t n) {
  const std::size_t size = buffer_.size();
  while (n > 0) {
    const std::size_t take = std::min(n, size - filled_);
    std::memcpy(buffer_.data() + filled_, samples, take * sizeof(float));
    filled_ += take;
    pending_ += take;
    samples += take;
    n -= take;
    if (filled_ == size) emit();
  }
}

void Stft::finish() {
  // Frames whose start lies before the end of the real samples.
  while (pending_ > 0 && filled_ > 0) {
    std::fill(buffer_.begin() + static_cast<long>(filled_), buffer_.end(), 0.0f);
    const std::size_t real = filled_;
    filled_ = buffer_.size();
    emit();
    if (real <= static_cast<std::size_t>(hop_)) break;
    filled_ = real - static_cast<std::size_t>(hop_);
  }
  pending_ = 0;
}

}  // namespace audio
