#include "libmix/dub_muxer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "libaudio/atomic_file.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "libaudio/ffmpeg_util.hpp"
#include "libaudio/input_file.hpp"
#include "libaudio/loudness.hpp"
#include "libaudio/sha256.hpp"
#include "libaudio/version.hpp"
#include "libmix/subtitles.hpp"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace mix {
namespace {

using audio::Error;
using audio::Exit;
using audio::Json;
namespace ff = audio::ff;

constexpr int kAacFrame = 1024;
// Encoders run this far (seconds) ahead of the video packet being written, so the muxer's
// interleaving queue always has every stream's next packet and memory stays flat.
constexpr double kLead = 0.5;

void check(int rc, Exit code, const std::string& subject, const std::string& what) {
  if (rc < 0) throw Error(code, subject, what + " (" + ff::error_text(rc) + ")");
}

bool aac_rate(int rate) {
  static const int kRates[] = {96000, 88200, 64000, 48000, 44100, 32000,
                               24000, 22050, 16000, 12000, 11025, 8000};
  return std::find(std::begin(kRates), std::end(kRates), rate) != std::end(kRates);
}

double seconds(std::int64_t ts, AVRational tb) {
  return static_cast<double>(ts) * av_q2d(tb);
}

// The ASS header FFmpeg's mov_text encoder needs to parse its events (one default style).
const char* kAssHeader =
    "[Script Info]\r\nScriptType: v4.00+\r\nPlayResX: 384\r\nPlayResY: 288\r\n"
    "ScaledBorderAndShadow: yes\r\n\r\n[V4+ Styles]\r\n"
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
    "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
    "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\r\n"
    "Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,1"
    "\r\n\r\n[Events]\r\n"
    "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\r\n";

// Cue text to an ASS event's text: line breaks as \N, <b>/<i>/<u> as override tags (which
// mov_text keeps as styles), every other tag dropped.
std::string cue_to_ass(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      out += "\\N";
    } else if (c == '<') {
      const std::size_t close = text.find('>', i);
      if (close == std::string::npos) {
        out += c;
        continue;
      }
      std::string tag = text.substr(i + 1, close - i - 1);
      const bool end = !tag.empty() && tag[0] == '/';
      if (end) tag.erase(0, 1);
      if (tag == "b" || tag == "i" || tag == "u") {
        out += std::string("{\\") + tag + (end ? "0}" : "1}");
      }
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

// Interleaved float chunks of `total` frames: `lead` frames of silence, then the source from
// its frame `skip` on, then silence once the source ends. Counts what the source held.
class FittedSource {
 public:
  FittedSource(audio::Decoder* source, int channels, std::int64_t total, std::int64_t lead,
               std::int64_t skip)
      : source_(source), channels_(channels), total_(total), lead_(lead), skip_(skip) {}

  // Fills `n` frames (fewer only at the end). Returns frames written.
  std::size_t read(float* out, std::size_t n) {
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(n), total_ - pos_));
    std::size_t done = 0;
    while (done < want) {
      float* dst = out + done * channels_;
      if (pos_ < lead_) {
        const auto k = static_cast<std::size_t>(
            std::min<std::int64_t>(lead_ - pos_, static_cast<std::int64_t>(want - done)));
        std::fill(dst, dst + k * channels_, 0.0f);
        done += k;
        pos_ += static_cast<std::int64_t>(k);
        continue;
      }
      std::size_t got = 0;
      if (source_ && !ended_) {
        skip_source();
        if (!ended_) {
          got = source_->read(dst, want - done);
          if (got == 0) ended_ = true;
          consumed_ += static_cast<std::int64_t>(got);
        }
      }
      if (got == 0) {
        std::fill(dst, dst + (want - done) * channels_, 0.0f);
        got = want - done;
      }
      done += got;
      pos_ += static_cast<std::int64_t>(got);
    }
    return done;
  }

  // Reads the rest of the source (to count what was trimmed). Returns the source's frames.
  std::int64_t drain() {
    if (source_ && !ended_) {
      skip_source();
      std::vector<float> buf(8192 * static_cast<std::size_t>(channels_));
      while (const std::size_t got = source_->read(buf.data(), 8192)) {
        consumed_ += static_cast<std::int64_t>(got);
      }
      ended_ = true;
    }
    return consumed_;
  }

 private:
  void skip_source() {
    std::vector<float> buf;
    while (skipped_ < skip_ && !ended_) {
      const auto k = static_cast<std::size_t>(std::min<std::int64_t>(skip_ - skipped_, 8192));
      buf.resize(k * channels_);
      const std::size_t got = source_->read(buf.data(), k);
      if (got == 0) ended_ = true;
      skipped_ += static_cast<std::int64_t>(got);
      consumed_ += static_cast<std::int64_t>(got);
    }
  }

  audio::Decoder* source_;
  int channels_;
  std::int64_t total_, lead_, skip_;
  std::int64_t pos_ = 0, skipped_ = 0, consumed_ = 0;
  bool ended_ = false;
};

// Writes packets into the output, rescaled from the producer's time base.
struct Output {
  AVFormatContext* fmt = nullptr;
  std::string path;
  void write(AVPacket* pkt, AVRational from, int stream) {
    pkt->stream_index = stream;
    av_packet_rescale_ts(pkt, from, fmt->streams[stream]->time_base);
    pkt->pos = -1;
    check(av_interleaved_write_frame(fmt, pkt), Exit::io, path, "cannot write");
  }
};

