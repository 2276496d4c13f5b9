#include "libmix/mp3_writer.hpp"

#include <lame/lame.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <optional>
#include <vector>

#include "fd_io.hpp"
#include "libaudio/atomic_file.hpp"
#include "libaudio/error.hpp"

namespace mix {
namespace {

using audio::Error;
using audio::Exit;

struct LameClose {
  void operator()(lame_global_flags* gf) const { lame_close(gf); }
};
using LamePtr = std::unique_ptr<lame_global_flags, LameClose>;

// LAME prints its complaints to stderr by default; errors reach the caller as exceptions.
void lame_quiet(const char*, va_list) {}

// Frames per LAME call: large enough that per-call overhead vanishes, small enough that the
// clip buffer and the MP3 buffer stay in cache.
constexpr std::size_t kChunkFrames = 8192;
// Encoded bytes are gathered and written in blocks of about this size.
constexpr std::size_t kOutBlock = 1 << 20;

// ---- ID3v2.3 -------------------------------------------------------------------------

bool is_ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// UTF-8 to UTF-16LE; malformed sequences become U+FFFD.
std::vector<unsigned char> utf16le(const std::string& s) {
  std::vector<unsigned char> out;
  auto put = [&](unsigned unit) {
    out.push_back(static_cast<unsigned char>(unit & 0xFF));
    out.push_back(static_cast<unsigned char>(unit >> 8));
  };
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    unsigned c = p[i];
    unsigned cp = 0xFFFD;
    std::size_t len = 1;
    unsigned min = 0;
    if (c < 0x80) {
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      len = 0;  // stray continuation or invalid lead byte
    }
    if (len > 1) {
      bool ok = i + len <= n;
      for (std::size_t k = 1; ok && k < len; ++k) {
        ok = (p[i + k] & 0xC0) == 0x80;
        cp = (cp << 6) | (p[i + k] & 0x3F);
      }
      if (!ok || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD, len = 1;
    } else if (len == 0) {
      cp = 0xFFFD, len = 1;
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(0xD800 | (cp >> 10));
      put(0xDC00 | (cp & 0x3FF));
    } else {
      put(cp);
    }
  }
  return out;
}

void put_be32(std::vector<unsigned char>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<unsigned char>(v >> shift));
}

// Encoding byte + text, as ID3v2.3 wants it: ISO-8859-1 for ASCII, else UTF-16 with BOM.
// `terminated` appends the encoding's NUL (for the description field of COMM).
void put_string(std::vector<unsigned char>& out, const std::string& s, bool unicode,
                bool terminated) {
  if (!unicode) {
    out.insert(out.end(), s.begin(), s.end());
    if (terminated) out.push_back(0);
    return;
  }
  out.push_back(0xFF);
  out.push_back(0xFE);
  const auto units = utf16le(s);
  out.insert(out.end(), units.begin(), units.end());
  if (terminated) out.insert(out.end(), {0, 0});
}

void put_frame(std::vector<unsigned char>& tag, const char* id,
               const std::vector<unsigned char>& body) {
  tag.insert(tag.end(), id, id + 4);
  put_be32(tag, static_cast<std::uint32_t>(body.size()));
  tag.insert(tag.end(), {0, 0});  // flags
  tag.insert(tag.end(), body.begin(), body.end());
}

void put_text_frame(std::vector<unsigned char>& tag, const char* id, const std::string& text) {
  if (text.empty()) return;
  const bool unicode = !is_ascii(text);
  std::vector<unsigned char> body{static_cast<unsigned char>(unicode ? 1 : 0)};
  put_string(body, text, unicode, false);
  put_frame(tag, id, body);
}

std::vector<unsigned char> id3v2_tag(const Id3Tags& tags) {
  std::vector<unsigned char> frames;
  put_text_frame(frames, "TIT2", tags.title);
  put_text_frame(frames, "TPE1", tags.artist);
  put_text_frame(frames, "TALB", tags.album);
  put_text_frame(frames, "TYER", tags.year);
  if (!tags.comment.empty()) {
    const bool unicode = !is_ascii(tags.comment);
    std::vector<unsigned char> body{static_cast<unsigned char>(unicode ? 1 : 0), 'e', 'n', 'g'};
    put_string(body, "", unicode, true);  // empty short description
    put_string(body, tags.comment, unicode, false);
    put_frame(frames, "COMM", body);
  }
  // The encoder, so that the tag is never empty (a tag needs at least one frame).
  put_text_frame(frames, "TSSE", std::string("LAME ") + get_lame_short_version());

  if (frames.size() >= (1u << 28)) {
    throw Error(Exit::usage, "ID3", "tags too long for an ID3v2 tag");
  }
  std::vector<unsigned char> tag{'I', 'D', '3', 3, 0, 0};
  const auto size = static_cast<std::uint32_t>(frames.size());
  for (int shift = 21; shift >= 0; shift -= 7) tag.push_back((size >> shift) & 0x7F);  // syncsafe
  tag.insert(tag.end(), frames.begin(), frames.end());
  return tag;
}

LamePtr make_encoder(const Mp3Options& o, bool info_frame) {
  auto bad = [](const std::string& what) { return Error(Exit::usage, "MP3", what); };
  if (o.channels != 1 && o.channels != 2) {
    throw bad("channels must be 1 or 2 (got " + std::to_string(o.channels) + ")");
  }
  if (o.quality < 0 || o.quality > 9) {
    throw bad("quality must be 0..9 (got " + std::to_string(o.quality) + ")");
  }
  if (o.sample_rate <= 0 || o.bitrate_kbps <= 0) throw bad("sample rate and bitrate must be > 0");
  LamePtr gf(lame_init());
  if (!gf) throw Error(Exit::software, "MP3", "cannot initialise LAME (out of memory)");
  lame_set_errorf(gf.get(), lame_quiet);
  lame_set_debugf(gf.get(), lame_quiet);
  lame_set_msgf(gf.get(), lame_quiet);
  lame_set_in_samplerate(gf.get(), o.sample_rate);
  lame_set_out_samplerate(gf.get(), o.sample_rate);
  lame_set_num_channels(gf.get(), o.channels);
  if (o.channels == 1) lame_set_mode(gf.get(), MONO);
  lame_set_VBR(gf.get(), vbr_off);
  lame_set_brate(gf.get(), o.bitrate_kbps);
  lame_set_quality(gf.get(), o.quality);
  lame_set_bWriteVbrTag(gf.get(), info_frame ? 1 : 0);
  lame_set_write_id3tag_automatic(gf.get(), 0);  // we write our own tag (UTF-16 capable)
  if (lame_init_params(gf.get()) < 0) {
    throw bad("LAME rejects " + std::to_string(o.bitrate_kbps) + " kbps at " +
              std::to_string(o.sample_rate) + " Hz");
  }
  // LAME quietly picks the nearest valid bitrate or rate; we want exactly what was asked.
  if (lame_get_out_samplerate(gf.get()) != o.sample_rate) {
    throw bad("MP3 cannot have a sample rate of " + std::to_string(o.sample_rate) + " Hz");
  }
  if (lame_get_brate(gf.get()) != o.bitrate_kbps) {
    throw bad(std::to_string(o.bitrate_kbps) + " kbps is not an MPEG bitrate at " +
              std::to_string(o.sample_rate) + " Hz");
  }
  return gf;
}

}  // namespace

