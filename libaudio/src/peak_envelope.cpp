#include "libaudio/peak_envelope.hpp"

#include <algorithm>
#include <limits>

#include "libaudio/error.hpp"

#if defined(__SSE2__) && !defined(DJB_NO_SIMD)
#include <emmintrin.h>
#endif

namespace audio {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// ---------------------------------------------------------------------------------------
// The hot loops. Each scans a run of frames that all belong to one pixel and folds them
// into running minima and maxima, over eight lanes at a time (lane k holds channel k % P
// when P channels are kept apart). `v < m ? v : m` is what the SIMD min instruction
// computes, so NaN samples are passed over in both versions. Compilers do not vectorise
// these reductions by themselves (the NaN rule), hence SSE where it exists.

// Folds the eight lanes and the frames after the last full block into mn/mx.
template <int P>
void fold_lanes(const float* a, const float* b, float* mn, float* mx) {
  for (int k = 0; k < 8; ++k) {
    const int c = k % P;
    mn[c] = a[k] < mn[c] ? a[k] : mn[c];
    mx[c] = b[k] > mx[c] ? b[k] : mx[c];
  }
}

// Any other layout (3, 5, 6, 7 or more than 8 channels): plain loops.
void scan_mix_any(const float* x, std::size_t frames, int ch, float* mn, float* mx) {
  for (std::size_t i = 0; i < frames; ++i) {
    const float* f = x + i * static_cast<std::size_t>(ch);
    float v = 0;
    for (int c = 0; c < ch; ++c) v += f[c];
    mn[0] = v < mn[0] ? v : mn[0];
    mx[0] = v > mx[0] ? v : mx[0];
  }
}

void scan_split_any(const float* x, std::size_t frames, int ch, float* mn, float* mx) {
  for (std::size_t i = 0; i < frames; ++i) {
    const float* f = x + i * static_cast<std::size_t>(ch);
    for (int c = 0; c < ch; ++c) {
      mn[c] = f[c] < mn[c] ? f[c] : mn[c];
      mx[c] = f[c] > mx[c] ? f[c] : mx[c];
    }
  }
}

// Stereo summed, from frame i on: what is left after the last full block.
void scan_mix2_from(const float* x, std::size_t i, std::size_t frames, float* mn, float* mx) {
  for (; i < frames; ++i) {
    const float v = x[2 * i] + x[2 * i + 1];
    mn[0] = v < mn[0] ? v : mn[0];
    mx[0] = v > mx[0] ? v : mx[0];
  }
}

// Eight running minima (a) and maxima (b): lane k takes every eighth value from k on.
#if defined(__SSE2__) && !defined(DJB_NO_SIMD)

class Lanes {
 public:
  Lanes(const float* init_a, const float* init_b)
      : a0_(_mm_loadu_ps(init_a)),
        a1_(_mm_loadu_ps(init_a + 4)),
        b0_(_mm_loadu_ps(init_b)),
        b1_(_mm_loadu_ps(init_b + 4)) {}

  // Eight consecutive values.
  void take(const float* v) { take(_mm_loadu_ps(v), _mm_loadu_ps(v + 4)); }

  // The sums of eight consecutive stereo frames.
  void take_pair_sums(const float* f) {
    const __m128 p = _mm_loadu_ps(f), q = _mm_loadu_ps(f + 4);
    const __m128 r = _mm_loadu_ps(f + 8), t = _mm_loadu_ps(f + 12);
    take(_mm_add_ps(_mm_shuffle_ps(p, q, _MM_SHUFFLE(2, 0, 2, 0)),
                    _mm_shuffle_ps(p, q, _MM_SHUFFLE(3, 1, 3, 1))),
         _mm_add_ps(_mm_shuffle_ps(r, t, _MM_SHUFFLE(2, 0, 2, 0)),
                    _mm_shuffle_ps(r, t, _MM_SHUFFLE(3, 1, 3, 1))));
  }

  template <int P>
  void fold(float* mn, float* mx) const {
    float a[8], b[8];
    _mm_storeu_ps(a, a0_);
    _mm_storeu_ps(a + 4, a1_);
    _mm_storeu_ps(b, b0_);
    _mm_storeu_ps(b + 4, b1_);
    fold_lanes<P>(a, b, mn, mx);
  }