// An AAC track made from a FittedSource, one whole 1024-sample frame at a time.
class AacTrack {
 public:
  AacTrack(AVFormatContext* out, int rate, int channels, std::int64_t start_pts,
           const std::string& subject)
      : rate_(rate), channels_(channels), pts_(start_pts), subject_(subject) {
    const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!codec) throw Error(Exit::software, subject, "FFmpeg has no AAC encoder");
    ctx_.reset(avcodec_alloc_context3(codec));
    if (!ctx_) throw std::bad_alloc();
    ctx_->sample_fmt = AV_SAMPLE_FMT_FLTP;
    ctx_->sample_rate = rate;
    av_channel_layout_default(&ctx_->ch_layout, channels);
    ctx_->bit_rate = channels == 1 ? 96000 : 160000;
    ctx_->time_base = AVRational{1, rate};
    ctx_->flags |= AV_CODEC_FLAG_BITEXACT;
    if (out->oformat->flags & AVFMT_GLOBALHEADER) ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    check(avcodec_open2(ctx_.get(), codec, nullptr), Exit::software, subject,
          "cannot open the AAC encoder");
    stream_ = avformat_new_stream(out, nullptr);
    if (!stream_) throw std::bad_alloc();
    check(avcodec_parameters_from_context(stream_->codecpar, ctx_.get()), Exit::software, subject,
          "AAC parameters");
    stream_->time_base = ctx_->time_base;
    frame_.reset(av_frame_alloc());
    pkt_.reset(av_packet_alloc());
    block_.resize(static_cast<std::size_t>(kAacFrame) * channels);
  }

  AVStream* stream() const { return stream_; }
  std::int64_t bit_rate() const { return ctx_->bit_rate; }
  bool finished() const { return flushed_; }
  // Presentation time (seconds) of the next frame to encode.
  double next_time() const { return static_cast<double>(pts_) / rate_; }

  // Encodes one frame from `src`, or flushes when it has no more. `mix` may change the block
  // (ducking) before it is encoded; `meter` sees the dub before that.
  // `sink(AVPacket*)` takes each packet (timestamps in 1/rate), e.g. to write or queue it.
  template <typename Sink, typename Fill, typename Mix>
  void step(Sink&& out, Fill&& fill, Mix&& mix) {
    if (flushed_) return;
    const std::size_t n = fill(block_.data(), static_cast<std::size_t>(kAacFrame));
    if (n == 0) {
      check(avcodec_send_frame(ctx_.get(), nullptr), Exit::software, subject_, "AAC flush");
      flushed_ = true;
      drain(out);
      return;
    }
    mix(block_.data(), n, frames_);
    frame_->nb_samples = static_cast<int>(n);
    frame_->format = AV_SAMPLE_FMT_FLTP;
    frame_->sample_rate = rate_;
    check(av_channel_layout_copy(&frame_->ch_layout, &ctx_->ch_layout), Exit::software, subject_,
          "channel layout");
    check(av_frame_get_buffer(frame_.get(), 0), Exit::software, subject_, "AAC frame");
    for (int c = 0; c < channels_; ++c) {
      auto* plane = reinterpret_cast<float*>(frame_->data[c]);
      for (std::size_t i = 0; i < n; ++i) plane[i] = block_[i * channels_ + c];
    }
    frame_->pts = pts_;
    pts_ += static_cast<std::int64_t>(n);
    frames_ += static_cast<std::int64_t>(n);
    check(avcodec_send_frame(ctx_.get(), frame_.get()), Exit::software, subject_, "AAC encode");
    av_frame_unref(frame_.get());
    drain(out);
  }

  std::int64_t frames() const { return frames_; }

 private:
  template <typename Sink>
  void drain(Sink&& out) {
    for (;;) {
      const int rc = avcodec_receive_packet(ctx_.get(), pkt_.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      check(rc, Exit::software, subject_, "AAC encode");
      out(pkt_.get());
      av_packet_unref(pkt_.get());
    }
  }

  int rate_, channels_;
  std::int64_t pts_, frames_ = 0;
  std::string subject_;
  ff::CodecPtr ctx_;
  ff::FramePtr frame_;
  ff::PacketPtr pkt_;
  AVStream* stream_ = nullptr;
  std::vector<float> block_;
  bool flushed_ = false;
};

// Hands packets from a producer thread (the dub's encoder) to the muxing thread, at most
// `limit` at a time, so encoding runs beside demuxing and writing with flat memory.
class PacketQueue {
 public:
  explicit PacketQueue(std::size_t limit) : limit_(limit) {}

  // Producer: waits while full. Returns false when the consumer has given up.
  bool push(AVPacket* pkt) {
    ff::PacketPtr copy(av_packet_alloc());
    if (!copy) throw std::bad_alloc();
    av_packet_move_ref(copy.get(), pkt);
    std::unique_lock lock(mutex_);
    space_.wait(lock, [&] { return cancelled_ || packets_.size() < limit_; });
    if (cancelled_) return false;
    packets_.push_back(std::move(copy));
    ready_.notify_one();
    return true;
  }
  // Producer: no more packets (with the error that stopped it, if any).
  void close(std::exception_ptr error = nullptr) {
    std::lock_guard lock(mutex_);
    closed_ = true;
    error_ = error;
    ready_.notify_all();
  }
  // Consumer: stop the producer (on failure); it sees push() return false.
  void cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    space_.notify_all();
  }
  // Consumer: the next packet's pts, waiting for it; nullopt at the end. Rethrows the
  // producer's error.
  std::optional<std::int64_t> next_pts() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return closed_ || !packets_.empty(); });
    if (!packets_.empty()) return packets_.front()->pts;
    if (error_) std::rethrow_exception(error_);
    return std::nullopt;
  }
  ff::PacketPtr pop() {
    std::lock_guard lock(mutex_);
    ff::PacketPtr p = std::move(packets_.front());
    packets_.pop_front();
    space_.notify_one();
    return p;
  }

 private:
  std::size_t limit_;
  std::mutex mutex_;
  std::condition_variable ready_, space_;
  std::deque<ff::PacketPtr> packets_;
  bool closed_ = false, cancelled_ = false;
  std::exception_ptr error_;
};

