// H.264 parameter sets and NAL framing, for splicing our own encoder's frames into a stream
// copied out of an MP4 (smart cut). Internal to libmix.
//
// An MP4 ("avc1") track keeps its SPS/PPS out of band, in the avcC record of its sample
// entry, and frames them as length-prefixed NAL units; libx264 writes Annex B (start codes).
// A spliced track must therefore carry the parameter sets of both encoders in one avcC, under
// ids that do not collide, and every sample in the track's NAL length framing. These helpers
// do that byte work; they only read the few header fields they need (ids, NAL types).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace mix::detail {

using Bytes = std::vector<std::uint8_t>;

// An AVCDecoderConfigurationRecord (ISO/IEC 14496-15), with the bytes after the PPS list
// (the High-profile chroma/bit-depth fields) kept verbatim.
struct AvcConfig {
  std::uint8_t profile = 0, compatibility = 0, level = 0;
  int length_size = 4;  // bytes of each NAL unit's length prefix: 1, 2 or 4
  std::vector<Bytes> sps, pps;
  Bytes trailer;
};

// nullopt when the bytes are not an avcC record (e.g. Annex B extradata) or are cut short.
std::optional<AvcConfig> parse_avcc(const std::uint8_t* data, std::size_t size);
Bytes write_avcc(const AvcConfig& config);

// The NAL units of an Annex B byte stream (start codes removed, trailing zeros kept off).
std::vector<Bytes> annexb_nals(const std::uint8_t* data, std::size_t size);

// The NAL units framed with big-endian length prefixes of `length_size` bytes.
Bytes length_prefixed(const std::vector<Bytes>& nals, int length_size);

// Whether a length-prefixed sample holds an IDR slice (NAL type 5). False when malformed.
bool has_idr_slice(const std::uint8_t* data, std::size_t size, int length_size);

// seq_parameter_set_id of an SPS NAL unit, pic_parameter_set_id of a PPS; -1 if unreadable.
int sps_id(const Bytes& nal);
int pps_id(const Bytes& nal);

// The smallest id in 0..31 that no SPS and no PPS of `config` uses, or -1.
int free_parameter_set_id(const AvcConfig& config);

}  // namespace mix::detail