 private:
  void take(__m128 v0, __m128 v1) {
    a0_ = _mm_min_ps(v0, a0_);
    a1_ = _mm_min_ps(v1, a1_);
    b0_ = _mm_max_ps(v0, b0_);
    b1_ = _mm_max_ps(v1, b1_);
  }

  __m128 a0_, a1_, b0_, b1_;
};

#else  // portable: eight independent lanes still break the dependency chain

class Lanes {
 public:
  Lanes(const float* init_a, const float* init_b) {
    std::copy(init_a, init_a + 8, a_);
    std::copy(init_b, init_b + 8, b_);
  }

  void take(const float* v) {
    for (int k = 0; k < 8; ++k) take(k, v[k]);
  }

  void take_pair_sums(const float* f) {
    for (int k = 0; k < 8; ++k) take(k, f[2 * k] + f[2 * k + 1]);
  }

  template <int P>
  void fold(float* mn, float* mx) const {
    fold_lanes<P>(a_, b_, mn, mx);
  }

 private:
  void take(int k, float v) {
    a_[k] = v < a_[k] ? v : a_[k];
    b_[k] = v > b_[k] ? v : b_[k];
  }

  float a_[8], b_[8];
};

#endif

// P interleaved channels kept apart (P divides 8).
template <int P>
void scan_split(const float* x, std::size_t frames, float* mn, float* mx) {
  static_assert(8 % P == 0);
  const std::size_t count = frames * P;
  float init_a[8], init_b[8];
  for (int k = 0; k < 8; ++k) {
    init_a[k] = mn[k % P];
    init_b[k] = mx[k % P];
  }
  Lanes lanes(init_a, init_b);
  std::size_t i = 0;
  for (; i + 8 <= count; i += 8) lanes.take(x + i);
  lanes.fold<P>(mn, mx);
  scan_split_any(x + i, frames - i / P, P, mn, mx);  // i is whole frames: P divides 8
}

// Stereo mixed to one series: the sum of the two channels (divided out at the end).
void scan_mix2(const float* x, std::size_t frames, float* mn, float* mx) {
  float init_a[8], init_b[8];
  std::fill(init_a, init_a + 8, mn[0]);
  std::fill(init_b, init_b + 8, mx[0]);
  Lanes lanes(init_a, init_b);
  std::size_t i = 0;
  for (; i + 8 <= frames; i += 8) lanes.take_pair_sums(x + 2 * i);
  lanes.fold<1>(mn, mx);
  scan_mix2_from(x, i, frames, mn, mx);
}

}  // namespace

PeakEnvelope::PeakEnvelope(int channels, bool split, std::int64_t spp, std::size_t cap)
    : in_ch_(channels),
      out_ch_(split ? channels : 1),
      split_(split),
      spp_(spp),
      cap_(cap + cap % 2) {
  if (channels < 1 || spp < 1) {
    throw Error(Exit::software, "", "invalid waveform envelope (channels or spp below 1)");
  }
  reset_current();
}

void PeakEnvelope::add(const float* x, std::size_t frames) {
  while (frames > 0) {
    const std::size_t n = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(frames), spp_ - count_));
    scan(x, n);
    x += n * static_cast<std::size_t>(in_ch_);
    frames -= n;
    count_ += static_cast<std::int64_t>(n);
    total_ += static_cast<std::int64_t>(n);
    if (count_ == spp_) close_pixel();
  }
}

std::vector<float> PeakEnvelope::pixels() const {
  std::vector<float> out = pixels_;
  if (count_ > 0) {
    for (int c = 0; c < out_ch_; ++c) {
      out.push_back(mins_[c]);
      out.push_back(maxs_[c]);
    }
  }
  return out;
}

void PeakEnvelope::scan(const float* x, std::size_t n) {
  float* mn = mins_.data();
  float* mx = maxs_.data();
  if (!split_) {
    if (in_ch_ == 1) {
      scan_split<1>(x, n, mn, mx);
    } else if (in_ch_ == 2) {
      scan_mix2(x, n, mn, mx);
    } else {
      scan_mix_any(x, n, in_ch_, mn, mx);
    }
    return;
  }
  switch (in_ch_) {
    case 1:
      scan_split<1>(x, n, mn, mx);
      break;
    case 2:
      scan_split<2>(x, n, mn, mx);
      break;
    case 4:
      scan_split<4>(x, n, mn, mx);
      break;
    case 8:
      scan_split<8>(x, n, mn, mx);
      break;
    default:
      scan_split_any(x, n, in_ch_, mn, mx);
  }
}

