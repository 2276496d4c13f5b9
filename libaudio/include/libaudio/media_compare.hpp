// Comparing video containers (MP4, MOV, MKV, WebM, ...) for golden tests by stream layout
// and packet checksums, without decoding.
//
// The layout is the container format and, per stream, its type, codec, picture size, sample
// rate, channel count, language and whether it is cover art; it must match exactly. Each
// stream's packets are then checksummed in order, payload and timing (pts, dts, duration,
// key-frame flag) separately, so a re-muxed file with identical streams passes however its
// container bytes (encoder tags, atom order) differ, and the report can say whether the
// data or only the timing moved and at which packet. With packets=false only the layout is
// compared (for an encoder whose exact output may change between library versions).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace audio {

struct StreamLayout {
  int index = 0;
  std::string type;  // "video", "audio", "subtitle", "data", "attachment"
  std::string codec;
  int width = 0, height = 0;          // video
  int sample_rate = 0, channels = 0;  // audio
  std::string language;               // from the stream's metadata, may be empty
  bool cover_art = false;
  // Per packet, in order: 64-bit prefixes of SHA-256 over the payload and over the timing.
  std::vector<std::uint64_t> data, timing;
  double duration = 0.0;  // seconds covered by the packets (last end - first start)

  std::string describe() const;  // "video h264 640x360", "audio aac 48000 Hz 2 ch [eng]"
};

struct MediaLayout {
  std::string container;  // FFmpeg demuxer name
  std::vector<StreamLayout> streams;
};

// Throws Error(no_input) for a missing/unreadable file and Error(data) for one FFmpeg
// cannot demux.
MediaLayout read_media_layout(const std::string& path);

struct MediaComparison {
  MediaLayout expected, actual;
  std::vector<std::string> regressions;  // in words; empty when they match
  bool regression() const { return !regressions.empty(); }
};

MediaComparison compare_media(const std::string& expected_path, const std::string& actual_path,
                              bool packets = true);

}  // namespace audio
