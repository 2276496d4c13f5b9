#include "libaudio/decoder.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "libaudio/error.hpp"
#include "libaudio/ffmpeg_util.hpp"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace audio {

using namespace ff;

AudioInfo probe_audio(const std::string& path) {
  FormatPtr fmt = open_input(path);
  AudioInfo info = describe_audio(fmt.get(), path, -1);
  if (!avcodec_find_decoder(fmt->streams[info.stream_index]->codecpar->codec_id)) {
    throw Error(Exit::data, path, "no decoder for codec " + info.codec);
  }
  return info;
}

void check_stream_complete(const std::string& path) {
  FormatPtr fmt = open_input(path);
  const AudioInfo info = describe_audio(fmt.get(), path, -1);
  // A duration estimated from the bit rate and the file size always fits the data.
  if (!(info.duration > 0) || fmt->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE) {
    return;
  }
  const AVStream* st = fmt->streams[info.stream_index];
  PacketPtr packet(av_packet_alloc());
  if (!packet) throw Error(Exit::software, path, "out of memory");
  std::int64_t start = AV_NOPTS_VALUE, end = AV_NOPTS_VALUE, summed = 0;
  while (av_read_frame(fmt.get(), packet.get()) >= 0) {
    if (packet->stream_index == info.stream_index) {
      summed += std::max<std::int64_t>(packet->duration, 0);
      if (packet->pts != AV_NOPTS_VALUE) {
        if (start == AV_NOPTS_VALUE || packet->pts < start) start = packet->pts;
        end = std::max(end, packet->pts + std::max<std::int64_t>(packet->duration, 0));
      }
    }
    av_packet_unref(packet.get());
  }
  const std::int64_t held_ticks = start != AV_NOPTS_VALUE ? std::max(end - start, summed) : summed;
  const double held = static_cast<double>(held_ticks) * av_q2d(st->time_base);
  // The same slack as a decode's check: lossy streams may lose encoder delay and padding.
  const double slack = info.lossless ? 0.01 : 0.1 + info.duration / 50;
  if (held + slack < info.duration) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "truncated: the header promises %.3f s, the data holds %.3f s",
                  info.duration, held);
    throw Error(Exit::data, path, msg);
  }
}

struct Decoder::Impl {
  std::string path;
  FormatPtr fmt;
  CodecPtr codec;
  PacketPtr packet{av_packet_alloc()};
  FramePtr frame{av_frame_alloc()};
  SwrPtr swr;
  AudioInfo info;
  int out_rate = 0;
  int out_channels = 0;
  // Parameters the resampler was set up for; re-initialised if a stream changes them.
  int swr_format = -1, swr_rate = 0;
  AVChannelLayout swr_layout{};
  bool direct = false;  // input already interleaved float at the output rate/layout

  std::vector<float> fifo;
  std::size_t fifo_pos = 0;
  bool demux_done = false;
  bool finished = false;
  std::int64_t in_frames = 0;
  std::int64_t out_frames = 0;
  int good_packets = 0, bad_packets = 0;

  ~Impl() { av_channel_layout_uninit(&swr_layout); }

