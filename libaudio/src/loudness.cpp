#include "libaudio/loudness.hpp"

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "libaudio/error.hpp"

namespace audio {

namespace {

// ITU-R BS.1770-4 Annex 2: the 48-tap interpolating filter for 4x over-sampling, as its four
// 12-tap phases (phases 2 and 3 are phases 1 and 0 reversed). Phase p estimates the signal
// (2p+1)/8 of a sample period after the sample under the 0.97 tap.
constexpr int kTaps = 12;
constexpr double kPhase0[kTaps] = {0.0017089843750,  0.0109863281250,  -0.0196533203125,
                                   0.0332031250000,  -0.0594482421875, 0.1373291015625,
                                   0.9721679687500,  -0.1022949218750, 0.0476074218750,
                                   -0.0266113281250, 0.0148925781250,  -0.0083007812500};
constexpr double kPhase1[kTaps] = {-0.0291748046875, 0.0292968750000,  -0.0517578125000,
                                   0.0891113281250,  -0.1665039062500, 0.4650878906250,
                                   0.7797851562500,  -0.2003173828125, 0.1015625000000,
                                   -0.0582275390625, 0.0330810546875,  -0.0189208984375};

// The true peak of one channel: the largest |value| of the 4x over-sampled signal.
//
// Interpolating costs 48 multiply-adds a sample, three times all the rest of the metering.
// But an interpolated value can never exceed L times the largest |sample| under the filter,
// L being the largest sum of |coefficients| of a phase (about 2.02). So a block whose
// samples are all below max/L cannot raise the maximum found so far and is skipped. On music
// that is most blocks; the result is exactly that of interpolating everything.
class TruePeak {
 public:
  TruePeak() {
    for (int k = 0; k < kTaps; ++k) {
      // Stored reversed, oldest sample first, so each phase is a dot product over a window.
      taps_[0][k] = static_cast<float>(kPhase0[kTaps - 1 - k]);
      taps_[1][k] = static_cast<float>(kPhase1[kTaps - 1 - k]);
      taps_[2][k] = static_cast<float>(kPhase1[k]);
      taps_[3][k] = static_cast<float>(kPhase0[k]);
    }
    for (const auto& phase : taps_) {
      float l1 = 0;
      for (float t : phase) l1 += std::fabs(t);
      bound_ = std::max(bound_, l1);
    }
    window_.assign(kTaps - 1, 0.0f);
  }

  // Adds `n` samples of this channel, `stride` apart.
  void add(const float* samples, std::size_t n, std::size_t stride) {
    // The window holds the last kTaps-1 samples of the previous call, then these.
    window_.resize(kTaps - 1 + n);
    for (std::size_t i = 0; i < n; ++i) window_[kTaps - 1 + i] = samples[i * stride];
    constexpr std::size_t kBlock = 32;
    for (std::size_t b = 0; b < n; b += kBlock) {
      const std::size_t len = std::min(kBlock, n - b);
      const float* w = window_.data() + b;  // outputs b..b+len read w[0 .. len + kTaps - 1)
      float local = 0;
      for (std::size_t i = 0; i < len + kTaps - 1; ++i) local = std::max(local, std::fabs(w[i]));
      if (local * bound_ <= peak_) continue;
      // Phase by phase, tap by tap over the block: loops the compiler vectorises.
      float y[kBlock];
      for (const auto& phase : taps_) {
        std::fill(y, y + len, 0.0f);
        for (int k = 0; k < kTaps; ++k) {
          const float t = phase[k];
          const float* x = w + k;
          for (std::size_t i = 0; i < len; ++i) y[i] += t * x[i];
        }
        for (std::size_t i = 0; i < len; ++i) peak_ = std::max(peak_, std::fabs(y[i]));
      }
    }
    std::copy(window_.end() - (kTaps - 1), window_.end(), window_.begin());
    window_.resize(kTaps - 1);
  }

  double peak() const { return peak_; }

 private:
  float taps_[4][kTaps];
  float bound_ = 0;
  float peak_ = 0;
  std::vector<float> window_;
};

}  // namespace

struct LoudnessMeter::Impl {
  struct Destroy {
    void operator()(ebur128_state* st) const { ebur128_destroy(&st); }
  };
  std::unique_ptr<ebur128_state, Destroy> st;
  LoudnessOptions options;
  int rate = 0;
  int channels = 0;
  std::int64_t frames = 0;
  std::vector<float> sample_peaks;   // per channel
  std::vector<TruePeak> true_peaks;  // per channel, when asked

