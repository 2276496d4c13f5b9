// The streaming core of waveform data: the minimum and maximum of each run of `spp` frames
// ("pixel") of interleaved float audio, either per channel or of the channels' mix.
//
// Pixels are float pairs (min, max) per output channel. Without split the value is the sum
// of the channels (divisor() channels: the mean is taken when converting, so the hot loop
// never divides). NaN samples are skipped; a pixel that saw only NaN holds min = +inf >
// max = -inf, which merges as if it were not there, and settle_pixels() turns it into
// silence for output.
//
// With a cap the buffer never holds `cap` pixels or more: when it fills, neighbours merge in
// pairs and spp doubles, which gives exactly the pixels a run at the doubled spp makes. So
// memory stays flat for an input of unknown length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace audio {

class PeakEnvelope {
 public:
  // `cap` (pixels, rounded up to even; 0 = none) bounds the buffer. Throws Error(software)
  // unless channels and spp are at least 1.
  PeakEnvelope(int channels, bool split, std::int64_t spp, std::size_t cap);

  void add(const float* interleaved, std::size_t frames);

  int out_channels() const { return out_ch_; }
  int divisor() const { return split_ ? 1 : in_ch_; }
  std::int64_t spp() const { return spp_; }       // current samples per pixel
  std::int64_t frames() const { return total_; }  // frames added so far
  // The pixels so far, the unfinished last one included: min,max per channel per pixel.
  std::vector<float> pixels() const;

 private:
  void scan(const float* x, std::size_t frames);
  void reset_current();
  void close_pixel();
  void merge_pairs();
  std::size_t stride() const { return 2 * static_cast<std::size_t>(out_ch_); }

  int in_ch_, out_ch_;
  bool split_;
  std::int64_t spp_;
  std::size_t cap_;
  std::vector<float> pixels_;
  std::vector<float> mins_, maxs_;  // the unfinished pixel, per output channel
  std::int64_t count_ = 0;          // frames in the unfinished pixel
  std::int64_t total_ = 0;
};

// Pixel buffers below hold `stride` floats per pixel (2 per output channel).

// Turns NaN-only pixels (min > max) into silence (0, 0).
void settle_pixels(std::vector<float>& pixels);

// Groups pixels `g` at a time (the last group may be short): the pixels at g times the spp.
std::vector<float> group_pixels(const std::vector<float>& pixels, std::size_t stride,
                                std::size_t g);

// Exactly `n` buckets with proportional edges over `frames` frames held in pixels of `spp`
// frames: bucket j covers frames [j*frames/n, (j+1)*frames/n) and takes the pixels that
// start inside it, so every pixel counts once. A bucket no pixel starts in (fewer pixels
// than buckets: a short input is stretched) takes the pixel its start falls in. No frames:
// all zeros.
std::vector<float> rebin_pixels(const std::vector<float>& pixels, std::size_t stride,
                                std::int64_t spp, std::int64_t frames, std::size_t n);

}  // namespace audio
