#include "libmix/time_stretch.hpp"

#include <rubberband/RubberBandStretcher.h>

#include <algorithm>
#include <map>

#include "libaudio/error.hpp"

namespace mix {

std::vector<float> stretch_segment(const float* interleaved, std::size_t frames, int channels,
                                   int sample_rate, std::size_t out_frames, StretchEngine engine,
                                   const std::vector<std::pair<std::size_t, std::size_t>>& anchors,
                                   StretchStats* stats) {
  const std::size_t nch = static_cast<std::size_t>(channels);
  if (stats) *stats = {};
  if (frames == out_frames) return std::vector<float>(interleaved, interleaved + frames * nch);
  const double ratio = static_cast<double>(out_frames) / static_cast<double>(frames);
  if (frames == 0 || ratio < 0.25 || ratio > 4.0)
    throw audio::Error(audio::Exit::data, "stretch",
                       "time ratio " + std::to_string(ratio) + " is outside 1/4..4");
  if (stats) *stats = {false, ratio};

  using RB = RubberBand::RubberBandStretcher;
  RB::Options options = RB::OptionProcessOffline | RB::OptionChannelsTogether;
  options |= engine == StretchEngine::finer ? RB::OptionEngineFiner : RB::OptionEngineFaster;
  RB rb(static_cast<std::size_t>(sample_rate), nch, options, ratio, 1.0);
  constexpr std::size_t kBlock = 4096;
  rb.setMaxProcessSize(kBlock);
  rb.setExpectedInputDuration(frames);

  std::vector<std::vector<float>> planar(nch, std::vector<float>(kBlock));
  std::vector<const float*> in_ptrs(nch);
  auto deinterleave = [&](std::size_t at, std::size_t n) {
    for (std::size_t c = 0; c < nch; ++c) {
      for (std::size_t i = 0; i < n; ++i) planar[c][i] = interleaved[(at + i) * nch + c];
      in_ptrs[c] = planar[c].data();
    }
  };
  for (std::size_t at = 0; at < frames; at += kBlock) {
    const std::size_t n = std::min(kBlock, frames - at);
    deinterleave(at, n);
    rb.study(in_ptrs.data(), n, at + n == frames);
  }
  std::map<std::size_t, std::size_t> keys;
  for (const auto& [in, out] : anchors)
    if (in > 0 && in < frames && out > 0 && out < out_frames) keys[in] = out;
  if (!keys.empty()) rb.setKeyFrameMap(keys);

  std::vector<float> out;
  out.reserve(out_frames * nch);
  std::vector<std::vector<float>> got(nch, std::vector<float>(kBlock));
  std::vector<float*> out_ptrs(nch);
  for (std::size_t c = 0; c < nch; ++c) out_ptrs[c] = got[c].data();
  auto drain = [&] {
    for (;;) {
      const int avail = rb.available();
      if (avail <= 0) return avail;
      const std::size_t n = rb.retrieve(
          out_ptrs.data(), std::min<std::size_t>(kBlock, static_cast<std::size_t>(avail)));
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < nch; ++c) out.push_back(got[c][i]);
    }
  };
  for (std::size_t at = 0; at < frames; at += kBlock) {
    const std::size_t n = std::min(kBlock, frames - at);
    deinterleave(at, n);
    rb.process(in_ptrs.data(), n, at + n == frames);
    drain();
  }
  while (drain() >= 0) {
  }
  // Offline mode gives the exact duration; a frame of rounding either way is evened out.
  out.resize(out_frames * nch, 0.0f);
  return out;
}

}  // namespace mix
