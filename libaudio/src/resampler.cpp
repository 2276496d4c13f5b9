#include "libaudio/resampler.hpp"

#include <algorithm>
#include <string>

#include "libaudio/error.hpp"
#include "libaudio/ffmpeg_util.hpp"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace audio {

struct Resampler::Impl {
  ff::SwrPtr swr;  // null when the rates are equal
};

Resampler::Resampler(int in_rate, int out_rate, int channels)
    : impl_(std::make_unique<Impl>()), in_rate_(in_rate), out_rate_(out_rate), channels_(channels) {
  constexpr int kMaxRate = 1000000;
  if (in_rate < 1 || in_rate > kMaxRate || out_rate < 1 || out_rate > kMaxRate) {
    throw Error(Exit::usage, "resampler",
                "rates " + std::to_string(in_rate) + " -> " + std::to_string(out_rate) +
                    " are out of range");
  }
  if (channels < 1 || channels > 64) {
    throw Error(Exit::usage, "resampler",
                "channel count " + std::to_string(channels) + " is out of range");
  }
  if (in_rate == out_rate) return;
  AVChannelLayout layout{};
  av_channel_layout_default(&layout, channels);
  SwrContext* raw = nullptr;
  const int rc = swr_alloc_set_opts2(&raw, &layout, AV_SAMPLE_FMT_FLT, out_rate, &layout,
                                     AV_SAMPLE_FMT_FLT, in_rate, 0, nullptr);
  av_channel_layout_uninit(&layout);
  if (rc < 0 || !raw || swr_init(raw) < 0) {
    swr_free(&raw);
    throw Error(Exit::software, "resampler", "cannot set up libswresample");
  }
  impl_->swr.reset(raw);
}

Resampler::~Resampler() = default;

void Resampler::push(const float* interleaved, std::size_t frames, std::vector<float>& out) {
  const std::size_t ch = static_cast<std::size_t>(channels_);
  if (!impl_->swr) {
    out.insert(out.end(), interleaved, interleaved + frames * ch);
    return;
  }
  // swr_convert takes an int count; feed huge buffers in pieces.
  constexpr std::size_t kPiece = 1 << 20;
  while (frames > 0) {
    const int n = static_cast<int>(std::min(frames, kPiece));
    const int cap = swr_get_out_samples(impl_->swr.get(), n);
    if (cap < 0) throw Error(Exit::software, "resampler", "resampling failed");
    const std::size_t at = out.size();
    out.resize(at + static_cast<std::size_t>(cap) * ch);
    auto* dst = reinterpret_cast<uint8_t*>(out.data() + at);
    const auto* src = reinterpret_cast<const uint8_t*>(interleaved);
    const int got = swr_convert(impl_->swr.get(), &dst, cap, &src, n);
    if (got < 0) throw Error(Exit::software, "resampler", "resampling failed");
    out.resize(at + static_cast<std::size_t>(got) * ch);
    interleaved += static_cast<std::size_t>(n) * ch;
    frames -= static_cast<std::size_t>(n);
  }
}

void Resampler::flush(std::vector<float>& out) {
  if (!impl_->swr) return;
  const std::size_t ch = static_cast<std::size_t>(channels_);
  for (;;) {
    const int cap = swr_get_out_samples(impl_->swr.get(), 0);
    if (cap <= 0) return;
    const std::size_t at = out.size();
    out.resize(at + static_cast<std::size_t>(cap) * ch);
    auto* dst = reinterpret_cast<uint8_t*>(out.data() + at);
    const int got = swr_convert(impl_->swr.get(), &dst, cap, nullptr, 0);
    if (got < 0) throw Error(Exit::software, "resampler", "resampling failed");
    out.resize(at + static_cast<std::size_t>(got) * ch);
    if (got == 0) return;
  }
}

void downmix_to_mono(const float* in, std::size_t frames, int channels, std::vector<float>& mono) {
  mono.resize(frames);
  if (channels == 1) {
    std::copy(in, in + frames, mono.begin());
    return;
  }
  const std::size_t ch = static_cast<std::size_t>(channels);
  const float scale = 1.0f / static_cast<float>(channels);
  if (channels == 2) {
    for (std::size_t i = 0; i < frames; ++i) mono[i] = (in[2 * i] + in[2 * i + 1]) * scale;
    return;
  }
  for (std::size_t i = 0; i < frames; ++i) {
    float s = 0;
    for (std::size_t c = 0; c < ch; ++c) s += in[i * ch + c];
    mono[i] = s * scale;
  }
}

}  // namespace audio
