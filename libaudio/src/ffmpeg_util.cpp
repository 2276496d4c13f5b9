#include "libaudio/ffmpeg_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

#include "libaudio/error.hpp"
#include "libaudio/input_file.hpp"

namespace audio::ff {

std::string error_text(int averror) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(averror, buf, sizeof buf);
  std::string s = buf;
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

void init_logging() {
  static std::once_flag once;
  std::call_once(
      once, [] { av_log_set_level(std::getenv("DJB_FFMPEG_LOG") ? AV_LOG_INFO : AV_LOG_QUIET); });
}

bool looks_like_media(const char* data, std::size_t size) {
  init_logging();
  std::vector<unsigned char> buf(size + AVPROBE_PADDING_SIZE, 0);  // the probe reads past the end
  std::memcpy(buf.data(), data, size);
  AVProbeData pd{};
  pd.filename = "";
  pd.buf = buf.data();
  pd.buf_size = static_cast<int>(size);
  int score = 0;
  return av_probe_input_format2(&pd, 1, &score) != nullptr;
}

namespace {
constexpr int kMaxSampleRate = 768000, kMaxChannels = 64;
}  // namespace

std::string pipe_error_text(int averror) {
  return "not media that can be read from a pipe (an MP4 or MOV with its index at the end "
         "needs seeking: give the file's path) (" +
         error_text(averror) + ")";
}

namespace {

// A pipe or FIFO read through our own AVIO reader, so the bytes that went by can be checked
// afterwards: FFmpeg gives a WAV on a pipe no length, so only its RIFF header, kept here, and
// the count of bytes that followed can tell a cut stream from a short one.
struct PipeInput {
  static constexpr std::size_t kHeadBytes = 64 * 1024, kBufferBytes = 32 * 1024;
  int fd = -1;
  bool owns_fd = false;
  AVIOContext* avio = nullptr;
  std::int64_t total = 0;
  bool at_eof = false;
  std::vector<unsigned char> head;

  PipeInput(int fd_, bool owns) : fd(fd_), owns_fd(owns) {}
  PipeInput(const PipeInput&) = delete;
  PipeInput& operator=(const PipeInput&) = delete;
  ~PipeInput() {
    if (avio) {
      av_freep(&avio->buffer);
      avio_context_free(&avio);
    }
    if (owns_fd) ::close(fd);
  }

