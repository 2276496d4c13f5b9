#include "libaudio/sound_writer.hpp"

#include <sndfile.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <vector>

#include "libaudio/atomic_file.hpp"
#include "libaudio/error.hpp"

namespace audio {

Container container_for_path(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".wav") return Container::wav;
  if (ext == ".flac") return Container::flac;
  throw Error(Exit::usage, path, "unknown output type '" + ext + "' (use .wav or .flac)");
}

SampleFormat parse_sample_format(const std::string& text) {
  if (text == "16") return SampleFormat::pcm16;
  if (text == "24") return SampleFormat::pcm24;
  if (text == "32f" || text == "float" || text == "32") return SampleFormat::float32;
  throw Error(Exit::usage, "--bits", "'" + text + "' is not one of 16, 24, 32f");
}

struct SoundWriter::Impl {
  struct SfClose {
    void operator()(SNDFILE* f) const { sf_close(f); }
  };
  bool to_stdout = false;  // a streamed WAV on stdout (no file, no libsndfile)
  std::vector<float> snapped;
  std::vector<std::uint8_t> bytes;
  std::unique_ptr<AtomicFile> file;
  std::unique_ptr<SNDFILE, SfClose> sf;
  std::size_t frames = 0;
  SampleFormat format = SampleFormat::pcm16;
  int channels = 0;
  std::vector<int> ints;  // quantised samples, left-justified in 32 bits
};

namespace {
// Quantises float samples ourselves rather than through libsndfile, whose WAV and FLAC paths
// round differently: the same samples must give the same PCM in either container. The
// convention is FFmpeg's and SoX's: scale by 2^(bits-1), round to nearest, clip.
void quantise(const float* in, std::size_t n, int bits, std::vector<int>& out) {
  out.resize(n);
  const double scale = std::ldexp(1.0, bits - 1);
  const double lo = -scale, hi = scale - 1;
  const int shift = 32 - bits;
  for (std::size_t i = 0; i < n; ++i) {
    double v = std::nearbyint(static_cast<double>(in[i]) * scale);
    v = v < lo ? lo : (v > hi ? hi : v);
    if (std::isnan(v)) v = 0;
    out[i] = static_cast<int>(static_cast<unsigned>(static_cast<int>(v)) << shift);
  }
}
}  // namespace

void snap_to_format(float* samples, std::size_t n, SampleFormat format) {
  if (format == SampleFormat::float32) return;
  const int bits = format == SampleFormat::pcm16 ? 16 : 24;
  // The same rounding and clipping as quantise(), expressed back in floats (exact: a 16- or
  // 24-bit step is a power of two that a float holds). Adding and subtracting 1.5 * 2^52
  // rounds a double to the nearest integer, ties to even, exactly as nearbyint() does in the
  // default rounding mode, but in a loop the compiler vectorises.
  constexpr double kRound = 6755399441055744.0;
  const double scale = std::ldexp(1.0, bits - 1);
  const double lo = -scale, hi = scale - 1, step = 1.0 / scale;
  for (std::size_t i = 0; i < n; ++i) {
    double v = static_cast<double>(samples[i]) * scale;
    v = (v + kRound) - kRound;
    v = v < lo ? lo : (v > hi ? hi : v);
    v = v == v ? v : 0.0;  // NaN is stored as 0
    samples[i] = static_cast<float>(v * step);
  }
}

