#include "libaudio/content_hash.hpp"

#include <bit>
#include <cstring>
#include <vector>

#include "libaudio/error.hpp"
#include "libaudio/sha256.hpp"

namespace audio {
namespace {

bool is_mpeg_audio(const std::string& codec) {
  return codec == "mp3" || codec == "mp2" || codec == "mp1";
}

// A plausible MPEG audio frame header: sync, and no reserved version, layer, bitrate or
// sample-rate index. Tags and junk between frames fail this.
bool mpeg_header_ok(const std::uint8_t* p, std::size_t n) {
  if (n < 4) return false;
  if (p[0] != 0xFF || (p[1] & 0xE0) != 0xE0) return false;
  const int version = (p[1] >> 3) & 3, layer = (p[1] >> 1) & 3;
  const int bitrate = p[2] >> 4, rate = (p[2] >> 2) & 3;
  return version != 1 && layer != 0 && bitrate != 15 && rate != 3;
}

// The Xing/Info (LAME) or VBRI header frame: a silent frame that carries encoder data and,
// after a remux, whatever the muxer wrote. It sits where the side information ends.
bool is_vbr_header_frame(const std::uint8_t* p, std::size_t n) {
  const bool mpeg1 = ((p[1] >> 3) & 3) == 3;
  const bool mono = (p[3] >> 6) == 3;
  const bool crc = (p[1] & 1) == 0;
  const std::size_t side = mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17);
  const std::size_t xing = 4 + (crc ? 2 : 0) + side;
  auto tag_at = [&](std::size_t off, const char* tag) {
    return off + 4 <= n && std::memcmp(p + off, tag, 4) == 0;
  };
  return tag_at(xing, "Xing") || tag_at(xing, "Info") || tag_at(4 + 32, "VBRI");
}

// Length of an ADTS header at the start of an AAC packet (0 when there is none).
std::size_t adts_header_size(const std::uint8_t* p, std::size_t n) {
  if (n < 7 || p[0] != 0xFF || (p[1] & 0xF6) != 0xF0) return 0;
  const std::size_t size = (p[1] & 1) ? 7 : 9;  // protection_absent, else a CRC follows
  return size <= n ? size : 0;
}

void put_u32le(Sha256& sha, std::uint32_t v) {
  const std::uint8_t b[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                             static_cast<std::uint8_t>(v >> 16),
                             static_cast<std::uint8_t>(v >> 24)};
  sha.update(b, 4);
}

}  // namespace

ContentHash content_hash_pcm(Decoder& decoder) {
  const AudioInfo& info = decoder.info();
  if (decoder.sample_rate() != info.sample_rate || decoder.channels() != info.channels) {
    throw Error(Exit::software, info.path, "content hash needs native rate and channels");
  }
  Sha256 sha;
  const std::string header = "wf-content-pcm/1 rate=" + std::to_string(info.sample_rate) +
                             " channels=" + std::to_string(info.channels) + "\n";
  sha.update(header.data(), header.size());
  const std::size_t chunk = 16384;
  const auto ch = static_cast<std::size_t>(info.channels);
  std::vector<float> buf(chunk * ch);
  std::vector<std::uint32_t> le(std::endian::native == std::endian::little ? 0 : buf.size());
  ContentHash out;
  out.rule = "pcm";
  while (std::size_t n = decoder.read(buf.data(), chunk)) {
    const std::size_t count = n * ch;
    if constexpr (std::endian::native == std::endian::little) {
      sha.update(buf.data(), count * sizeof(float));
    } else {
      for (std::size_t i = 0; i < count; ++i) {
        const auto v = std::bit_cast<std::uint32_t>(buf[i]);
        le[i] = (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
      }
      sha.update(le.data(), count * sizeof(std::uint32_t));
    }
    out.units += n;
  }
  out.sha256 = sha.hex_digest();
  return out;
}

ContentHash content_hash_packets(PacketReader& reader) {
  const AudioInfo& info = reader.info();
  Sha256 sha;
  const std::string header = "wf-content-packets/1 codec=" + info.codec + "\n";
  sha.update(header.data(), header.size());
  const bool mpeg = is_mpeg_audio(info.codec);
  const bool aac = info.codec == "aac";
  ContentHash out;
  out.rule = "packets";
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  while (reader.next(data, size)) {
    if (mpeg && (!mpeg_header_ok(data, size) || is_vbr_header_frame(data, size))) continue;
    if (aac) {
      const std::size_t skip = adts_header_size(data, size);
      data += skip;
      size -= skip;
    }
    if (size == 0) continue;
    put_u32le(sha, static_cast<std::uint32_t>(size));
    sha.update(data, size);
    ++out.units;
  }
  if (out.units == 0) throw Error(Exit::data, info.path, "no audio packets");
  out.sha256 = sha.hex_digest();
  return out;
}

ContentHash content_hash(const std::string& path) {
  if (path == "-") throw Error(Exit::software, path, "content hash of stdin needs a file");
  const AudioInfo info = probe_audio(path);
  if (info.lossless) {
    Decoder decoder(path);
    return content_hash_pcm(decoder);
  }
  PacketReader reader(path);
  return content_hash_packets(reader);
}

}  // namespace audio