  static int read(void* opaque, std::uint8_t* buf, int size) {
    auto* self = static_cast<PipeInput*>(opaque);
    for (;;) {
      const ssize_t n = ::read(self->fd, buf, static_cast<std::size_t>(size));
      if (n > 0) {
        const std::size_t keep = std::min(static_cast<std::size_t>(n),
                                          kHeadBytes - std::min(self->head.size(), kHeadBytes));
        self->head.insert(self->head.end(), buf, buf + keep);
        self->total += n;
        return static_cast<int>(n);
      }
      if (n == 0) {
        self->at_eof = true;
        return AVERROR_EOF;
      }
      if (errno != EINTR) return AVERROR(errno);
    }
  }
};

// Where a RIFF/WAVE stream's data chunk starts and how long it claims to be; nullopt when the
// bytes are no WAV, the chunk is not within `limit`, or its length is "unknown" (0 or
// 0xFFFFFFFF, as streamed WAVs write). `read_at(pos, out, n)` fills `out` or returns false.
struct WavData {
  std::int64_t offset = 0, size = 0;
};
template <class ReadAt>
std::optional<WavData> find_wav_data(ReadAt read_at, std::int64_t limit) {
  unsigned char hdr[12];
  if (!read_at(0, hdr, 12) || std::memcmp(hdr, "RIFF", 4) != 0 ||
      std::memcmp(hdr + 8, "WAVE", 4) != 0) {
    return std::nullopt;
  }
  std::int64_t pos = 12;
  while (pos + 8 <= limit) {
    unsigned char ch[8];
    if (!read_at(pos, ch, 8)) return std::nullopt;
    const std::uint32_t size =
        ch[4] | (ch[5] << 8) | (ch[6] << 16) | (static_cast<std::uint32_t>(ch[7]) << 24);
    if (std::memcmp(ch, "data", 4) == 0) {
      if (size == 0 || size == 0xFFFFFFFFu) return std::nullopt;
      return WavData{pos + 8, static_cast<std::int64_t>(size)};
    }
    pos += 8 + static_cast<std::int64_t>(size) + (size & 1);
  }
  return std::nullopt;
}

PipeInput* pipe_of(const AVFormatContext* fmt) {
  return fmt && (fmt->flags & AVFMT_FLAG_CUSTOM_IO) ? static_cast<PipeInput*>(fmt->opaque)
                                                    : nullptr;
}

}  // namespace

void FormatCloser::operator()(AVFormatContext* p) const {
  PipeInput* pipe = pipe_of(p);
  avformat_close_input(&p);  // leaves a custom AVIO to its owner
  delete pipe;
}

std::optional<std::string> pipe_shortfall(const AVFormatContext* fmt) {
  const PipeInput* pipe = pipe_of(fmt);
  if (!pipe || !pipe->at_eof) return std::nullopt;
  const auto& head = pipe->head;
  const auto data = find_wav_data(
      [&](std::int64_t pos, unsigned char* out, std::size_t n) {
        if (pos < 0 || static_cast<std::size_t>(pos) + n > head.size()) return false;
        std::memcpy(out, head.data() + pos, n);
        return true;
      },
      static_cast<std::int64_t>(head.size()));
  if (!data) return std::nullopt;
  const std::int64_t held = std::max<std::int64_t>(pipe->total - data->offset, 0);
  if (held >= data->size) return std::nullopt;
  return "truncated: the WAV header promises " + std::to_string(data->size) +
         " bytes of audio, the stream held " + std::to_string(held);
}

FormatPtr open_input(const std::string& path) {
  init_logging();
  // Directories, devices and terminals are refused here, before FFmpeg could read forever.
  const InputKind kind = check_input(path);
  if (kind == InputKind::regular && path != "-") {
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && st.st_size == 0) {
      throw Error(Exit::data, path, "empty file");
    }
  }
  // "file:" keeps a path with a colon in it from being taken for a protocol. A pipe or FIFO
  // is read through PipeInput, so its format is told by content alone (by its name, endless
  // zeros in a FIFO called x.mp4 were taken for an MP4 whose header never ends) and the bytes
  // that went by can be checked at its end.
  std::unique_ptr<PipeInput> pipe;
  if (kind == InputKind::stream || path == "-") {
    if (path == "-") {
      pipe = std::make_unique<PipeInput>(STDIN_FILENO, false);
    } else {
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw Error(Exit::no_input, path, "cannot open: " + errno_text(errno));
      pipe = std::make_unique<PipeInput>(fd, true);
    }
    auto* buffer = static_cast<unsigned char*>(av_malloc(PipeInput::kBufferBytes));
    if (buffer) {
      pipe->avio = avio_alloc_context(buffer, PipeInput::kBufferBytes, 0, pipe.get(),
                                      &PipeInput::read, nullptr, nullptr);
    }
    if (!pipe->avio) {
      av_free(buffer);
      throw Error(Exit::software, path, "out of memory");
    }
  }
  AVFormatContext* raw = avformat_alloc_context();
  if (!raw) throw Error(Exit::software, path, "out of memory");
  if (pipe) {
    raw->pb = pipe->avio;
    raw->flags |= AVFMT_FLAG_CUSTOM_IO;
    raw->opaque = pipe.get();
  }
  const std::string url = pipe ? "" : "file:" + path;
  // On failure FFmpeg frees the context but not a custom AVIO: `pipe` still owns it.
  int rc = avformat_open_input(&raw, url.c_str(), nullptr, nullptr);
  if (rc < 0) {
    if (rc == AVERROR(ENOENT)) throw Error(Exit::no_input, path, "no such file");
    if (rc == AVERROR(EACCES)) throw Error(Exit::no_input, path, "permission denied");
    if (kind == InputKind::stream && rc == AVERROR_EOF)
      throw Error(Exit::data, path, "empty input");
    if (kind == InputKind::stream) throw Error(Exit::data, path, pipe_error_text(rc));
    throw Error(Exit::data, path, "not a media file (" + error_text(rc) + ")");
  }
  pipe.release();  // now owned through the context, by FormatCloser
  FormatPtr fmt(raw);
  rc = avformat_find_stream_info(fmt.get(), nullptr);
  if (rc < 0 && kind == InputKind::stream) throw Error(Exit::data, path, pipe_error_text(rc));
  if (rc < 0) throw Error(Exit::data, path, "cannot read stream info (" + error_text(rc) + ")");
  return fmt;
}

