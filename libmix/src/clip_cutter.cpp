#include "libmix/clip_cutter.hpp"

#include <lame/lame.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include "clip_output.hpp"
#include "libaudio/atomic_file.hpp"
#include "libaudio/error.hpp"
#include "libaudio/ffmpeg_util.hpp"
#include "libaudio/sound_writer.hpp"
#include "smart_cut.hpp"

namespace mix {
namespace {

using audio::Error;
using audio::Exit;
using detail::check;
using detail::Output;
using detail::retime;
using detail::seconds_of;
using detail::ts_of;
using detail::video_stream;
namespace ff = audio::ff;

CutResult copy_clip(const std::string& input, const CutRequest& req) {
  ff::FormatPtr in = ff::open_input(input);
  const int v = video_stream(in.get(), input);
  const int a = av_find_best_stream(in.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  Output out(req.output);
  AVStream* vin = in->streams[v];
  AVStream* vout = out.copy_stream(vin);
  AVStream* aout = a >= 0 ? out.copy_stream(in->streams[a]) : nullptr;
  out.open();
  check(av_seek_frame(in.get(), v, ts_of(req.start, vin->time_base), AVSEEK_FLAG_BACKWARD), input,
        "cannot seek");
  ff::PacketPtr pkt(av_packet_alloc());
  double origin = NAN;
  bool video_done = false, audio_done = a < 0;
  CutResult r{req.output, req.start, req.end, false, 0, ""};
  int rc;
  while (!(video_done && audio_done) && (rc = av_read_frame(in.get(), pkt.get())) >= 0) {
    AVStream* st = in->streams[pkt->stream_index];
    const double t = seconds_of(pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts, st->time_base);
    if (pkt->stream_index == v) {
      if (std::isnan(origin)) {
        if (!(pkt->flags & AV_PKT_FLAG_KEY)) {
          av_packet_unref(pkt.get());
          continue;
        }
        origin = t;
        r.start = t;
      }
      const double dts =
          seconds_of(pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts, st->time_base);
      if (video_done || dts >= req.end) {
        video_done = true;
      } else {
        retime(pkt.get(), st->time_base, vout->time_base, origin);
        pkt->stream_index = vout->index;
        out.write(pkt.get());
      }
    } else if (pkt->stream_index == a && !std::isnan(origin)) {
      if (t >= req.end) {
        audio_done = true;
      } else if (t >= origin) {
        retime(pkt.get(), st->time_base, aout->time_base, origin);
        pkt->stream_index = aout->index;
        out.write(pkt.get());
      }
    }
    av_packet_unref(pkt.get());
  }
  if (std::isnan(origin)) throw Error(Exit::data, input, "no video keyframe before the clip's end");
  out.finish();
  return r;
}

// Centre crop of w x h to the aspect (even sizes).
void crop_for(const std::string& aspect, int w, int h, int& cw, int& ch) {
  cw = w;
  ch = h;
  int num = 0, den = 0;
  if (aspect == "9:16") num = 9, den = 16;
  if (aspect == "1:1") num = 1, den = 1;
  if (num == 0) return;
  if (double(w) / h > double(num) / den) {
    cw = int(std::lround(double(h) * num / den));
  } else {
    ch = int(std::lround(double(w) * den / num));
  }
  cw -= cw % 2;
  ch -= ch % 2;
}

CutResult encode_clip(const std::string& input, const CutRequest& req, const CutOptions& o) {
  ff::FormatPtr in = ff::open_input(input);
  const int v = video_stream(in.get(), input);
  const int a = av_find_best_stream(in.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  AVStream* vin = in->streams[v];
  ff::CodecPtr dec = detail::open_video_decoder(vin, input);

  const AVCodec* ecodec = avcodec_find_encoder_by_name("libx264");
  if (!ecodec) throw Error(Exit::software, req.output, "libx264 encoder not available");
  int cw = 0, ch = 0;
  crop_for(o.aspect, dec->width, dec->height, cw, ch);
  AVRational fps = av_guess_frame_rate(in.get(), vin, nullptr);
  if (fps.num <= 0 || fps.den <= 0) fps = {25, 1};
  ff::CodecPtr enc(avcodec_alloc_context3(ecodec));
  enc->width = cw;
  enc->height = ch;
  enc->pix_fmt = AV_PIX_FMT_YUV420P;
  enc->time_base = av_inv_q(fps);
  enc->framerate = fps;
  enc->sample_aspect_ratio = dec->sample_aspect_ratio;
  enc->thread_count = 0;
  Output out(req.output);
  if (out.fmt->oformat->flags & AVFMT_GLOBALHEADER) enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "preset", o.preset.c_str(), 0);
  av_dict_set(&opts, "crf", std::to_string(o.crf).c_str(), 0);
  const int orc = avcodec_open2(enc.get(), ecodec, &opts);
  av_dict_free(&opts);
  check(orc, req.output, "cannot open libx264", Exit::software);
  AVStream* vout = avformat_new_stream(out.fmt.get(), nullptr);
  if (!vout) throw Error(Exit::software, req.output, "cannot add a stream");
  check(avcodec_parameters_from_context(vout->codecpar, enc.get()), req.output, "stream parameters",
        Exit::software);
  vout->time_base = enc->time_base;
  AVStream* aout = a >= 0 ? out.copy_stream(in->streams[a]) : nullptr;
  out.open();

  check(av_seek_frame(in.get(), v, ts_of(req.start, vin->time_base), AVSEEK_FLAG_BACKWARD), input,
        "cannot seek");
  ff::PacketPtr pkt(av_packet_alloc()), opkt(av_packet_alloc());
  ff::FramePtr frame(av_frame_alloc()), scaled(av_frame_alloc());
  scaled->format = enc->pix_fmt;
  scaled->width = cw;
  scaled->height = ch;
  check(av_frame_get_buffer(scaled.get(), 0), req.output, "out of memory", Exit::software);
  ff::SwsPtr sws;
  int64_t next_pts = 0;
  bool video_done = false, audio_done = a < 0;
  double first = NAN;
  auto drain = [&](AVFrame* f) {
    check(avcodec_send_frame(enc.get(), f), req.output, "encoding failed", Exit::software);
    while (avcodec_receive_packet(enc.get(), opkt.get()) == 0) {
      av_packet_rescale_ts(opkt.get(), enc->time_base, vout->time_base);
      opkt->stream_index = vout->index;
      out.write(opkt.get());
    }
  };
  auto take_frames = [&] {
    while (avcodec_receive_frame(dec.get(), frame.get()) == 0) {
      const double t = seconds_of(frame->best_effort_timestamp, vin->time_base);
      if (t >= req.end) video_done = true;
      if (!video_done && t >= req.start - 1e-6) {
        if (std::isnan(first)) first = t;
        frame->crop_left = size_t((frame->width - cw) / 2);
        frame->crop_right = size_t(frame->width - cw) - frame->crop_left;
        frame->crop_top = size_t((frame->height - ch) / 2);
        frame->crop_bottom = size_t(frame->height - ch) - frame->crop_top;
        check(av_frame_apply_cropping(frame.get(), AV_FRAME_CROP_UNALIGNED), input, "crop failed",
              Exit::software);
        sws.reset(sws_getCachedContext(sws.release(), frame->width, frame->height,
                                       AVPixelFormat(frame->format), cw, ch, enc->pix_fmt,
                                       SWS_BILINEAR, nullptr, nullptr, nullptr));
        if (!sws) throw Error(Exit::software, input, "cannot convert the video frames");
        check(av_frame_make_writable(scaled.get()), req.output, "out of memory", Exit::software);
        sws_scale(sws.get(), frame->data, frame->linesize, 0, frame->height, scaled->data,
                  scaled->linesize);
        scaled->pts = next_pts++;
        drain(scaled.get());
      }
      av_frame_unref(frame.get());
    }
  };
  int rc;
  while (!(video_done && audio_done) && (rc = av_read_frame(in.get(), pkt.get())) >= 0) {
    AVStream* st = in->streams[pkt->stream_index];
    if (pkt->stream_index == v && !video_done) {
      if (avcodec_send_packet(dec.get(), pkt.get()) < 0) {
        av_packet_unref(pkt.get());
        throw Error(Exit::data, input, "corrupt video data");
      }
      take_frames();
    } else if (pkt->stream_index == a) {
      const double t = seconds_of(pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts, st->time_base);
      if (t >= req.end) {
        audio_done = true;
      } else if (t >= req.start) {
        retime(pkt.get(), st->time_base, aout->time_base, req.start);
        pkt->stream_index = aout->index;
        out.write(pkt.get());
      }
    }
    av_packet_unref(pkt.get());
  }
  if (!video_done) {  // the input ended inside the clip: flush the decoder
    avcodec_send_packet(dec.get(), nullptr);
    take_frames();
  }
  if (std::isnan(first)) throw Error(Exit::data, input, "no video frames in the clip's range");
  drain(nullptr);
  out.finish();
  return {req.output, first, req.end, true, int(next_pts), ""};
}

struct LameClose {
  void operator()(lame_global_flags* p) const { lame_close(p); }
};

// One audio clip being written while the input decodes.
struct AudioSink {
  CutRequest req;
  int rate = 0, channels = 0;
  std::int64_t first = 0, frames = 0, written = 0;  // frame range in the input
  std::int64_t fade = 0;
  std::unique_ptr<audio::SoundWriter> sound;
  std::unique_ptr<audio::AtomicFile> mp3_file;
  std::unique_ptr<lame_global_flags, LameClose> lame;
  std::vector<unsigned char> buf;
  std::vector<float> scratch;

  void write_mp3(const unsigned char* p, int n) {
    if (n < 0) throw Error(Exit::software, req.output, "MP3 encoding failed");
    while (n > 0) {
      const ssize_t w = ::write(mp3_file->fd(), p, size_t(n));
      if (w < 0) throw Error(Exit::io, req.output, "write failed");
      p += w;
      n -= int(w);
    }
  }
  void push(const float* x, std::int64_t at, std::size_t n) {  // frames of the input from `at`
    const std::int64_t lo = std::max(at, first),
                       hi = std::min(at + std::int64_t(n), first + frames);
    if (hi <= lo) return;
    const auto ch = std::size_t(channels);
    scratch.assign(x + std::size_t(lo - at) * ch, x + std::size_t(hi - at) * ch);
    for (std::int64_t f = lo; f < hi; ++f) {
      const std::int64_t k = f - first;
      const double g =
          std::min({1.0, double(k) / double(fade), double(frames - 1 - k) / double(fade)});
      if (g < 1)
        for (std::size_t c = 0; c < ch; ++c)
          scratch[std::size_t(f - lo) * ch + c] *= float(std::max(0.0, g));
    }
    const auto count = std::size_t(hi - lo);
    if (sound) {
      sound->write(scratch.data(), count);
    } else {
      buf.resize(count * 5 / 4 + 7200);
      const int m = lame_encode_buffer_interleaved_ieee_float(
          lame.get(), scratch.data(), int(count), buf.data(), int(buf.size()));
      write_mp3(buf.data(), m);
    }
    written += std::int64_t(count);
  }
  void finish() {
    if (sound) {
      sound->commit();
      return;
    }
    buf.resize(7200);
    write_mp3(buf.data(), lame_encode_flush(lame.get(), buf.data(), int(buf.size())));
    mp3_file->commit();
  }
};

}  // namespace

void check_aspect(const std::string& aspect) {
  if (!aspect.empty() && aspect != "9:16" && aspect != "1:1")
    throw Error(Exit::usage, "--aspect", "must be 9:16 or 1:1: " + aspect);
}

CutMode parse_cut_mode(const std::string& name) {
  if (name == "copy") return CutMode::copy;
  if (name == "smart") return CutMode::smart;
  if (name == "exact") return CutMode::exact;
  throw Error(Exit::usage, "--cut", "must be copy, smart or exact: " + name);
}

const char* cut_mode_name(CutMode mode) {
  switch (mode) {
    case CutMode::copy:
      return "copy";
    case CutMode::exact:
      return "exact";
    case CutMode::smart:
      break;
  }
  return "smart";
}

std::vector<CutResult> cut_video(const std::string& input, const std::vector<CutRequest>& clips,
                                 const CutOptions& options) {
  check_aspect(options.aspect);
  std::vector<CutResult> out;
  for (const CutRequest& c : clips) {
    if (options.mode == CutMode::exact || !options.aspect.empty()) {
      out.push_back(encode_clip(input, c, options));
    } else if (options.mode == CutMode::copy) {
      out.push_back(copy_clip(input, c));
    } else {
      std::string why_not;
      std::optional<CutResult> r = detail::smart_cut(input, c, options, why_not);
      if (!r) {
        r = encode_clip(input, c, options);
        r->note = "smart cut not possible (" + why_not + "): the whole clip re-encoded";
      }
      out.push_back(*r);
    }
  }
  return out;
}

std::string audio_clip_extension(const audio::AudioInfo& info) {
  if (info.container == "wav") return "wav";
  if (info.container == "flac") return "flac";
  return "mp3";
}

std::vector<CutResult> cut_audio(const std::string& input, const std::vector<CutRequest>& clips,
                                 const CutOptions& options) {
  audio::Decoder dec(input);
  const audio::AudioInfo& info = dec.info();
  const int rate = dec.sample_rate(), channels = dec.channels();
  std::vector<std::unique_ptr<AudioSink>> sinks;
  for (const CutRequest& c : clips) {
    auto s = std::make_unique<AudioSink>();
    s->req = c;
    s->rate = rate;
    s->channels = channels;
    s->first = std::llround(c.start * rate);
    s->frames = std::max<std::int64_t>(1, std::llround(c.end * rate) - s->first);
    s->fade = std::max<std::int64_t>(1, std::llround(options.fade * rate));
    const std::string ext = c.output.substr(c.output.find_last_of('.') + 1);
    if (ext == "wav" || ext == "flac") {
      const audio::SampleFormat fmt =
          info.codec.find("f32") != std::string::npos || info.codec.find("f64") != std::string::npos
              ? audio::SampleFormat::float32
          : info.bits_per_sample > 16 ? audio::SampleFormat::pcm24
                                      : audio::SampleFormat::pcm16;
      const auto container = ext == "wav" ? audio::Container::wav : audio::Container::flac;
      s->sound = std::make_unique<audio::SoundWriter>(
          c.output, rate, channels,
          container == audio::Container::flac && fmt == audio::SampleFormat::float32
              ? audio::SampleFormat::pcm24
              : fmt,
          container);
    } else {
      if (channels > 2) throw Error(Exit::data, input, "MP3 clips need mono or stereo audio");
      s->mp3_file = std::make_unique<audio::AtomicFile>(c.output);
      s->lame.reset(lame_init());
      if (!s->lame) throw Error(Exit::software, c.output, "cannot start the MP3 encoder");
      lame_set_in_samplerate(s->lame.get(), rate);
      lame_set_num_channels(s->lame.get(), channels);
      lame_set_mode(s->lame.get(), channels == 1 ? MONO : JOINT_STEREO);
      lame_set_brate(s->lame.get(), 192);
      lame_set_quality(s->lame.get(), 2);
      lame_set_bWriteVbrTag(s->lame.get(), 0);
      if (lame_init_params(s->lame.get()) < 0)
        throw Error(Exit::software, c.output,
                    "MP3 encoder refuses " + std::to_string(rate) + " Hz");
    }
    sinks.push_back(std::move(s));
  }
  std::int64_t last = 0;
  for (const auto& s : sinks) last = std::max(last, s->first + s->frames);
  constexpr std::size_t kChunk = 8192;
  std::vector<float> chunk(kChunk * std::size_t(channels));
  std::int64_t at = 0;
  while (at < last) {
    const std::size_t n = dec.read(chunk.data(), kChunk);
    if (n == 0) break;
    for (auto& s : sinks) s->push(chunk.data(), at, n);
    at += std::int64_t(n);
  }
  std::vector<CutResult> out;
  for (auto& s : sinks) {
    s->finish();
    out.push_back({s->req.output, double(s->first) / rate, double(s->first + s->written) / rate,
                   false, 0, ""});
  }
  return out;
}

}  // namespace mix
