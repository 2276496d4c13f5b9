// Tempo change without pitch change, through the Rubber Band Library in offline mode, one
// segment at a time: the caller hands over a segment (an overlap of a transition, a few tens
// of seconds) and gets back exactly the number of frames asked for, so segments of two
// tracks stretched by different ratios stay sample-aligned in the mix.
//
// A segment whose output length equals its input length is copied and never reaches Rubber
// Band (tempo 1 costs nothing and changes no sample). Anchors (input frame -> output frame,
// e.g. the downbeats) go to Rubber Band's key-frame map, so beats land where the plan puts
// them instead of drifting by the stretcher's internal rounding. Memory: the segment in and
// out, plus Rubber Band's analysis state for it; never more than one segment.
//
// Engines: finer (R3, best for tonal material; the full render) and faster (R2, several
// times quicker; --preview).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace mix {

enum class StretchEngine { finer, faster };

struct StretchStats {
  bool bypassed = true;  // true when the ratio was 1 and Rubber Band was not used
  double time_ratio = 1.0;
};

// Stretches `frames` interleaved frames of `channels` channels to exactly `out_frames`.
// Throws audio::Error(data) for an empty input or a ratio outside 1/4..4.
std::vector<float> stretch_segment(const float* interleaved, std::size_t frames, int channels,
                                   int sample_rate, std::size_t out_frames, StretchEngine engine,
                                   const std::vector<std::pair<std::size_t, std::size_t>>& anchors,
                                   StretchStats* stats = nullptr);

}  // namespace mix