AudioInfo describe_audio(AVFormatContext* fmt, const std::string& path, int wanted) {
  int index = wanted;
  if (wanted >= 0) {
    if (wanted >= static_cast<int>(fmt->nb_streams) ||
        fmt->streams[wanted]->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) {
      throw Error(Exit::usage, path,
                  "stream " + std::to_string(wanted) + " is not an audio stream");
    }
  } else {
    index = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    if (index < 0) throw Error(Exit::data, path, "no audio stream (not an audio file)");
  }
  const AVStream* st = fmt->streams[index];
  const AVCodecParameters* par = st->codecpar;
  AudioInfo info;
  info.path = path;
  info.container = fmt->iformat ? fmt->iformat->name : "";
  info.codec = avcodec_get_name(par->codec_id);
  info.stream_index = index;
  info.sample_rate = par->sample_rate;
  info.channels = par->ch_layout.nb_channels;
  info.bit_rate = par->bit_rate;
  if (info.sample_rate <= 0 || info.channels <= 0) {
    throw Error(Exit::data, path, "audio stream has no sample rate or channels");
  }
  // A damaged header can claim 440 MHz, and a resampler for that takes seconds and gigabytes.
  if (info.sample_rate > kMaxSampleRate || info.channels > kMaxChannels) {
    throw Error(Exit::data, path,
                "audio stream claims " + std::to_string(info.sample_rate) + " Hz and " +
                    std::to_string(info.channels) + " channels: not a real recording");
  }
  if (info.container == "wav" && !pipe_of(fmt) && wav_is_truncated(path)) {
    throw Error(Exit::data, path,
                "truncated: the WAV header promises more data than the file holds");
  }
  const AVCodecDescriptor* desc = avcodec_descriptor_get(par->codec_id);
  info.lossless =
      desc && (desc->props & AV_CODEC_PROP_LOSSLESS) && !(desc->props & AV_CODEC_PROP_LOSSY);
  if (info.lossless) {
    info.bits_per_sample =
        par->bits_per_raw_sample > 0 ? par->bits_per_raw_sample : par->bits_per_coded_sample;
  }
  auto tag = [&](const char* name) {
    for (const AVDictionary* d : {static_cast<const AVDictionary*>(fmt->metadata),
                                  static_cast<const AVDictionary*>(st->metadata)}) {
      const AVDictionaryEntry* e = av_dict_get(d, name, nullptr, 0);  // case-insensitive
      if (e && e->value && *e->value) return std::string(e->value);
    }
    return std::string();
  };
  info.title = tag("title");
  info.artist = tag("artist");
  info.album = tag("album");
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVStream* s = fmt->streams[i];
    if (s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
        !(s->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
      info.has_video = true;
    }
  }
  if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
    info.duration = static_cast<double>(st->duration) * av_q2d(st->time_base);
    // Lossless lengths from the container (FLAC STREAMINFO, WAV data size) are exact;
    // a lossy one is exact only when the container states it (Xing/LAME frame count).
    if (info.lossless || fmt->duration_estimation_method == AVFMT_DURATION_FROM_STREAM) {
      info.frames = av_rescale_q(st->duration, st->time_base, AVRational{1, info.sample_rate});
    }
  } else if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0) {
    info.duration = static_cast<double>(fmt->duration) / AV_TIME_BASE;
  }
  return info;
}

bool wav_is_truncated(const std::string& path) {
  // Only a regular file has a size to hold against the header (and opening a FIFO by its
  // name again would wait for another writer).
  struct stat st {};
  if (path == "-" || stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(f, std::fclose);
  if (std::fseek(f, 0, SEEK_END) != 0) return false;
  const long file_size = std::ftell(f);
  const auto data = find_wav_data(
      [&](std::int64_t pos, unsigned char* out, std::size_t n) {
        return std::fseek(f, static_cast<long>(pos), SEEK_SET) == 0 &&
               std::fread(out, 1, n, f) == n;
      },
      file_size);
  return data && data->offset + data->size > file_size;
}

}  // namespace audio::ff
