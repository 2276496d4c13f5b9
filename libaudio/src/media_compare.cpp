#include "libaudio/media_compare.hpp"

#include <cstdio>
#include <cstring>

#include "libaudio/error.hpp"
#include "libaudio/ffmpeg_util.hpp"
#include "libaudio/sha256.hpp"

namespace audio {
namespace {

// Packet timing is kept in the stream's own time base, so comparison is exact; it is
// converted to seconds only for the report.
struct Timing {
  std::int64_t pts, dts, duration;
  bool key;
};

std::uint64_t prefix64(const std::array<std::uint8_t, 32>& digest) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[static_cast<std::size_t>(i)];
  return v;
}

std::uint64_t digest64(const void* data, std::size_t size) {
  Sha256 sha;
  sha.update(data, size);
  return prefix64(sha.digest());
}

std::uint64_t timing64(const Timing& t) {
  std::uint8_t buf[25];
  std::memcpy(buf, &t.pts, 8);
  std::memcpy(buf + 8, &t.dts, 8);
  std::memcpy(buf + 16, &t.duration, 8);
  buf[24] = t.key ? 1 : 0;
  return digest64(buf, sizeof buf);
}

const char* type_name(AVMediaType t) {
  switch (t) {
    case AVMEDIA_TYPE_VIDEO:
      return "video";
    case AVMEDIA_TYPE_AUDIO:
      return "audio";
    case AVMEDIA_TYPE_SUBTITLE:
      return "subtitle";
    case AVMEDIA_TYPE_ATTACHMENT:
      return "attachment";
    default:
      return "data";
  }
}

// The first index where two sequences differ, or -1; a longer sequence differs at the
// shorter one's length.
long first_difference(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<long>(i);
  }
  return a.size() == b.size() ? -1 : static_cast<long>(n);
}

}  // namespace

std::string StreamLayout::describe() const {
  // Built with append(): GCC 12 warns falsely (-Wrestrict) on "literal" + std::string here.
  std::string s = type;
  s.append(" ").append(codec);
  if (type == "video") {
    s.append(" ").append(std::to_string(width)).append("x").append(std::to_string(height));
  }
  if (type == "audio") {
    s.append(" ").append(std::to_string(sample_rate)).append(" Hz ");
    s.append(std::to_string(channels)).append(" ch");
  }
  if (!language.empty()) s.append(" [").append(language).append("]");
  if (cover_art) s.append(" (cover art)");
  return s;
}

MediaLayout read_media_layout(const std::string& path) {
  ff::FormatPtr fmt = ff::open_input(path);
  MediaLayout m;
  m.container = fmt->iformat ? fmt->iformat->name : "";
  std::vector<AVRational> time_bases;
  std::vector<std::int64_t> first(fmt->nb_streams, AV_NOPTS_VALUE), last(fmt->nb_streams, 0);
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVStream* st = fmt->streams[i];
    const AVCodecParameters* par = st->codecpar;
    StreamLayout s;
    s.index = static_cast<int>(i);
    s.type = type_name(par->codec_type);
    s.codec = avcodec_get_name(par->codec_id);
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
      s.width = par->width;
      s.height = par->height;
    }
    if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
      s.sample_rate = par->sample_rate;
      s.channels = par->ch_layout.nb_channels;
    }
    if (const AVDictionaryEntry* e = av_dict_get(st->metadata, "language", nullptr, 0)) {
      if (std::strcmp(e->value, "und") != 0) s.language = e->value;
    }
    s.cover_art = (st->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;
    m.streams.push_back(std::move(s));
    time_bases.push_back(st->time_base);
  }
  ff::PacketPtr pkt(av_packet_alloc());
  if (!pkt) throw std::bad_alloc();
  for (;;) {
    const int rc = av_read_frame(fmt.get(), pkt.get());
    if (rc == AVERROR_EOF) break;
    if (rc < 0) throw Error(Exit::data, path, "cannot read packets (" + ff::error_text(rc) + ")");
    const auto idx = static_cast<std::size_t>(pkt->stream_index);
    if (idx < m.streams.size()) {
      StreamLayout& s = m.streams[idx];
      s.data.push_back(digest64(pkt->data, static_cast<std::size_t>(pkt->size)));
      const Timing t{pkt->pts, pkt->dts, pkt->duration, (pkt->flags & AV_PKT_FLAG_KEY) != 0};
      s.timing.push_back(timing64(t));
      const std::int64_t start = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
      if (start != AV_NOPTS_VALUE) {
        if (first[idx] == AV_NOPTS_VALUE || start < first[idx]) first[idx] = start;
        last[idx] = std::max(last[idx], start + pkt->duration);
      }
    }
    av_packet_unref(pkt.get());
  }
  for (std::size_t i = 0; i < m.streams.size(); ++i) {
    if (first[i] != AV_NOPTS_VALUE) {
      m.streams[i].duration = static_cast<double>(last[i] - first[i]) * av_q2d(time_bases[i]);
    }
  }
  return m;
}

MediaComparison compare_media(const std::string& expected_path, const std::string& actual_path,
                              bool packets) {
  MediaComparison c;
  c.expected = read_media_layout(expected_path);
  c.actual = read_media_layout(actual_path);
  auto& why = c.regressions;
  if (c.expected.container != c.actual.container) {
    why.push_back("container differs: expected " + c.expected.container + ", actual " +
                  c.actual.container);
  }
  const auto& es = c.expected.streams;
  const auto& as = c.actual.streams;
  if (es.size() != as.size()) {
    why.push_back("stream count differs: expected " + std::to_string(es.size()) + ", actual " +
                  std::to_string(as.size()));
  }
  for (std::size_t i = 0; i < std::min(es.size(), as.size()); ++i) {
    const StreamLayout& e = es[i];
    const StreamLayout& a = as[i];
    const std::string name = "stream " + std::to_string(i) + " (" + e.describe() + ")";
    if (e.describe() != a.describe()) {
      why.push_back("stream " + std::to_string(i) + ": expected " + e.describe() + ", actual " +
                    a.describe());
      continue;
    }
    if (!packets) continue;
    if (e.data.size() != a.data.size()) {
      why.push_back(name + ": " + std::to_string(a.data.size()) + " packets, expected " +
                    std::to_string(e.data.size()));
    }
    const long data_at = first_difference(e.data, a.data);
    const long timing_at = first_difference(e.timing, a.timing);
    const long common = static_cast<long>(std::min(e.data.size(), a.data.size()));
    if (data_at >= 0 && data_at < common) {
      why.push_back(name + ": packet data differs from packet " + std::to_string(data_at));
    }
    if (timing_at >= 0 && timing_at < common) {
      why.push_back(name + ": packet timing differs from packet " + std::to_string(timing_at));
    }
  }
  return c;
}

}  // namespace audio