namespace {

void put_le(std::vector<std::uint8_t>& b, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void write_stdout(const std::vector<std::uint8_t>& data) {
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  while (n > 0) {
    const ssize_t w = ::write(STDOUT_FILENO, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw Error(Exit::io, "stdout", "write failed: " + errno_text(errno));
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

int bytes_of(SampleFormat format) {
  return format == SampleFormat::pcm16 ? 2 : format == SampleFormat::pcm24 ? 3 : 4;
}

// A WAV header for a stream of unknown length: the RIFF and data sizes are 0xFFFFFFFF, as
// FFmpeg writes on a pipe; FFmpeg, SoX and libsndfile read such a stream to its end.
std::vector<std::uint8_t> stream_wav_header(int rate, int channels, SampleFormat format) {
  const int bytes = bytes_of(format);
  std::vector<std::uint8_t> h;
  h.insert(h.end(), {'R', 'I', 'F', 'F'});
  put_le(h, 0xFFFFFFFFu, 4);
  h.insert(h.end(), {'W', 'A', 'V', 'E', 'f', 'm', 't', ' '});
  put_le(h, 16, 4);
  put_le(h, format == SampleFormat::float32 ? 3 : 1, 2);
  put_le(h, static_cast<std::uint32_t>(channels), 2);
  put_le(h, static_cast<std::uint32_t>(rate), 4);
  put_le(h, static_cast<std::uint32_t>(rate * channels * bytes), 4);
  put_le(h, static_cast<std::uint32_t>(channels * bytes), 2);
  put_le(h, static_cast<std::uint32_t>(bytes * 8), 2);
  h.insert(h.end(), {'d', 'a', 't', 'a'});
  put_le(h, 0xFFFFFFFFu, 4);
  return h;
}

}  // namespace

SoundWriter::SoundWriter(const std::string& path, int sample_rate, int channels,
                         SampleFormat format, Container container)
    : impl_(std::make_unique<Impl>()) {
  if (container == Container::flac && format == SampleFormat::float32) {
    throw Error(Exit::usage, path, "FLAC cannot hold float samples (use --bits 16 or 24)");
  }
  if (sample_rate <= 0 || channels <= 0) {
    throw Error(Exit::usage, path, "invalid sample rate or channel count");
  }
  impl_->format = format;
  impl_->channels = channels;
  if (path == "-") {
    if (container != Container::wav) throw Error(Exit::usage, path, "only WAV goes to stdout");
    impl_->to_stdout = true;
    write_stdout(stream_wav_header(sample_rate, channels, format));
    return;
  }
  SF_INFO sfi{};
  sfi.samplerate = sample_rate;
  sfi.channels = channels;
  sfi.format = container == Container::wav ? SF_FORMAT_WAV : SF_FORMAT_FLAC;
  switch (format) {
    case SampleFormat::pcm16:
      sfi.format |= SF_FORMAT_PCM_16;
      break;
    case SampleFormat::pcm24:
      sfi.format |= SF_FORMAT_PCM_24;
      break;
    case SampleFormat::float32:
      sfi.format |= SF_FORMAT_FLOAT;
      break;
  }
  if (!sf_format_check(&sfi)) throw Error(Exit::usage, path, "unsupported output format");
  impl_->file = std::make_unique<AtomicFile>(path);
  SNDFILE* raw = sf_open_fd(impl_->file->fd(), SFM_WRITE, &sfi, SF_FALSE);
  if (!raw)
    throw Error(Exit::cant_create, path, std::string("cannot write: ") + sf_strerror(nullptr));
  impl_->sf.reset(raw);
}

SoundWriter::~SoundWriter() = default;

void SoundWriter::write(const float* interleaved, std::size_t frames) {
  if (impl_->to_stdout) {
    // The same samples a file would hold: snapped to the format, then little-endian.
    const std::size_t n = frames * static_cast<std::size_t>(impl_->channels);
    impl_->snapped.assign(interleaved, interleaved + n);
    snap_to_format(impl_->snapped.data(), n, impl_->format);
    impl_->bytes.clear();
    const int bytes = bytes_of(impl_->format);
    const double scale = bytes == 2 ? 32768.0 : 8388608.0;
    for (float v : impl_->snapped) {
      std::uint32_t word;
      if (impl_->format == SampleFormat::float32) {
        std::memcpy(&word, &v, 4);
      } else {
        word = static_cast<std::uint32_t>(static_cast<std::int32_t>(std::lrint(v * scale)));
      }
      put_le(impl_->bytes, word, bytes);
    }
    write_stdout(impl_->bytes);
    impl_->frames += frames;
    return;
  }
  if (!impl_->sf) throw Error(Exit::software, impl_->file->target(), "write after commit");
  sf_count_t n;
  if (impl_->format == SampleFormat::float32) {
    n = sf_writef_float(impl_->sf.get(), interleaved, static_cast<sf_count_t>(frames));
  } else {
    quantise(interleaved, frames * static_cast<std::size_t>(impl_->channels),
             impl_->format == SampleFormat::pcm16 ? 16 : 24, impl_->ints);
    n = sf_writef_int(impl_->sf.get(), impl_->ints.data(), static_cast<sf_count_t>(frames));
  }
  if (n != static_cast<sf_count_t>(frames)) {
    throw Error(Exit::io, impl_->file->target(),
                std::string("write failed: ") + sf_strerror(impl_->sf.get()));
  }
  impl_->frames += frames;
}

void SoundWriter::commit() {
  if (impl_->to_stdout) return;  // every byte is out already
  if (impl_->sf) {
    int rc = sf_close(impl_->sf.release());
    if (rc != 0) throw Error(Exit::io, impl_->file->target(), "write failed while closing");
  }
  impl_->file->commit();
}

std::size_t SoundWriter::frames_written() const {
  return impl_->frames;
}

}  // namespace audio