  void setup_conversion(const AVFrame* f) {
    const int in_ch = f->ch_layout.nb_channels;
    direct = f->format == AV_SAMPLE_FMT_FLT && f->sample_rate == out_rate && in_ch == out_channels;
    av_channel_layout_uninit(&swr_layout);
    av_channel_layout_copy(&swr_layout, &f->ch_layout);
    swr_format = f->format;
    swr_rate = f->sample_rate;
    swr.reset();
    if (direct ||
        (f->format == AV_SAMPLE_FMT_FLTP && f->sample_rate == out_rate && in_ch == out_channels)) {
      return;  // converted by hand: a copy or an interleave
    }
    AVChannelLayout in_layout{};
    if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
      av_channel_layout_default(&in_layout, in_ch);
    } else {
      av_channel_layout_copy(&in_layout, &f->ch_layout);
    }
    AVChannelLayout out_layout{};
    if (out_channels == in_ch) {
      av_channel_layout_copy(&out_layout, &in_layout);
    } else {
      av_channel_layout_default(&out_layout, out_channels);
    }
    SwrContext* raw = nullptr;
    int rc =
        swr_alloc_set_opts2(&raw, &out_layout, AV_SAMPLE_FMT_FLT, out_rate, &in_layout,
                            static_cast<AVSampleFormat>(f->format), f->sample_rate, 0, nullptr);
    av_channel_layout_uninit(&in_layout);
    av_channel_layout_uninit(&out_layout);
    if (rc < 0 || !raw || swr_init(raw) < 0) {
      swr_free(&raw);
      throw Error(Exit::data, path, "cannot set up the resampler for this audio");
    }
    swr.reset(raw);
  }

  bool params_changed(const AVFrame* f) const {
    return f->format != swr_format || f->sample_rate != swr_rate ||
           av_channel_layout_compare(&f->ch_layout, &swr_layout) != 0;
  }

  void convert(const AVFrame* f) {
    fifo_pos = 0;
    const int n = f->nb_samples;
    const int ch = out_channels;
    if (swr_format < 0 || params_changed(f)) setup_conversion(f);
    if (direct) {
      const float* src = reinterpret_cast<const float*>(f->extended_data[0]);
      fifo.assign(src, src + static_cast<std::size_t>(n) * ch);
    } else if (!swr) {  // planar float: interleave
      fifo.resize(static_cast<std::size_t>(n) * ch);
      for (int c = 0; c < ch; ++c) {
        const float* src = reinterpret_cast<const float*>(f->extended_data[c]);
        float* dst = fifo.data() + c;
        for (int i = 0; i < n; ++i) dst[static_cast<std::size_t>(i) * ch] = src[i];
      }
    } else {
      const int cap = swr_get_out_samples(swr.get(), n);
      fifo.resize(static_cast<std::size_t>(std::max(cap, 0)) * ch);
      uint8_t* out = reinterpret_cast<uint8_t*>(fifo.data());
      int got = swr_convert(swr.get(), &out, cap, const_cast<const uint8_t**>(f->extended_data), n);
      if (got < 0) throw Error(Exit::software, path, "resampling failed");
      fifo.resize(static_cast<std::size_t>(got) * ch);
    }
  }

  bool flush_resampler() {
    fifo_pos = 0;
    fifo.clear();
    if (!swr) return false;
    const int cap = swr_get_out_samples(swr.get(), 0);
    if (cap <= 0) return false;
    fifo.resize(static_cast<std::size_t>(cap) * out_channels);
    uint8_t* out = reinterpret_cast<uint8_t*>(fifo.data());
    int got = swr_convert(swr.get(), &out, cap, nullptr, 0);
    fifo.resize(static_cast<std::size_t>(std::max(got, 0)) * out_channels);
    swr.reset();
    return !fifo.empty();
  }

  void check_complete() const {
    if (info.frames > 0) {
      // Lossless lengths are exact to a frame; lossy ones can lose a frame or two of
      // encoder delay and padding.
      const std::int64_t slack = info.lossless ? std::max<std::int64_t>(info.sample_rate / 100, 1)
                                               : info.sample_rate / 10 + info.frames / 50;
      if (in_frames + slack < info.frames) {
        char msg[160];
        std::snprintf(msg, sizeof msg,
                      "truncated: the header promises %.3f s, the data holds %.3f s",
                      static_cast<double>(info.frames) / info.sample_rate,
                      static_cast<double>(in_frames) / info.sample_rate);
        throw Error(Exit::data, path, msg);
      }
    }
    if (good_packets == 0 && bad_packets > 0) throw Error(Exit::data, path, "no decodable audio");
    // A WAV on a pipe has no length FFmpeg knows, so only the bytes it held can tell.
    if (const auto cut = pipe_shortfall(fmt.get())) throw Error(Exit::data, path, *cut);
  }

  void note_bad_packet() {
    ++bad_packets;
    if (bad_packets > 8 && bad_packets > good_packets) {
      throw Error(Exit::data, path, "corrupt audio data");
    }
  }

  // Decodes until the fifo holds samples; false at the end of the stream.
  bool refill() {
    if (finished) return false;
    for (;;) {
      int rc = avcodec_receive_frame(codec.get(), frame.get());
      if (rc == 0) {
        in_frames += frame->nb_samples;
        convert(frame.get());
        av_frame_unref(frame.get());
        if (!fifo.empty()) return true;
        continue;
      }
      if (rc == AVERROR_EOF) {
        finished = true;
        check_complete();
        return flush_resampler();
      }
      if (rc != AVERROR(EAGAIN)) {
        if (rc == AVERROR_INVALIDDATA) {
          note_bad_packet();
          continue;
        }
        throw Error(Exit::data, path, "decoding failed (" + error_text(rc) + ")");
      }
      // The decoder wants input.
      if (demux_done) {
        // Should not happen after a flush packet, but never spin.
        finished = true;
        check_complete();
        return flush_resampler();
      }
      rc = av_read_frame(fmt.get(), packet.get());
      if (rc < 0) {
        if (rc != AVERROR_EOF && rc != AVERROR(EIO) && good_packets == 0) {
          if (path == "-") throw Error(Exit::data, path, pipe_error_text(rc));
          throw Error(Exit::data, path, "cannot read audio (" + error_text(rc) + ")");
        }
        if (rc == AVERROR(EIO) && fmt->pb && fmt->pb->error < 0 && fmt->pb->error != AVERROR_EOF) {
          throw Error(Exit::io, path, "read error (" + error_text(fmt->pb->error) + ")");
        }
        demux_done = true;
        avcodec_send_packet(codec.get(), nullptr);
        continue;
      }
      if (packet->stream_index != info.stream_index) {
        av_packet_unref(packet.get());
        continue;
      }
      rc = avcodec_send_packet(codec.get(), packet.get());
      av_packet_unref(packet.get());
      if (rc == 0) {
        ++good_packets;
      } else if (rc == AVERROR_INVALIDDATA) {
        note_bad_packet();
      } else if (rc != AVERROR(EAGAIN)) {
        throw Error(Exit::data, path, "decoding failed (" + error_text(rc) + ")");
      }
    }
  }
};

