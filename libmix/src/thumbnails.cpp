#include "libmix/thumbnails.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "libaudio/atomic_file.hpp"
#include "libaudio/error.hpp"
#include "libaudio/ffmpeg_util.hpp"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace mix {
namespace {

using audio::Error;
using audio::Exit;
namespace ff = audio::ff;

constexpr double kSeekAhead = 3.0;  // decode through gaps shorter than this instead of seeking

bool is_black(const AVFrame* f) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(AVPixelFormat(f->format));
  if (!d || (d->flags & AV_PIX_FMT_FLAG_RGB) || d->nb_components < 1) return false;
  const bool full = f->color_range == AVCOL_RANGE_JPEG || f->format == AV_PIX_FMT_YUVJ420P ||
                    f->format == AV_PIX_FMT_YUVJ422P || f->format == AV_PIX_FMT_YUVJ444P;
  const double lo = full ? 0 : 16, hi = full ? 255 : 235;
  const int step = d->comp[0].step;
  double sum = 0, top = 0;
  std::size_t n = 0;
  for (int y = 0; y < f->height; y += 8) {
    const uint8_t* row = f->data[0] + std::ptrdiff_t(y) * f->linesize[0];
    for (int x = 0; x < f->width; x += 8) {
      const double v = row[std::ptrdiff_t(x) * step];
      sum += v;
      top = std::max(top, v);
      ++n;
    }
  }
  if (n == 0) return false;
  const double mean = (sum / double(n) - lo) / (hi - lo), peak = (top - lo) / (hi - lo);
  return mean < 0.10 && peak < 0.25;
}

}  // namespace