void PeakEnvelope::reset_current() {
  mins_.assign(static_cast<std::size_t>(out_ch_), kInf);
  maxs_.assign(static_cast<std::size_t>(out_ch_), -kInf);
  count_ = 0;
}

void PeakEnvelope::close_pixel() {
  for (int c = 0; c < out_ch_; ++c) {
    pixels_.push_back(mins_[c]);
    pixels_.push_back(maxs_[c]);
  }
  reset_current();
  if (cap_ > 0 && pixels_.size() >= cap_ * stride()) merge_pairs();
}

void PeakEnvelope::merge_pairs() {
  const std::size_t s = stride();
  const std::size_t n = pixels_.size() / s;  // even: the cap is even
  for (std::size_t i = 0; i < n / 2; ++i) {
    const float* a = &pixels_[2 * i * s];
    const float* b = a + s;
    float* o = &pixels_[i * s];
    for (std::size_t c = 0; c < s; c += 2) {
      const float lo = std::min(a[c], b[c]);
      const float hi = std::max(a[c + 1], b[c + 1]);
      o[c] = lo;
      o[c + 1] = hi;
    }
  }
  pixels_.resize(n / 2 * s);
  spp_ *= 2;
}

void settle_pixels(std::vector<float>& px) {
  for (std::size_t i = 0; i + 1 < px.size(); i += 2) {
    if (px[i] > px[i + 1]) px[i] = px[i + 1] = 0.0f;
  }
}

std::vector<float> group_pixels(const std::vector<float>& px, std::size_t stride, std::size_t g) {
  const std::size_t m = px.size() / stride;
  const std::size_t n = (m + g - 1) / g;
  std::vector<float> out(n * stride);
  for (std::size_t i = 0; i < n; ++i) {
    float* o = &out[i * stride];
    for (std::size_t c = 0; c < stride; c += 2) {
      o[c] = kInf;
      o[c + 1] = -kInf;
    }
    for (std::size_t k = i * g; k < std::min(m, (i + 1) * g); ++k) {
      const float* p = &px[k * stride];
      for (std::size_t c = 0; c < stride; c += 2) {
        o[c] = std::min(o[c], p[c]);
        o[c + 1] = std::max(o[c + 1], p[c + 1]);
      }
    }
  }
  return out;
}

std::vector<float> rebin_pixels(const std::vector<float>& px, std::size_t stride, std::int64_t spp,
                                std::int64_t frames, std::size_t n) {
  std::vector<float> out(n * stride, 0.0f);
  const std::int64_t m = static_cast<std::int64_t>(px.size() / stride);
  if (frames <= 0 || m == 0) return out;
  const std::int64_t nn = static_cast<std::int64_t>(n);
  auto first_frame = [&](std::int64_t j) { return (j * frames + nn - 1) / nn; };
  auto first_pixel_from = [&](std::int64_t frame) { return (frame + spp - 1) / spp; };
  for (std::int64_t j = 0; j < nn; ++j) {
    std::int64_t lo = first_pixel_from(first_frame(j));
    std::int64_t hi = std::min(first_pixel_from(first_frame(j + 1)), m) - 1;
    if (lo > hi) lo = hi = std::min(j * frames / (nn * spp), m - 1);
    float* o = &out[static_cast<std::size_t>(j) * stride];
    for (std::size_t c = 0; c < stride; c += 2) {
      o[c] = kInf;
      o[c + 1] = -kInf;
    }
    for (std::int64_t k = lo; k <= hi; ++k) {
      const float* p = &px[static_cast<std::size_t>(k) * stride];
      for (std::size_t c = 0; c < stride; c += 2) {
        o[c] = std::min(o[c], p[c]);
        o[c + 1] = std::max(o[c + 1], p[c + 1]);
      }
    }
  }
  return out;
}

}  // namespace audio