// Decodes a video stream and re-encodes it to H.264 with libx264.
class H264Transcoder {
 public:
  H264Transcoder(AVFormatContext* in, AVStream* ist, AVFormatContext* out,
                 const std::string& subject)
      : subject_(subject) {
    const AVCodec* dec = avcodec_find_decoder(ist->codecpar->codec_id);
    if (!dec) throw Error(Exit::data, subject, "no decoder for the video codec");
    dec_.reset(avcodec_alloc_context3(dec));
    if (!dec_) throw std::bad_alloc();
    check(avcodec_parameters_to_context(dec_.get(), ist->codecpar), Exit::data, subject,
          "video parameters");
    dec_->pkt_timebase = ist->time_base;
    check(avcodec_open2(dec_.get(), dec, nullptr), Exit::data, subject,
          "cannot open the video decoder");
    const AVCodec* enc = avcodec_find_encoder_by_name("libx264");
    if (!enc) throw Error(Exit::software, subject, "FFmpeg was built without libx264");
    enc_.reset(avcodec_alloc_context3(enc));
    if (!enc_) throw std::bad_alloc();
    enc_->width = dec_->width;
    enc_->height = dec_->height;
    enc_->sample_aspect_ratio = dec_->sample_aspect_ratio;
    enc_->pix_fmt = AV_PIX_FMT_YUV420P;
    enc_->time_base = ist->time_base;
    enc_->framerate = av_guess_frame_rate(in, ist, nullptr);
    enc_->flags |= AV_CODEC_FLAG_BITEXACT;
    if (out->oformat->flags & AVFMT_GLOBALHEADER) enc_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary* opts = nullptr;
    av_dict_set(&opts, "preset", "fast", 0);
    av_dict_set(&opts, "crf", "18", 0);
    const int rc = avcodec_open2(enc_.get(), enc, &opts);
    av_dict_free(&opts);
    check(rc, Exit::software, subject, "cannot open libx264");
    stream_ = avformat_new_stream(out, nullptr);
    if (!stream_) throw std::bad_alloc();
    check(avcodec_parameters_from_context(stream_->codecpar, enc_.get()), Exit::software, subject,
          "H.264 parameters");
    stream_->time_base = enc_->time_base;
    stream_->avg_frame_rate = enc_->framerate;
    frame_.reset(av_frame_alloc());
    scaled_.reset(av_frame_alloc());
    pkt_.reset(av_packet_alloc());
  }

  AVStream* stream() const { return stream_; }
  std::int64_t frames() const { return frames_; }

  void send(Output& out, AVPacket* pkt) {  // pkt == nullptr: flush
    int rc = avcodec_send_packet(dec_.get(), pkt);
    if (rc < 0 && rc != AVERROR_EOF) check(rc, Exit::data, subject_, "corrupt video");
    for (;;) {
      rc = avcodec_receive_frame(dec_.get(), frame_.get());
      if (rc == AVERROR(EAGAIN)) return;
      if (rc == AVERROR_EOF) {
        encode(out, nullptr);
        return;
      }
      check(rc, Exit::data, subject_, "corrupt video");
      encode(out, frame_.get());
      av_frame_unref(frame_.get());
    }
  }

 private:
  void encode(Output& out, AVFrame* frame) {
    if (frame) {
      AVFrame* src = frame;
      if (frame->format != AV_PIX_FMT_YUV420P || frame->width != enc_->width ||
          frame->height != enc_->height) {
        sws_.reset(sws_getCachedContext(
            sws_.release(), frame->width, frame->height, static_cast<AVPixelFormat>(frame->format),
            enc_->width, enc_->height, AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr, nullptr));
        if (!sws_) throw Error(Exit::software, subject_, "cannot convert the picture");
        av_frame_unref(scaled_.get());
        scaled_->format = AV_PIX_FMT_YUV420P;
        scaled_->width = enc_->width;
        scaled_->height = enc_->height;
        check(av_frame_get_buffer(scaled_.get(), 0), Exit::software, subject_, "picture");
        sws_scale(sws_.get(), frame->data, frame->linesize, 0, frame->height, scaled_->data,
                  scaled_->linesize);
        src = scaled_.get();
      }
      std::int64_t pts = frame->best_effort_timestamp;
      if (pts == AV_NOPTS_VALUE || pts <= last_pts_)
        pts = last_pts_ == AV_NOPTS_VALUE ? 0 : last_pts_ + 1;
      last_pts_ = pts;
      src->pts = pts;
      src->pict_type = AV_PICTURE_TYPE_NONE;
      ++frames_;
      check(avcodec_send_frame(enc_.get(), src), Exit::software, subject_, "H.264 encode");
    } else {
      check(avcodec_send_frame(enc_.get(), nullptr), Exit::software, subject_, "H.264 flush");
    }
    for (;;) {
      const int rc = avcodec_receive_packet(enc_.get(), pkt_.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      check(rc, Exit::software, subject_, "H.264 encode");
      out.write(pkt_.get(), enc_->time_base, stream_->index);
    }
  }

  std::string subject_;
  ff::CodecPtr dec_, enc_;
  ff::FramePtr frame_, scaled_;
  ff::PacketPtr pkt_;
  ff::SwsPtr sws_;
  AVStream* stream_ = nullptr;
  std::int64_t last_pts_ = AV_NOPTS_VALUE, frames_ = 0;
};

// The cue list as a mov_text track, through FFmpeg's mov_text encoder.
class SubtitleTrack {
 public:
  SubtitleTrack(AVFormatContext* out, std::vector<Cue> cues, std::int64_t start_ms,
                const std::string& language, const std::string& subject)
      : cues_(std::move(cues)), start_ms_(start_ms), subject_(subject) {
    const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MOV_TEXT);
    if (!codec) throw Error(Exit::software, subject, "FFmpeg has no mov_text encoder");
    ctx_.reset(avcodec_alloc_context3(codec));
    if (!ctx_) throw std::bad_alloc();
    ctx_->time_base = AVRational{1, 1000};
    const std::size_t len = std::char_traits<char>::length(kAssHeader);
    ctx_->subtitle_header = static_cast<std::uint8_t*>(av_mallocz(len + 1));
    if (!ctx_->subtitle_header) throw std::bad_alloc();
    std::copy(kAssHeader, kAssHeader + len, ctx_->subtitle_header);
    ctx_->subtitle_header_size = static_cast<int>(len);
    check(avcodec_open2(ctx_.get(), codec, nullptr), Exit::software, subject,
          "cannot open the mov_text encoder");
    stream_ = avformat_new_stream(out, nullptr);
    if (!stream_) throw std::bad_alloc();
    check(avcodec_parameters_from_context(stream_->codecpar, ctx_.get()), Exit::software, subject,
          "mov_text parameters");
    stream_->time_base = ctx_->time_base;
    av_dict_set(&stream_->metadata, "language", language.c_str(), 0);
    // MP4 players enable a file's first text track whatever its flags: say so.
    stream_->disposition = AV_DISPOSITION_DEFAULT;
    pkt_.reset(av_packet_alloc());
    buf_.resize(1 << 20);
  }

