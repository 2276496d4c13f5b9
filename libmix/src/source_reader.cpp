#include "libmix/source_reader.hpp"

#include <algorithm>

#include "libaudio/error.hpp"

namespace mix {

namespace {
constexpr int kChannels = 2;
constexpr std::int64_t kChunk = 16384;  // frames decoded at a time
}  // namespace

SourceReader::SourceReader(const std::string& path, int sample_rate)
    : dec_(path, audio::DecodeOptions{sample_rate, kChannels, -1, 1}) {}

void SourceReader::read(std::int64_t from, std::int64_t to, float* out) {
  if (from > decoded_) skip_to(from);
  if (!can_read_from(from))
    throw audio::Error(audio::Exit::software, "render", "source read went backwards");
  while (!eof_ && decoded_ < to) decode_chunk();
  for (std::int64_t f = from; f < to; ++f) {
    float* o = out + (f - from) * kChannels;
    if (f < 0 || f >= decoded_) {
      o[0] = o[1] = 0.0f;
    } else {
      const float* s = &buf_[static_cast<std::size_t>((f - begin_) * kChannels)];
      o[0] = s[0];
      o[1] = s[1];
    }
  }
  // Keep only the history the next read may need.
  const std::int64_t keep_from = to - kHistory;
  if (keep_from - begin_ > 4 * kHistory) {
    const std::int64_t drop = std::min(keep_from, decoded_) - begin_;
    buf_.erase(buf_.begin(), buf_.begin() + drop * kChannels);
    begin_ += drop;
  }
}

void SourceReader::decode_chunk() {
  const std::size_t old = buf_.size();
  buf_.resize(old + kChunk * kChannels);
  const std::size_t got = dec_.read(buf_.data() + old, kChunk);
  buf_.resize(old + got * kChannels);
  decoded_ += static_cast<std::int64_t>(got);
  if (got == 0) eof_ = true;
}

void SourceReader::skip_to(std::int64_t from) {
  buf_.clear();
  std::vector<float> scratch(kChunk * kChannels);
  while (!eof_ && decoded_ < from - kHistory) {
    const auto want = static_cast<std::size_t>(std::min(kChunk, from - kHistory - decoded_));
    const std::size_t got = dec_.read(scratch.data(), want);
    decoded_ += static_cast<std::int64_t>(got);
    if (got == 0) eof_ = true;
  }
  begin_ = decoded_;
}

}  // namespace mix