std::vector<Thumbnail> take_thumbnails(const std::string& input,
                                       const std::vector<ThumbnailRequest>& requests,
                                       int max_width) {
  std::vector<Thumbnail> out(requests.size());
  if (requests.empty()) return out;
  ff::FormatPtr in = ff::open_input(input);
  for (unsigned i = 0; i < in->nb_streams; ++i) in->streams[i]->discard = AVDISCARD_ALL;
  const int v = av_find_best_stream(in.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (v < 0 || (in->streams[v]->disposition & AV_DISPOSITION_ATTACHED_PIC))
    throw Error(Exit::data, input, "no video stream");
  AVStream* st = in->streams[v];
  st->discard = AVDISCARD_DEFAULT;
  const AVCodec* dcodec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!dcodec) throw Error(Exit::data, input, "no decoder for the video codec");
  ff::CodecPtr dec(avcodec_alloc_context3(dcodec));
  if (avcodec_parameters_to_context(dec.get(), st->codecpar) < 0)
    throw Error(Exit::data, input, "bad video parameters");
  dec->thread_count = 0;
  dec->pkt_timebase = st->time_base;
  if (avcodec_open2(dec.get(), dcodec, nullptr) < 0)
    throw Error(Exit::data, input, "cannot open the video decoder");

  // Output size: display aspect kept, at most max_width wide, even.
  AVRational sar = av_guess_sample_aspect_ratio(in.get(), st, nullptr);
  if (sar.num <= 0 || sar.den <= 0) sar = {1, 1};
  const double display_w = double(dec->width) * av_q2d(sar);
  int ow = std::min(max_width, int(std::lround(display_w)));
  int oh = int(std::lround(double(ow) * dec->height / display_w));
  ow -= ow % 2;
  oh -= oh % 2;
  if (ow <= 0 || oh <= 0) throw Error(Exit::data, input, "video has no picture size");
  const AVCodec* jcodec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (!jcodec) throw Error(Exit::software, input, "mjpeg encoder not available");
  ff::CodecPtr jpeg(avcodec_alloc_context3(jcodec));
  jpeg->width = ow;
  jpeg->height = oh;
  jpeg->pix_fmt = AV_PIX_FMT_YUVJ420P;
  jpeg->color_range = AVCOL_RANGE_JPEG;
  jpeg->time_base = {1, 25};
  jpeg->flags |= AV_CODEC_FLAG_QSCALE;
  jpeg->global_quality = FF_QP2LAMBDA * 3;
  if (avcodec_open2(jpeg.get(), jcodec, nullptr) < 0)
    throw Error(Exit::software, input, "cannot open the mjpeg encoder");

  ff::PacketPtr pkt(av_packet_alloc()), jpkt(av_packet_alloc());
  ff::FramePtr frame(av_frame_alloc()), kept(av_frame_alloc()), scaled(av_frame_alloc());
  scaled->format = jpeg->pix_fmt;
  scaled->width = ow;
  scaled->height = oh;
  if (av_frame_get_buffer(scaled.get(), 0) < 0) throw Error(Exit::software, input, "out of memory");
  ff::SwsPtr sws;

  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return requests[a].time < requests[b].time;
  });
  std::int64_t shots_taken = 0;
  double position = -1e9;  // time of the last decoded frame (-inf: nothing decoded yet)
  bool eof = false;
  // Next decoded frame into `frame`; false at the end of the stream.
  double goal = 0;  // the current target: frames well before it need not be decoded fully
  auto next_frame = [&]() -> bool {
    for (;;) {
      const int r = avcodec_receive_frame(dec.get(), frame.get());
      if (r == 0) {
        position = double(frame->best_effort_timestamp) * av_q2d(st->time_base);
        return true;
      }
      if (r == AVERROR_EOF) return false;
      if (eof) return false;
      const int rr = av_read_frame(in.get(), pkt.get());
      if (rr < 0) {
        eof = true;
        avcodec_send_packet(dec.get(), nullptr);
        continue;
      }
      if (pkt->stream_index == v) {
        // Frames no other frame refers to are skipped on the way to the target (about half
        // the decoding); near it (0.5 s: more than any reordering delay) all are decoded.
        const int64_t ts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
        const bool early = ts != AV_NOPTS_VALUE && double(ts) * av_q2d(st->time_base) < goal - 0.5;
        dec->skip_frame = early ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
        if (avcodec_send_packet(dec.get(), pkt.get()) < 0) {
          av_packet_unref(pkt.get());
          throw Error(Exit::data, input, "corrupt video data");
        }
      }
      av_packet_unref(pkt.get());
    }
  };
  // The time of the keyframe at or before t (from the demuxer's index), or -inf.
  auto keyframe_before = [&](double t) {
    const int i = av_index_search_timestamp(st, std::llround(t / av_q2d(st->time_base)),
                                            AVSEEK_FLAG_BACKWARD);
    const AVIndexEntry* e = i >= 0 ? avformat_index_get_entry(st, i) : nullptr;
    return e ? double(e->timestamp) * av_q2d(st->time_base) : -1e9;
  };
  for (std::size_t idx : order) {
    const ThumbnailRequest& req = requests[idx];
    double target = req.time;
    goal = target;
    // Decode on from where we are when no keyframe lies between here and the target (a
    // seek would land before here) or the target is close; else seek.
    const bool ahead = target >= position;
    if (!(ahead && (target - position < kSeekAhead || keyframe_before(target) <= position))) {
      if (av_seek_frame(in.get(), v, std::llround(target / av_q2d(st->time_base)),
                        AVSEEK_FLAG_BACKWARD) < 0)
        av_seek_frame(in.get(), v, 0, AVSEEK_FLAG_BACKWARD);
      avcodec_flush_buffers(dec.get());
      eof = false;
      position = -1e9;
    }
    bool have = false, black = true;
    while (next_frame()) {
      if (position + 1e-6 < target) {
        av_frame_unref(frame.get());
        continue;
      }
      av_frame_unref(kept.get());
      av_frame_move_ref(kept.get(), frame.get());
      have = true;
      black = is_black(kept.get());
      if (!black || target + 0.5 > req.search_end) break;
      target += 0.5;
      goal = target;
    }
    if (!have)
      throw Error(Exit::data, input, "no video frame at " + std::to_string(req.time) + " s");
    sws.reset(sws_getCachedContext(sws.release(), kept->width, kept->height,
                                   AVPixelFormat(kept->format), ow, oh, jpeg->pix_fmt, SWS_BICUBIC,
                                   nullptr, nullptr, nullptr));
    if (!sws) throw Error(Exit::software, input, "cannot convert the video frame");
    if (av_frame_make_writable(scaled.get()) < 0)
      throw Error(Exit::software, input, "out of memory");
    sws_scale(sws.get(), kept->data, kept->linesize, 0, kept->height, scaled->data,
              scaled->linesize);
    scaled->pts = shots_taken++;  // the encoder wants rising timestamps
    int rc = avcodec_send_frame(jpeg.get(), scaled.get());
    if (rc >= 0) rc = avcodec_receive_packet(jpeg.get(), jpkt.get());
    if (rc < 0)
      throw Error(Exit::software, req.output, "JPEG encoding failed: " + ff::error_text(rc));
    audio::AtomicFile file(req.output);
    const uint8_t* p = jpkt->data;
    std::size_t left = std::size_t(jpkt->size);
    while (left > 0) {
      const ssize_t w = ::write(file.fd(), p, left);
      if (w < 0) throw Error(Exit::io, req.output, "write failed");
      p += w;
      left -= std::size_t(w);
    }
    av_packet_unref(jpkt.get());
    file.commit();
    out[idx] = {req.output, double(kept->best_effort_timestamp) * av_q2d(st->time_base), black, ow,
                oh};
  }
  return out;
}

}  // namespace mix