  AVStream* stream() const { return stream_; }
  bool finished() const { return next_ >= cues_.size(); }
  double next_time() const {
    return finished() ? std::numeric_limits<double>::infinity()
                      : static_cast<double>(start_ms_ + cues_[next_].start_ms) / 1000.0;
  }

  void step(Output& out) {
    if (finished()) return;
    const Cue& cue = cues_[next_++];
    const std::string event = "0,0,Default,,0,0,0,," + cue_to_ass(cue.text);
    AVSubtitle sub{};
    AVSubtitleRect rect{};
    AVSubtitleRect* rects[1] = {&rect};
    rect.type = SUBTITLE_ASS;
    rect.ass = const_cast<char*>(event.c_str());
    sub.num_rects = 1;
    sub.rects = rects;
    sub.end_display_time = static_cast<std::uint32_t>(cue.end_ms - cue.start_ms);
    const int size =
        avcodec_encode_subtitle(ctx_.get(), buf_.data(), static_cast<int>(buf_.size()), &sub);
    check(size, Exit::data, subject_,
          "cannot encode the cue at " + format_timestamp(cue.start_ms, SubtitleFormat::srt));
    check(av_new_packet(pkt_.get(), size), Exit::software, subject_, "packet");
    std::copy(buf_.begin(), buf_.begin() + size, pkt_->data);
    pkt_->pts = pkt_->dts = start_ms_ + cue.start_ms;
    pkt_->duration = cue.end_ms - cue.start_ms;
    pkt_->flags |= AV_PKT_FLAG_KEY;
    out.write(pkt_.get(), ctx_->time_base, stream_->index);
    av_packet_unref(pkt_.get());
  }

 private:
  std::vector<Cue> cues_;
  std::int64_t start_ms_;
  std::string subject_;
  ff::CodecPtr ctx_;
  ff::PacketPtr pkt_;
  AVStream* stream_ = nullptr;
  std::vector<std::uint8_t> buf_;
  std::size_t next_ = 0;
};

struct CueFit {
  std::vector<Cue> cues;
  int dropped = 0, cut = 0;
};

// The cues that fit a track of `duration_ms`, one at a time.
CueFit fit_cues(const std::vector<Cue>& in, std::int64_t duration_ms) {
  CueFit fit;
  for (std::size_t i = 0; i < in.size(); ++i) {
    Cue c = in[i];
    bool cut = false;
    if (i + 1 < in.size() && c.end_ms > in[i + 1].start_ms)
      c.end_ms = in[i + 1].start_ms, cut = true;
    if (c.end_ms > duration_ms) c.end_ms = duration_ms, cut = true;
    if (c.start_ms >= duration_ms || c.end_ms <= c.start_ms) {
      ++fit.dropped;
      continue;
    }
    if (cut) ++fit.cut;
    fit.cues.push_back(std::move(c));
  }
  return fit;
}

// A sidecar written atomically; committed only when the whole job succeeded.
std::unique_ptr<audio::AtomicFile> prepare_sidecar(const std::string& path,
                                                   const std::string& text) {
  auto f = std::make_unique<audio::AtomicFile>(path);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t w = ::write(f->fd(), text.data() + done, text.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw Error(Exit::io, path, "cannot write (" + audio::errno_text(errno) + ")");
    }
    done += static_cast<std::size_t>(w);
  }
  return f;
}

Json seconds_json(std::int64_t frames, int rate) {
  return audio::round_to(static_cast<double>(frames) / rate, 6);
}

}  // namespace

DubFit fit_dub(std::int64_t dub_frames, int sample_rate, double video_duration, double offset) {
  DubFit f;
  f.total = std::max<std::int64_t>(0, std::llround(video_duration * sample_rate));
  const std::int64_t shift = std::llround(offset * sample_rate);
  f.lead = std::clamp<std::int64_t>(shift, 0, f.total);
  f.skipped = std::clamp<std::int64_t>(-shift, 0, dub_frames);
  const std::int64_t rest = dub_frames - f.skipped;
  f.used = std::clamp<std::int64_t>(rest, 0, f.total - f.lead);
  f.trimmed = rest - f.used;
  f.padding = f.total - f.lead - f.used;
  return f;
}

std::string default_vtt_path(const std::string& output, const std::string& language) {
  if (output.empty() || output == "-") return {};
  std::string stem = output;
  const std::size_t slash = stem.rfind('/');
  const std::size_t dot = stem.rfind('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
    std::string ext = stem.substr(dot);
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".mp4") stem.resize(dot);
  }
  return stem + "." + language + ".vtt";
}

