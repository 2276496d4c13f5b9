#include "libaudio/loudness.hpp"

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "libaudio/error.hpp"

namespace audio {

struct LoudnessMeter::Impl {
  struct Destroy {
    void operator()(ebur128_state* st) const { ebur128_destroy(&st); }
  };
  std::unique_ptr<ebur128_state, Destroy> st;
  LoudnessOptions options;
  int rate = 0;
  int channels = 0;
  std::int64_t frames = 0;

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
  int mode = EBUR128_MODE_M;
  if (options.integrated) mode |= EBUR128_MODE_I;
  if (options.range) mode |= EBUR128_MODE_LRA;
  if (options.sample_peak) mode |= EBUR128_MODE_SAMPLE_PEAK;
  if (options.true_peak) mode |= EBUR128_MODE_TRUE_PEAK;
  impl_->st.reset(
      ebur128_init(static_cast<unsigned>(channels), static_cast<unsigned long>(sample_rate), mode));
  if (!impl_->st) throw Error(Exit::software, "loudness", "cannot set up the loudness meter");
  impl_->options = options;
  impl_->options.sample_peak = options.sample_peak || options.true_peak;
  impl_->rate = sample_rate;
  impl_->channels = channels;
}

LoudnessMeter::~LoudnessMeter() = default;
LoudnessMeter::LoudnessMeter(LoudnessMeter&&) noexcept = default;
LoudnessMeter& LoudnessMeter::operator=(LoudnessMeter&&) noexcept = default;

void LoudnessMeter::add(const float* interleaved, std::size_t frames) {
  if (frames == 0) return;
  impl_->check(ebur128_add_frames_float(impl_->st.get(), interleaved, frames), "loudness metering");
  impl_->frames += static_cast<std::int64_t>(frames);
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
  double peak = 0;
  for (int c = 0; c < impl_->channels; ++c) {
    double v = 0;
    impl_->check(ebur128_sample_peak(impl_->st.get(), static_cast<unsigned>(c), &v), "peak");
    peak = std::max(peak, v);
  }
  return peak;
}

double LoudnessMeter::true_peak() const {
  if (!impl_->options.true_peak) throw Error(Exit::software, "loudness", "true peak not enabled");
  double peak = 0;
  for (int c = 0; c < impl_->channels; ++c) {
    double v = 0;
    impl_->check(ebur128_true_peak(impl_->st.get(), static_cast<unsigned>(c), &v), "true peak");
    peak = std::max(peak, v);
  }
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