struct Mp3Writer::Impl {
  std::string path;
  int channels = 2;
  LamePtr lame;
  std::optional<audio::AtomicFile> file;  // absent for stdout
  int fd = -1;
  std::size_t info_offset = 0;  // where LAME's placeholder frame sits (after the ID3 tag)
  std::vector<float> clip;
  std::vector<unsigned char> mp3;
  std::vector<unsigned char> out;  // encoded bytes not yet written
  std::int64_t frames = 0;
  std::int64_t clipped = 0;
  bool committed = false;

  void emit(int n) {
    if (n < 0)
      throw Error(Exit::software, path, "LAME encoding failed (code " + std::to_string(n) + ")");
    out.insert(out.end(), mp3.begin(), mp3.begin() + n);
    if (out.size() >= kOutBlock) drain();
  }
  void drain() {
    detail::write_all(fd, out.data(), out.size(), path);
    out.clear();
  }
};

Mp3Writer::Mp3Writer(const std::string& path, const Mp3Options& options)
    : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.path = path;
  m.channels = options.channels;
  const bool to_stdout = path == "-";
  m.lame = make_encoder(options, !to_stdout);
  const auto tag = id3v2_tag(options.tags);
  if (to_stdout) {
    m.fd = STDOUT_FILENO;
  } else {
    m.file.emplace(path);
    m.fd = m.file->fd();
  }
  m.clip.resize(kChunkFrames * static_cast<std::size_t>(m.channels));
  // LAME's documented worst case: 1.25 * samples + 7200.
  m.mp3.resize(kChunkFrames * 5 / 4 + 7200);
  m.out.reserve(kOutBlock + m.mp3.size());
  m.out.assign(tag.begin(), tag.end());
  m.info_offset = tag.size();
}

