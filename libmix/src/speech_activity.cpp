#include "libmix/speech_activity.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "libaudio/error.hpp"

namespace mix {

SpeechDetector::SpeechDetector(int sample_rate, int channels, const SpeechOptions& options)
    : rate_(sample_rate), channels_(channels), options_(options) {
  if (sample_rate <= 0 || channels <= 0) {
    throw audio::Error(audio::Exit::software, "speech activity", "no rate or channels");
  }
  frame_len_ = static_cast<std::size_t>(std::max(1L, std::lround(0.02 * sample_rate)));
}

void SpeechDetector::add(const float* interleaved, std::size_t frames) {
  const double threshold = std::pow(10.0, options_.threshold_db / 10.0);  // on mean square
  const double inv_ch = 1.0 / channels_;
  for (std::size_t i = 0; i < frames; ++i) {
    double m = 0.0;
    for (int c = 0; c < channels_; ++c) m += interleaved[i * channels_ + c];
    m *= inv_ch;
    energy_ += m * m;
    if (++filled_ == frame_len_) {
      active_.push_back(energy_ / static_cast<double>(frame_len_) > threshold ? 1 : 0);
      energy_ = 0.0;
      filled_ = 0;
    }
  }
  total_ += static_cast<std::int64_t>(frames);
}

std::vector<Segment> SpeechDetector::finish() {
  if (filled_ > 0) {  // the last, partial frame counts on its own samples
    const double threshold = std::pow(10.0, options_.threshold_db / 10.0);
    active_.push_back(energy_ / static_cast<double>(filled_) > threshold ? 1 : 0);
    filled_ = 0;
    energy_ = 0.0;
  }
  const auto len = static_cast<std::int64_t>(frame_len_);
  std::vector<Segment> raw;
  for (std::size_t f = 0; f < active_.size(); ++f) {
    if (!active_[f]) continue;
    const std::int64_t start = static_cast<std::int64_t>(f) * len;
    const std::int64_t end = std::min(total_, start + len);
    if (!raw.empty() && raw.back().end == start) {
      raw.back().end = end;
    } else {
      raw.push_back({start, end});
    }
  }
  const auto pause = static_cast<std::int64_t>(std::llround(options_.min_pause * rate_));
  const auto shortest = static_cast<std::int64_t>(std::llround(options_.min_speech * rate_));
  std::vector<Segment> bridged;
  for (const Segment& s : raw) {
    if (!bridged.empty() && s.start - bridged.back().end < pause) {
      bridged.back().end = s.end;
    } else {
      bridged.push_back(s);
    }
  }
  std::vector<Segment> out;
  for (const Segment& s : bridged) {
    if (s.end - s.start >= shortest) out.push_back(s);
  }
  return out;
}

DuckEnvelope::DuckEnvelope(std::vector<Segment> speech, int sample_rate, const DuckOptions& options)
    : speech_(std::move(speech)),
      depth_db_(options.depth_db),
      lookahead_(std::llround(std::max(0.0, options.lookahead) * sample_rate)),
      release_(std::llround(std::max(0.0, options.release) * sample_rate)) {
  std::sort(speech_.begin(), speech_.end(),
            [](const Segment& a, const Segment& b) { return a.start < b.start; });
}

// How deep the duck is at `t`, 0..1, looking at segments from index `from` on (every segment
// before `from` has finished its release before `t`).
double DuckEnvelope::depth_at(std::int64_t t, std::size_t from) const {
  double depth = 0.0;
  for (std::size_t k = from; k < speech_.size(); ++k) {
    const Segment& s = speech_[k];
    if (s.start - lookahead_ > t) break;  // sorted: later ones start later still
    double d;
    if (t < s.start) {
      d = lookahead_ > 0 ? 1.0 - static_cast<double>(s.start - t) / static_cast<double>(lookahead_)
                         : 0.0;
    } else if (t < s.end) {
      d = 1.0;
    } else if (release_ > 0 && t < s.end + release_) {
      d = 1.0 - static_cast<double>(t - s.end) / static_cast<double>(release_);
    } else {
      d = 0.0;
    }
    depth = std::max(depth, d);
    if (depth >= 1.0) break;
  }
  return depth;
}

double DuckEnvelope::gain_at(std::int64_t t) const {
  return std::pow(10.0, -depth_db_ * depth_at(t, 0) / 20.0);
}

void DuckEnvelope::fill(std::int64_t first, float* gains, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t t = first + static_cast<std::int64_t>(i);
    // Segments whose release ended before t can never matter again for later t.
    while (cursor_ < speech_.size() && speech_[cursor_].end + release_ <= t) ++cursor_;
    const double d = depth_at(t, cursor_);
    gains[i] = d <= 0.0 ? 1.0f : static_cast<float>(std::pow(10.0, -depth_db_ * d / 20.0));
  }
}

double speech_seconds(const std::vector<Segment>& segments, int sample_rate) {
  std::int64_t n = 0;
  for (const Segment& s : segments) n += s.end - s.start;
  return static_cast<double>(n) / sample_rate;
}

}  // namespace mix
