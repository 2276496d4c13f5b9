// Speech activity of a dub track, and the gain envelope that ducks other audio under it.
//
// Detection is by level, which is enough for a dub: synthesised or studio-recorded speech
// over silence or a quiet bed. The audio is cut into 20 ms frames; a frame is speech when
// the RMS of its channel average is above `threshold_db` dBFS. Pauses shorter than
// `min_pause` (between words, breaths) are bridged, then bursts shorter than `min_speech`
// (clicks) are dropped. Memory: one byte per frame (180 KB per hour).
//
// The duck envelope lowers by `depth_db` while speech plays. It starts going down
// `lookahead` seconds before each speech segment (so the duck is complete when the voice
// starts: the first syllable is never masked), holds for the segment, and comes back up over
// `release` seconds after it. Ramps are linear in dB; where the ramps of two segments
// overlap, the deeper wins, so the gain never bounces between close phrases.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mix {

struct SpeechOptions {
  double threshold_db = -45.0;  // frame RMS above this (dBFS) is speech
  double min_pause = 0.3;       // seconds; shorter pauses are bridged
  double min_speech = 0.06;     // seconds; shorter bursts are ignored
};

// A half-open range of sample frames [start, end).
struct Segment {
  std::int64_t start = 0;
  std::int64_t end = 0;
};

class SpeechDetector {
 public:
  SpeechDetector(int sample_rate, int channels, const SpeechOptions& options = {});
  // Interleaved float frames, in order, in chunks of any size.
  void add(const float* interleaved, std::size_t frames);
  // The speech segments (sorted, disjoint), in sample frames of the input. Call once, at the end.
  std::vector<Segment> finish();

 private:
  int rate_, channels_;
  SpeechOptions options_;
  std::size_t frame_len_;
  std::size_t filled_ = 0;
  double energy_ = 0.0;
  std::int64_t total_ = 0;
  std::vector<std::uint8_t> active_;
};

struct DuckOptions {
  double depth_db = 12.0;  // how far the other audio goes down under speech
  double lookahead = 0.2;  // seconds before a segment the duck starts
  double release = 0.5;    // seconds after a segment the gain takes to come back
};

class DuckEnvelope {
 public:
  DuckEnvelope(std::vector<Segment> speech, int sample_rate, const DuckOptions& options);
  // The linear gain at sample frame `t` (1 away from speech, 10^(-depth/20) during it).
  double gain_at(std::int64_t t) const;
  // Gains for frames [first, first + n), for consecutive blocks (faster than gain_at).
  void fill(std::int64_t first, float* gains, std::size_t n);

 private:
  double depth_at(std::int64_t t, std::size_t from) const;
  std::vector<Segment> speech_;
  double depth_db_;
  std::int64_t lookahead_, release_;
  std::size_t cursor_ = 0;
};

// Seconds of speech in `segments` at `sample_rate`.
double speech_seconds(const std::vector<Segment>& segments, int sample_rate);

}  // namespace mix