  void check(int rc, const char* what) const {
    if (rc != EBUR128_SUCCESS) {
      throw Error(Exit::software, "loudness",
                  std::string(what) + " failed (libebur128 error " + std::to_string(rc) + ")");
    }
  }
};

LoudnessMeter::LoudnessMeter(int sample_rate, int channels, const LoudnessOptions& options)
    : impl_(std::make_unique<Impl>()) {
  // libebur128's own limits, checked here so the message names the cause.
  if (sample_rate < 5 || sample_rate > 2822400) {
    throw Error(Exit::usage, "loudness",
                "sample rate " + std::to_string(sample_rate) + " is out of range");
  }
  if (channels < 1 || channels > 64) {
    throw Error(Exit::usage, "loudness",
                "channel count " + std::to_string(channels) + " is out of range");
  }
  // The peaks are measured here, not by libebur128 (see TruePeak).
  int mode = EBUR128_MODE_M;
  if (options.integrated) mode |= EBUR128_MODE_I;
  if (options.range) mode |= EBUR128_MODE_LRA;
  impl_->st.reset(
      ebur128_init(static_cast<unsigned>(channels), static_cast<unsigned long>(sample_rate), mode));
  if (!impl_->st) throw Error(Exit::software, "loudness", "cannot set up the loudness meter");
  impl_->options = options;
  impl_->options.sample_peak = options.sample_peak || options.true_peak;
  impl_->rate = sample_rate;
  impl_->channels = channels;
  impl_->sample_peaks.assign(static_cast<std::size_t>(channels), 0.0f);
  if (options.true_peak) impl_->true_peaks.resize(static_cast<std::size_t>(channels));
}

LoudnessMeter::~LoudnessMeter() = default;
LoudnessMeter::LoudnessMeter(LoudnessMeter&&) noexcept = default;
LoudnessMeter& LoudnessMeter::operator=(LoudnessMeter&&) noexcept = default;

void LoudnessMeter::add(const float* interleaved, std::size_t frames) {
  if (frames == 0) return;
  Impl& m = *impl_;
  m.check(ebur128_add_frames_float(m.st.get(), interleaved, frames), "loudness metering");
  const std::size_t ch = static_cast<std::size_t>(m.channels);
  if (m.options.sample_peak) {
    for (std::size_t c = 0; c < ch; ++c) {
      float peak = m.sample_peaks[c];
      for (std::size_t i = 0; i < frames; ++i)
        peak = std::max(peak, std::fabs(interleaved[i * ch + c]));
      m.sample_peaks[c] = peak;
    }
  }
  for (std::size_t c = 0; c < m.true_peaks.size(); ++c) {
    m.true_peaks[c].add(interleaved + c, frames, ch);
  }
  m.frames += static_cast<std::int64_t>(frames);
}

int LoudnessMeter::sample_rate() const {
  return impl_->rate;
}
int LoudnessMeter::channels() const {
  return impl_->channels;
}
std::int64_t LoudnessMeter::frames() const {
  return impl_->frames;
}

double LoudnessMeter::integrated() const {
  if (!impl_->options.integrated) throw Error(Exit::software, "loudness", "integrated not enabled");
  double v = 0;
  impl_->check(ebur128_loudness_global(impl_->st.get(), &v), "integrated loudness");
  return v;
}

double LoudnessMeter::range() const {
  if (!impl_->options.range) throw Error(Exit::software, "loudness", "range not enabled");
  double v = 0;
  impl_->check(ebur128_loudness_range(impl_->st.get(), &v), "loudness range");
  return v;
}

double LoudnessMeter::momentary() const {
  double v = 0;
  impl_->check(ebur128_loudness_momentary(impl_->st.get(), &v), "momentary loudness");
  return v;
}

double LoudnessMeter::short_term() const {
  if (!impl_->options.range) throw Error(Exit::software, "loudness", "short-term not enabled");
  double v = 0;
  impl_->check(ebur128_loudness_shortterm(impl_->st.get(), &v), "short-term loudness");
  return v;
}

double LoudnessMeter::sample_peak() const {
  if (!impl_->options.sample_peak) throw Error(Exit::software, "loudness", "peak not enabled");
  float peak = 0;
  for (float p : impl_->sample_peaks) peak = std::max(peak, p);
  return peak;
}

double LoudnessMeter::true_peak() const {
  if (!impl_->options.true_peak) throw Error(Exit::software, "loudness", "true peak not enabled");
  // The interpolated points fall between the samples, so on their own they may miss a
  // sample's peak by a hair; the true peak is never below the sample peak.
  double peak = sample_peak();
  for (const TruePeak& tp : impl_->true_peaks) peak = std::max(peak, tp.peak());
  return peak;
}

double to_db(double linear) {
  if (linear <= 0) return -std::numeric_limits<double>::infinity();
  return 20.0 * std::log10(linear);
}

Json loudness_json(double value, int decimals) {
  if (!std::isfinite(value)) return Json(nullptr);
  return Json(round_to(value, decimals) + 0.0);  // + 0.0: never print -0
}

}  // namespace audio