Mp3Writer::~Mp3Writer() = default;  // the AtomicFile removes an uncommitted temporary

void Mp3Writer::write(const float* interleaved, std::size_t frames) {
  auto& m = *impl_;
  if (m.committed) throw Error(Exit::software, m.path, "write after commit");
  const auto ch = static_cast<std::size_t>(m.channels);
  while (frames > 0) {
    const std::size_t n = std::min(frames, kChunkFrames);
    const std::size_t samples = n * ch;
    std::int64_t clipped = 0;
    for (std::size_t i = 0; i < samples; ++i) {
      float x = interleaved[i];
      if (x > 1.0f) {
        x = 1.0f, ++clipped;
      } else if (x < -1.0f) {
        x = -1.0f, ++clipped;
      } else if (std::isnan(x)) {
        x = 0.0f, ++clipped;
      }
      m.clip[i] = x;
    }
    m.clipped += clipped;
    const int bytes = ch == 2 ? lame_encode_buffer_interleaved_ieee_float(
                                    m.lame.get(), m.clip.data(), static_cast<int>(n), m.mp3.data(),
                                    static_cast<int>(m.mp3.size()))
                              : lame_encode_buffer_ieee_float(m.lame.get(), m.clip.data(), nullptr,
                                                              static_cast<int>(n), m.mp3.data(),
                                                              static_cast<int>(m.mp3.size()));
    m.emit(bytes);
    m.frames += static_cast<std::int64_t>(n);
    interleaved += samples;
    frames -= n;
  }
}

void Mp3Writer::commit() {
  auto& m = *impl_;
  if (m.committed) throw Error(Exit::software, m.path, "committed twice");
  m.emit(lame_encode_flush(m.lame.get(), m.mp3.data(), static_cast<int>(m.mp3.size())));
  m.drain();
  if (m.file) {
    // The placeholder LAME emitted first becomes the Info frame: delay, padding, frame count.
    std::vector<unsigned char> info(m.mp3.size());
    const std::size_t n = lame_get_lametag_frame(m.lame.get(), info.data(), info.size());
    if (n == 0 || n > info.size()) {
      throw Error(Exit::software, m.path, "LAME did not produce its Info frame");
    }
    detail::pwrite_all(m.fd, info.data(), n, static_cast<off_t>(m.info_offset), m.path);
    m.file->commit();
  }
  m.committed = true;
}

std::int64_t Mp3Writer::frames_written() const {
  return impl_->frames;
}
std::int64_t Mp3Writer::clipped_samples() const {
  return impl_->clipped;
}

}  // namespace mix
