// Sequential, sample-exact reading of one audio file at the mix rate, in stereo, for the
// renderer: decoded frames are kept only from a little behind the last read
// (kHistory frames), so a track of any length costs a few hundred kilobytes, yet the next
// read may start a little before the previous one ended (pads, crossfades). Reading ahead
// decodes and discards; frames before 0 or past the end of the file read as silence.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libaudio/decoder.hpp"

namespace mix {

class SourceReader {
 public:
  static constexpr std::int64_t kHistory = 16384;  // frames kept behind the last read

  // Throws audio::Error as the decoder does (missing file, not audio).
  SourceReader(const std::string& path, int sample_rate);

  // Writes frames [from, to) as interleaved stereo to out. Throws audio::Error(software)
  // when `from` lies before what the reader still holds (see can_read_from).
  void read(std::int64_t from, std::int64_t to, float* out);

  bool can_read_from(std::int64_t from) const { return (from < 0 ? 0 : from) >= begin_; }

 private:
  void decode_chunk();
  void skip_to(std::int64_t from);

  audio::Decoder dec_;
  std::vector<float> buf_;  // frames [begin_, decoded_)
  std::int64_t begin_ = 0, decoded_ = 0;
  bool eof_ = false;
};

}  // namespace mix