Json mux_dub(const DubMuxOptions& options) {
  DubMuxOptions o = options;  // the default sidecar is filled in
  ff::init_logging();
  if (o.video.empty() || o.video == "-") {
    throw Error(Exit::usage, "--video", "must name a file (the video is read more than once)");
  }
  if (o.audio.empty() || o.audio == "-") {
    throw Error(Exit::usage, "--audio", "must name a file (the dub is probed, then read)");
  }
  // Devices and directories are refused here, and pipes too: both are read more than once
  // (and hashed on another thread, which would block on a second open of a FIFO).
  for (const std::string* in : {&o.video, &o.audio}) {
    if (audio::check_input(*in) != audio::InputKind::regular) {
      throw Error(Exit::no_input, *in, "is a pipe; give a regular file (it is read twice)");
    }
  }
  const bool subtitles_hashable =
      !o.subtitles.empty() && audio::check_input(o.subtitles) == audio::InputKind::regular;
  if (o.duck && o.keep_original) {
    throw Error(Exit::usage, "--duck", "cannot be combined with --keep-original");
  }
  if (!std::isfinite(o.offset) || std::fabs(o.offset) > 86400) {
    throw Error(Exit::usage, "--offset", "must be a number of seconds within a day");
  }
  if (o.duck && (!std::isfinite(o.duck_options.depth_db) || o.duck_options.depth_db < 0 ||
                 o.duck_options.depth_db > 96)) {
    throw Error(Exit::usage, "--duck", "must be 0..96 dB");
  }
  if (o.language.size() != 3 || !std::all_of(o.language.begin(), o.language.end(),
                                             [](char c) { return c >= 'a' && c <= 'z'; })) {
    throw Error(Exit::usage, "--lang", "must be an ISO 639-2 code: three lower-case letters");
  }
  if ((!o.srt_sidecar.empty() || !o.vtt_sidecar.empty()) && o.subtitles.empty()) {
    throw Error(Exit::usage, "--srt/--vtt", "need --subs");
  }
  if (!o.subtitles.empty() && o.vtt_sidecar.empty() && !o.no_default_vtt)
    o.vtt_sidecar = default_vtt_path(o.output, o.language);
  const bool to_stdout = o.output == "-";
  if (to_stdout && o.report == "-") {
    throw Error(Exit::usage, "--report", "stdout carries the MP4: name a file for the report");
  }
  const std::vector<audio::NamedFile> inputs{
      {"--video", o.video}, {"--audio", o.audio}, {"--subs", o.subtitles}};
  audio::ensure_distinct_files(inputs, {{"-o", o.output},
                                        {"--srt", o.srt_sidecar},
                                        {"--vtt", o.vtt_sidecar},
                                        {"--report", o.report}});
  audio::OutputGroup group;  // the MP4, the sidecars and the report: all or none
  for (const auto& [label, path] : inputs) group.protect(path, label);

  // Inputs are hashed on another thread while the work goes on.
  std::future<std::vector<std::string>> hashes;
  if (o.hash_inputs) {
    std::vector<std::string> paths = {o.video, o.audio, subtitles_hashable ? o.subtitles : ""};
    hashes = std::async(std::launch::async, [paths] {
      std::vector<std::string> out;
      for (const std::string& p : paths) {
        out.push_back(p.empty() || p == "-" ? std::string() : audio::sha256_file(p).sha256);
      }
      return out;
    });
  }

  // Subtitles first: a bad cue should fail before any media work.
  std::optional<Subtitles> subs;
  if (!o.subtitles.empty()) subs = read_subtitles(o.subtitles);

  ff::FormatPtr in = ff::open_input(o.video);
  // FFmpeg's best video stream, unless that is cover art; then the first real one.
  int vindex = av_find_best_stream(in.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (vindex >= 0 && (in->streams[vindex]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
    vindex = -1;
    for (unsigned i = 0; i < in->nb_streams && vindex < 0; ++i) {
      const AVStream* s = in->streams[i];
      if (s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
          !(s->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
        vindex = static_cast<int>(i);
      }
    }
  }
  if (vindex < 0) throw Error(Exit::data, o.video, "no video stream");
  AVStream* vst = in->streams[vindex];
  const int oindex = av_find_best_stream(in.get(), AVMEDIA_TYPE_AUDIO, -1, vindex, nullptr, 0);
  if ((o.keep_original || o.duck) && oindex < 0) {
    throw Error(Exit::data, o.video,
                std::string("has no audio stream to ") +
                    (o.duck ? "duck (--duck)" : "keep (--keep-original)"));
  }
  const double v_start =
      vst->start_time != AV_NOPTS_VALUE ? seconds(vst->start_time, vst->time_base) : 0.0;
  double v_duration = -1;
  if (vst->duration != AV_NOPTS_VALUE && vst->duration > 0) {
    v_duration = seconds(vst->duration, vst->time_base);
  } else if (in->duration != AV_NOPTS_VALUE && in->duration > 0) {
    const double fstart =
        in->start_time != AV_NOPTS_VALUE ? in->start_time / double(AV_TIME_BASE) : 0.0;
    v_duration = in->duration / double(AV_TIME_BASE) + fstart - v_start;
  }
  if (!(v_duration > 0)) throw Error(Exit::data, o.video, "the video stream has no duration");

  // The dub's format in the output.
  const audio::AudioInfo dub_info = audio::probe_audio(o.audio);
  const audio::AudioInfo* orig_info = nullptr;
  audio::AudioInfo orig_probe;
  if (oindex >= 0) {
    orig_probe = ff::describe_audio(in.get(), o.video, oindex);
    orig_info = &orig_probe;
  }
  const int rate = aac_rate(dub_info.sample_rate) ? dub_info.sample_rate : 48000;
  int channels = std::min(dub_info.channels, 2);
  if (o.duck) channels = std::max(channels, std::min(orig_info->channels, 2));

  // Speech of the dub, on the samples as they will play (same rate and channels).
  std::vector<Segment> speech;
  if (o.duck) {
    audio::Decoder pass(o.audio, {rate, channels, -1, 1});
    SpeechDetector detector(rate, channels, o.speech_options);
    std::vector<float> buf(8192 * static_cast<std::size_t>(channels));
    while (const std::size_t n = pass.read(buf.data(), 8192)) detector.add(buf.data(), n);
    speech = detector.finish();
  }

  // The output and its streams: video, dub, original (kept), subtitles.
  AVFormatContext* raw_out = nullptr;
  check(avformat_alloc_output_context2(&raw_out, nullptr, "mp4", nullptr), Exit::software, o.output,
        "cannot set up the MP4 muxer");
  ff::OutputFormatPtr out(raw_out);
  out->flags |= AVFMT_FLAG_BITEXACT;
  Output writer{out.get(), o.output};

  const std::string vcodec = avcodec_get_name(vst->codecpar->codec_id);
  const bool copy_video = vst->codecpar->codec_id == AV_CODEC_ID_H264;
  std::unique_ptr<H264Transcoder> transcoder;
  AVStream* ovst = nullptr;
  if (copy_video) {
    ovst = avformat_new_stream(out.get(), nullptr);
    if (!ovst) throw std::bad_alloc();
    check(avcodec_parameters_copy(ovst->codecpar, vst->codecpar), Exit::software, o.video,
          "video parameters");
    ovst->codecpar->codec_tag = 0;
    ovst->time_base = vst->time_base;
    ovst->avg_frame_rate = vst->avg_frame_rate;
    ovst->sample_aspect_ratio = vst->sample_aspect_ratio;
  } else {
    transcoder = std::make_unique<H264Transcoder>(in.get(), vst, out.get(), o.video);
    ovst = transcoder->stream();
  }
  ovst->disposition = AV_DISPOSITION_DEFAULT;

  const std::int64_t audio_start = std::llround(v_start * rate);
  AacTrack dub(out.get(), rate, channels, audio_start, o.audio);
  dub.stream()->disposition = AV_DISPOSITION_DEFAULT;
  av_dict_set(&dub.stream()->metadata, "language", o.language.c_str(), 0);

  // The original audio: copied when MP4 holds its codec, else encoded like the dub.
  AVStream* orig_copy = nullptr;
  std::unique_ptr<AacTrack> orig_encode;
  std::unique_ptr<audio::Decoder> orig_decoder;
  std::unique_ptr<FittedSource> orig_source;
  const AVStream* ist_orig = oindex >= 0 ? in->streams[oindex] : nullptr;
  const double o_start = ist_orig && ist_orig->start_time != AV_NOPTS_VALUE
                             ? seconds(ist_orig->start_time, ist_orig->time_base)
                             : v_start;
  const int orig_channels = orig_info ? std::min(orig_info->channels, 2) : 0;
  const int orig_rate =
      orig_info ? (aac_rate(orig_info->sample_rate) ? orig_info->sample_rate : 48000) : 0;
  bool orig_copied = false;
  if (o.keep_original) {
    // Only codecs MP4 players play; FFmpeg would also mux e.g. Vorbis, which few can play.
    static const AVCodecID kPlayable[] = {AV_CODEC_ID_AAC, AV_CODEC_ID_MP3, AV_CODEC_ID_AC3,
                                          AV_CODEC_ID_EAC3, AV_CODEC_ID_ALAC};
    orig_copied = std::find(std::begin(kPlayable), std::end(kPlayable),
                            ist_orig->codecpar->codec_id) != std::end(kPlayable);
    if (orig_copied) {
      orig_copy = avformat_new_stream(out.get(), nullptr);
      if (!orig_copy) throw std::bad_alloc();
      check(avcodec_parameters_copy(orig_copy->codecpar, ist_orig->codecpar), Exit::software,
            o.video, "audio parameters");
      orig_copy->codecpar->codec_tag = 0;
      orig_copy->time_base = ist_orig->time_base;
    } else {
      orig_decoder = std::make_unique<audio::Decoder>(
          o.video, audio::DecodeOptions{orig_rate, orig_channels, oindex, 1});
      const auto o_total = std::llround(v_duration * orig_rate);
      const auto shift = std::llround((o_start - v_start) * orig_rate);
      orig_source = std::make_unique<FittedSource>(orig_decoder.get(), orig_channels, o_total,
                                                   std::max<std::int64_t>(shift, 0),
                                                   std::max<std::int64_t>(-shift, 0));
      orig_encode = std::make_unique<AacTrack>(out.get(), orig_rate, orig_channels,
                                               std::llround(v_start * orig_rate), o.video);
    }
    AVStream* s = orig_copy ? orig_copy : orig_encode->stream();
    s->disposition = 0;
    if (const AVDictionaryEntry* lang = av_dict_get(ist_orig->metadata, "language", nullptr, 0)) {
      av_dict_set(&s->metadata, "language", lang->value, 0);
    }
  }

  // Ducking: the original decoded at the dub's format, aligned to the video's start.
  std::unique_ptr<audio::Decoder> bed_decoder;
  std::unique_ptr<FittedSource> bed;
  std::unique_ptr<DuckEnvelope> envelope;
  const DubFit pre = fit_dub(0, rate, v_duration, o.offset);
  if (o.duck) {
    bed_decoder =
        std::make_unique<audio::Decoder>(o.video, audio::DecodeOptions{rate, channels, oindex, 1});
    const auto shift = std::llround((o_start - v_start) * rate);
    bed = std::make_unique<FittedSource>(bed_decoder.get(), channels, pre.total,
                                         std::max<std::int64_t>(shift, 0),
                                         std::max<std::int64_t>(-shift, 0));
    // The envelope runs on output frames: dub frame j plays at output frame j + shift.
    const std::int64_t dub_shift = std::llround(o.offset * rate);
    std::vector<Segment> shifted;
    for (const Segment& s : speech) shifted.push_back({s.start + dub_shift, s.end + dub_shift});
    envelope = std::make_unique<DuckEnvelope>(std::move(shifted), rate, o.duck_options);
  }

  CueFit cues;
  std::unique_ptr<SubtitleTrack> sub_track;
  const auto duration_ms = static_cast<std::int64_t>(std::floor(v_duration * 1000 + 1e-6));
  if (subs) {
    cues = fit_cues(subs->cues, duration_ms);
    if (!cues.cues.empty()) {
      sub_track = std::make_unique<SubtitleTrack>(
          out.get(), cues.cues, std::llround(v_start * 1000), o.language, o.subtitles);
    }
  }

  // Sidecars are written now and committed with the video at the end.
  std::vector<std::unique_ptr<audio::AtomicFile>> sidecars;
  if (subs && !o.srt_sidecar.empty())
    sidecars.push_back(prepare_sidecar(o.srt_sidecar, write_srt(subs->cues)));
  if (subs && !o.vtt_sidecar.empty())
    sidecars.push_back(prepare_sidecar(o.vtt_sidecar, write_vtt(subs->cues)));

  // Open the output: a temporary file beside the target (faststart rewrites it in place at
  // the end, reading it back through its URL), or stdout as fragmented MP4.
  std::unique_ptr<audio::AtomicFile> temp;
  std::string url;
  AVDictionary* mux_opts = nullptr;
  if (to_stdout) {
    url = "pipe:1";
    av_dict_set(&mux_opts, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0);
  } else {
    temp = std::make_unique<audio::AtomicFile>(o.output);
    temp->close_fd();
    url = "file:" + temp->temp_path();
    av_dict_set(&mux_opts, "movflags", "+faststart", 0);
  }
  av_freep(&out->url);
  out->url = av_strdup(url.c_str());
  check(avio_open(&out->pb, url.c_str(), AVIO_FLAG_WRITE), Exit::cant_create, o.output,
        "cannot create");
  int rc = avformat_write_header(out.get(), &mux_opts);
  av_dict_free(&mux_opts);
  // A full disk or a closed pipe is an I/O error (74); anything else is ours.
  const bool write_error = rc == AVERROR(ENOSPC) || rc == AVERROR(EPIPE) || rc == AVERROR(EIO) ||
                           rc == AVERROR(EFBIG) || rc == AVERROR(EDQUOT);
  check(rc, write_error ? Exit::io : Exit::software, o.output, "cannot write the MP4 header");

  // The dub's samples: fitted, metered, then (ducking) mixed over the lowered original.
  audio::Decoder dub_decoder(o.audio, {rate, channels, -1, 1});
  FittedSource dub_source(&dub_decoder, channels, pre.total, pre.lead,
                          std::llround(-std::min(0.0, o.offset) * rate));
  audio::LoudnessMeter meter(rate, channels, {true, false, true, true});
  std::vector<float> bed_block(static_cast<std::size_t>(kAacFrame) * channels);
  std::vector<float> gains(kAacFrame);
  auto dub_fill = [&](float* b, std::size_t n) {
    const std::size_t got = dub_source.read(b, n);
    meter.add(b, got);
    return got;
  };
  auto dub_mix = [&](float* b, std::size_t n, std::int64_t first) {
    if (!bed) return;
    const std::size_t got = bed->read(bed_block.data(), n);
    std::fill(bed_block.begin() + got * channels, bed_block.begin() + n * channels, 0.0f);
    envelope->fill(first, gains.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      for (int c = 0; c < channels; ++c)
        b[i * channels + c] += gains[i] * bed_block[i * channels + c];
    }
  };
  auto orig_fill = [&](float* b, std::size_t n) { return orig_source->read(b, n); };
  auto no_mix = [](float*, std::size_t, std::int64_t) {};

  // The dub is made on its own thread (decode, fit, meter, duck, AAC) and its packets are
  // written here as the video passes their time.
  PacketQueue dub_queue(256);
  const int dub_index = dub.stream()->index;
  std::thread dub_thread([&] {
    struct Cancelled {};
    try {
      auto sink = [&](AVPacket* p) {
        if (!dub_queue.push(p)) throw Cancelled{};
      };
      while (!dub.finished()) dub.step(sink, dub_fill, dub_mix);
      dub_queue.close();
    } catch (const Cancelled&) {
      dub_queue.close();
    } catch (...) {
      dub_queue.close(std::current_exception());
    }
  });
  struct Joiner {
    PacketQueue& queue;
    std::thread& thread;
    void join() {
      if (thread.joinable()) thread.join();
    }
    ~Joiner() {
      queue.cancel();
      join();
    }
  } joiner{dub_queue, dub_thread};

  auto write_now = [&](AVRational tb, int index) {
    return [&writer, tb, index](AVPacket* p) { writer.write(p, tb, index); };
  };
  auto pump = [&](double until) {
    const double limit = until * rate;
    while (const std::optional<std::int64_t> pts = dub_queue.next_pts()) {
      if (static_cast<double>(*pts) > limit) break;
      ff::PacketPtr p = dub_queue.pop();
      writer.write(p.get(), AVRational{1, rate}, dub_index);
    }
    while (orig_encode && !orig_encode->finished() && orig_encode->next_time() <= until) {
      orig_encode->step(write_now(AVRational{1, orig_rate}, orig_encode->stream()->index),
                        orig_fill, no_mix);
    }
    while (sub_track && !sub_track->finished() && sub_track->next_time() <= until) {
      sub_track->step(writer);
    }
  };

  ff::PacketPtr pkt(av_packet_alloc());
  std::int64_t video_packets = 0;
  double video_end = -std::numeric_limits<double>::infinity();
  for (;;) {
    rc = av_read_frame(in.get(), pkt.get());
    if (rc == AVERROR_EOF) break;
    check(rc, Exit::data, o.video, "corrupt or truncated");
    const int si = pkt->stream_index;
    if (si == vindex) {
      const AVRational tb = vst->time_base;
      const std::int64_t ts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
      if (ts != AV_NOPTS_VALUE) pump(seconds(ts, tb) + kLead);
      if (pkt->pts != AV_NOPTS_VALUE) {
        video_end = std::max(video_end, seconds(pkt->pts + pkt->duration, tb));
      }
      if (o.on_progress && ts != AV_NOPTS_VALUE)
        o.on_progress(std::clamp(seconds(ts, tb) - v_start, 0.0, v_duration), v_duration);
      ++video_packets;
      if (copy_video) {
        writer.write(pkt.get(), tb, ovst->index);
      } else {
        transcoder->send(writer, pkt.get());
      }
    } else if (orig_copy && si == oindex) {
      writer.write(pkt.get(), ist_orig->time_base, orig_copy->index);
    }
    av_packet_unref(pkt.get());
  }
  if (transcoder) transcoder->send(writer, nullptr);
  if (video_packets == 0) throw Error(Exit::data, o.video, "the video stream has no packets");
  // A cut-off file can still open (index at the front) but stop early.
  if (video_end < v_start + v_duration - 1.0) {
    char what[128];
    std::snprintf(what, sizeof what, "truncated: the video stops at %.3f s of %.3f s", video_end,
                  v_start + v_duration);
    throw Error(Exit::data, o.video, what);
  }
  pump(std::numeric_limits<double>::infinity());
  joiner.join();
  check(av_write_trailer(out.get()), Exit::io, o.output, "cannot finish the MP4");
  if (out->pb) {
    rc = avio_closep(&out->pb);
    check(rc, Exit::io, o.output, "cannot write");
  }
  const std::int64_t dub_frames = dub_source.drain();
  const DubFit fit = fit_dub(dub_frames, rate, v_duration, o.offset);

  std::vector<std::string> digests(3);
  if (o.hash_inputs) digests = hashes.get();
  if (temp) temp->commit();
  for (auto& s : sidecars) s->commit();

  // The report.
  Json doc;
  doc["schema"] = "dub.mux/1";
  doc["toolkit_version"] = audio::kToolkitVersion;
  doc["inputs"] = {
      {"video", audio::input_record(o.video, digests[0])},
      {"audio", audio::input_record(o.audio, digests[1])},
      {"subtitles", subs ? audio::input_record(o.subtitles, digests[2]) : Json(nullptr)}};
  doc["output"] = {{"path", o.output},
                   {"container", "mp4"},
                   {"layout", to_stdout ? "fragmented" : "faststart"},
                   {"duration", audio::round_to(v_duration, 6)}};
  Json tracks = Json::array();
  const Json video_track = {
      {"index", ovst->index},
      {"type", "video"},
      {"codec", "h264"},
      {"source_codec", vcodec},
      {"action", copy_video ? "copy" : "encode"},
      {"reason", copy_video
                     ? "already H.264: packets copied unchanged"
                     : vcodec + " is not H.264: re-encoded with libx264 (crf 18, preset fast)"},
      {"width", vst->codecpar->width},
      {"height", vst->codecpar->height},
      {"packets", video_packets},
      {"start", audio::round_to(v_start, 6)},
      {"duration", audio::round_to(v_duration, 6)}};
  tracks.push_back(video_track);
  tracks.push_back({{"index", dub.stream()->index},
                    {"type", "audio"},
                    {"role", "dub"},
                    {"codec", "aac"},
                    {"action", "encode"},
                    {"default", true},
                    {"language", o.language},
                    {"sample_rate", rate},
                    {"channels", channels},
                    {"bit_rate", dub.bit_rate()},
                    {"frames", dub.frames()},
                    {"duration", seconds_json(dub.frames(), rate)},
                    {"ducked_original", o.duck}});
  if (o.keep_original) {
    const AVStream* s = orig_copy ? orig_copy : orig_encode->stream();
    Json t = {{"index", s->index},
              {"type", "audio"},
              {"role", "original"},
              {"codec", orig_copy ? avcodec_get_name(ist_orig->codecpar->codec_id) : "aac"},
              {"action", orig_copy ? "copy" : "encode"},
              {"reason", orig_copy ? "an MP4 audio codec: packets copied unchanged"
                                   : std::string(avcodec_get_name(ist_orig->codecpar->codec_id)) +
                                         " is not an MP4 audio codec players play: encoded to AAC"},
              {"default", false},
              {"sample_rate", orig_copy ? orig_info->sample_rate : orig_rate},
              {"channels", orig_copy ? orig_info->channels : orig_channels}};
    tracks.push_back(t);
  }
  if (sub_track) {
    tracks.push_back({{"index", sub_track->stream()->index},
                      {"type", "subtitle"},
                      {"codec", "mov_text"},
                      {"action", "encode"},
                      {"language", o.language},
                      {"default", true},
                      {"cues", cues.cues.size()}});
  }
  doc["tracks"] = tracks;
  Json dubj;
  dubj["source_frames"] = dub_frames;
  dubj["source_sample_rate"] = dub_info.sample_rate;
  dubj["source_channels"] = dub_info.channels;
  dubj["source_duration"] = seconds_json(dub_frames, rate);
  dubj["offset"] = audio::round_to(o.offset, 6);
  dubj["lead_silence"] = seconds_json(fit.lead, rate);
  dubj["skipped"] = seconds_json(fit.skipped, rate);
  dubj["padding"] = seconds_json(fit.padding, rate);
  dubj["trimmed"] = seconds_json(fit.trimmed, rate);
  dubj["fit"] = fit.padding > 0 ? "padded" : fit.trimmed > 0 ? "trimmed" : "exact";
  dubj["integrated_lufs"] = audio::loudness_json(meter.integrated());
  dubj["sample_peak_dbfs"] = audio::loudness_json(audio::to_db(meter.sample_peak()));
  dubj["true_peak_dbtp"] = audio::loudness_json(audio::to_db(meter.true_peak()));
  doc["dub"] = dubj;
  if (o.duck) {
    doc["duck"] = {{"depth_db", o.duck_options.depth_db},
                   {"lookahead", o.duck_options.lookahead},
                   {"release", o.duck_options.release},
                   {"speech_segments", speech.size()},
                   {"speech_seconds", audio::round_to(speech_seconds(speech, rate), 3)}};
  } else {
    doc["duck"] = nullptr;
  }
  if (subs) {
    doc["subtitles"] = {{"format", subs->format == SubtitleFormat::srt ? "srt" : "vtt"},
                        {"cues", subs->cues.size()},
                        {"embedded", cues.cues.size()},
                        {"dropped_after_end", cues.dropped},
                        {"cut", cues.cut},
                        {"language", o.language},
                        {"srt", o.srt_sidecar.empty() ? Json(nullptr) : Json(o.srt_sidecar)},
                        {"vtt", o.vtt_sidecar.empty() ? Json(nullptr) : Json(o.vtt_sidecar)}};
  } else {
    doc["subtitles"] = nullptr;
  }
  if (!o.report.empty() && o.report != "-") {
    audio::write_json_line_file(o.report, doc);
  }
  group.commit();
  return doc;
}

}  // namespace mix
