// A SHA-256 of what a file sounds like rather than how it is stored: it stays the same when
// only the tags or the container change.
//
// Rule "pcm" (lossless codecs: PCM, FLAC, ALAC, ...): SHA-256 over the ASCII header
// "wf-content-pcm/1 rate=R channels=C\n" followed by the decoded samples at the native rate
// and channel count, interleaved, as IEEE float32 little-endian. Integer PCM of up to 24
// bits converts to float32 exactly (a 24-bit value fits the 24-bit significand), so the
// same samples give the same hash whether they sit in WAV or FLAC, at 16 or 24 bits.
// 32-bit integer and 64-bit float PCM are hashed after rounding to float32.
//
// Rule "packets" (lossy codecs: MP3, AAC, Vorbis, Opus, ...): SHA-256 over the ASCII header
// "wf-content-packets/1 codec=NAME\n" followed by each compressed audio packet as a
// 32-bit little-endian length and its bytes. Decoders differ in their last bits; the
// frames do not. Not hashed, because a tagger or remuxer rewrites them: ID3v1/ID3v2/APE
// tags and other non-frame data between MPEG audio frames, the Xing/Info/VBRI header frame
// (FFmpeg's demuxer usually drops it; it is skipped here too when it is not), Vorbis/Opus
// comment headers (codec extradata, never packets), and ADTS headers in front of AAC
// frames (so raw .aac and the same frames in .m4a agree).
#pragma once

#include <cstdint>
#include <string>

#include "libaudio/decoder.hpp"

namespace audio {

struct ContentHash {
  std::string sha256;       // lower-case hex
  std::string rule;         // "pcm" or "packets"
  std::uint64_t units = 0;  // sample frames (pcm) or packets (packets) hashed
};

// Chooses the rule from the codec (AudioInfo::lossless) and hashes the file ("-" is not
// supported: the caller spools stdin to a file). Throws Error(no_input / data / io).
ContentHash content_hash(const std::string& path);

// The two rules on their own (the decoder must deliver native rate and channels).
ContentHash content_hash_pcm(Decoder& decoder);
ContentHash content_hash_packets(PacketReader& reader);

}  // namespace audio