Decoder::Decoder(const std::string& path, const DecodeOptions& options)
    : impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  d.path = path;
  if (options.sample_rate < 0 || options.sample_rate > 768000) {
    throw Error(Exit::usage, path,
                "sample rate " + std::to_string(options.sample_rate) + " is out of range");
  }
  if (options.threads < 0 || options.threads > 256) {
    throw Error(Exit::usage, path,
                "thread count " + std::to_string(options.threads) + " is out of range");
  }
  if (options.channels < 0 || options.channels > 64) {
    throw Error(Exit::usage, path,
                "channel count " + std::to_string(options.channels) + " is out of range");
  }
  d.fmt = open_input(path);
  d.info = describe_audio(d.fmt.get(), path, options.stream);
  // Only the chosen stream's packets matter; let the demuxer drop the rest early.
  for (unsigned i = 0; i < d.fmt->nb_streams; ++i) {
    if (static_cast<int>(i) != d.info.stream_index) d.fmt->streams[i]->discard = AVDISCARD_ALL;
  }
  const AVCodecParameters* par = d.fmt->streams[d.info.stream_index]->codecpar;
  const AVCodec* dec = avcodec_find_decoder(par->codec_id);
  if (!dec) throw Error(Exit::data, path, "no decoder for codec " + d.info.codec);
  d.codec.reset(avcodec_alloc_context3(dec));
  if (!d.codec || avcodec_parameters_to_context(d.codec.get(), par) < 0) {
    throw Error(Exit::software, path, "cannot set up the decoder");
  }
  d.codec->thread_count = options.threads;  // 1 by default: batches parallelise across files
  if (options.threads != 1) d.codec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  d.codec->pkt_timebase = d.fmt->streams[d.info.stream_index]->time_base;
  int rc = avcodec_open2(d.codec.get(), dec, nullptr);
  if (rc < 0) throw Error(Exit::data, path, "cannot open the decoder (" + error_text(rc) + ")");
  d.out_rate = options.sample_rate > 0 ? options.sample_rate : d.info.sample_rate;
  d.out_channels = options.channels > 0 ? options.channels : d.info.channels;
}

Decoder::~Decoder() = default;

const AudioInfo& Decoder::info() const {
  return impl_->info;
}
int Decoder::sample_rate() const {
  return impl_->out_rate;
}
int Decoder::channels() const {
  return impl_->out_channels;
}
std::int64_t Decoder::frames_read() const {
  return impl_->out_frames;
}
double Decoder::seconds_read() const {
  return static_cast<double>(impl_->out_frames) / impl_->out_rate;
}

std::size_t Decoder::read(float* out, std::size_t max_frames) {
  Impl& d = *impl_;
  const std::size_t ch = static_cast<std::size_t>(d.out_channels);
  std::size_t written = 0;
  while (written < max_frames) {
    if (d.fifo_pos >= d.fifo.size()) {
      if (!d.refill()) break;
      continue;
    }
    const std::size_t avail = (d.fifo.size() - d.fifo_pos) / ch;
    const std::size_t n = std::min(avail, max_frames - written);
    std::memcpy(out + written * ch, d.fifo.data() + d.fifo_pos, n * ch * sizeof(float));
    d.fifo_pos += n * ch;
    written += n;
  }
  d.out_frames += static_cast<std::int64_t>(written);
  return written;
}

struct PacketReader::Impl {
  FormatPtr fmt;
  PacketPtr packet{av_packet_alloc()};
  AudioInfo info;
};

PacketReader::PacketReader(const std::string& path, int stream) : impl_(std::make_unique<Impl>()) {
  impl_->fmt = open_input(path);
  impl_->info = describe_audio(impl_->fmt.get(), path, stream);
  for (unsigned i = 0; i < impl_->fmt->nb_streams; ++i) {
    if (static_cast<int>(i) != impl_->info.stream_index)
      impl_->fmt->streams[i]->discard = AVDISCARD_ALL;
  }
}

PacketReader::~PacketReader() = default;

const AudioInfo& PacketReader::info() const {
  return impl_->info;
}

bool PacketReader::next(const std::uint8_t*& data, std::size_t& size) {
  Impl& p = *impl_;
  av_packet_unref(p.packet.get());
  for (;;) {
    int rc = av_read_frame(p.fmt.get(), p.packet.get());
    if (rc == AVERROR_EOF) return false;
    if (rc < 0) {
      if (rc == AVERROR(EIO) && p.fmt->pb && p.fmt->pb->error < 0 &&
          p.fmt->pb->error != AVERROR_EOF) {
        throw Error(Exit::io, p.info.path, "read error (" + error_text(p.fmt->pb->error) + ")");
      }
      return false;
    }
    if (p.packet->stream_index == p.info.stream_index) {
      data = p.packet->data;
      size = static_cast<std::size_t>(p.packet->size);
      return true;
    }
    av_packet_unref(p.packet.get());
  }
}

}  // namespace audio
