// Smart cut: a frame-accurate H.264 clip that re-encodes only what a stream copy cannot give.
//
// Why: a stream copy must start on a keyframe (the clip starts up to a GOP early and runs
// long); a full re-encode costs the whole clip's encoding time and a generation of quality.
// A clip is made of up to three parts, in decode order:
//   head: the frames from the clip's first frame up to the source's next IDR frame K,
//         decoded from the keyframe before them and re-encoded;
//   tail: the packets from K on, copied as they are;
//   end:  with B-frames, the frames just before the end may reference a frame shown after
//         it (a P frame decoded before the B-frames shown before it). Copying that frame
//         would show it, dropping it would break the B-frames. So the tail is copied only up
//         to the last "clean" point in decode order: one where every packet before it is shown
//         before every packet after it, so no copied frame references a dropped one. The
//         frames between that point and the end (a mini-GOP at most, a few frames) are decoded
//         from the last IDR before them and re-encoded as a part of their own, starting with
//         an IDR. Without B-frames the clean point is the end itself: nothing re-encoded.
// A start within half a frame of an IDR frame needs no head; with a clean end too, the clip
// is a pure copy. Everything is planned from the packets' timestamps first (a scan that reads
// the clip's packets without decoding them), so the decoder only runs over the GOPs that are
// re-encoded, and skips their non-reference frames outside the re-encoded ranges.
//
// Joining the parts into one track: an MP4 "avc1" track holds its SPS/PPS out of band, in the
// avcC of its sample entry, and our encoder's SPS/PPS differ from the source's. libx264 is
// given an SPS/PPS id no source parameter set uses (x264's sps-id), and the avcC lists the
// source's parameter sets and ours. Each slice names its PPS, so the re-encoded slices decode
// with ours and the copied ones with the source's, and the switch happens only at IDR frames
// (the first frame of every part), where H.264 allows a new SPS. Nothing is carried in band:
// decoders that configure themselves from the avcC alone (browsers, VideoToolbox, Android's
// extractor) get every parameter set, and h264_mp4toannexb (remuxing to MPEG-TS) repeats them
// all at each IDR. Profile and level are the source's, so the avcC's header holds for both.
// libx264 writes Annex B; its packets are reframed with the track's NAL length size. It makes
// no B-frames here, and its parts' decode times are placed between the copied packets' (the
// head's shifted down by the source's reorder delay) so decode times increase across joins.
//
// The clip is the frames within half a frame of [start, end), so it lasts its length within a
// frame. The re-encoded frames use CutOptions::smart_preset (ultrafast by default: a head is
// up to a GOP of full-size video per clip, several seconds at a slower preset, and only for
// those few seconds of the clip is the bitrate higher) and CutOptions::crf.
// Timestamps: the clip's first frame is at 0; audio packets are copied from it to the end.
#include "smart_cut.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "clip_output.hpp"
#include "h264_config.hpp"

namespace mix::detail {
namespace {

using audio::Error;
using audio::Exit;
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// A video packet of the clip's range, in decode order; times in the stream's time base.
struct Mark {
  int64_t pts = 0, dts = 0;
  bool key = false, idr = false;
};

// Where each part starts and ends, in the source stream's time base.
struct Plan {
  int64_t seek_ts = 0, first_dts = 0, last_dts = 0;  // the video packets read
  int64_t frame = 1;                                 // one frame's duration
  int64_t origin = 0, limit = 0, last_pts = 0;       // the clip: frames in [origin, limit)
  int64_t tail_dts = kNever, tail_pts = kNever;      // K, the IDR the copy starts at
  int64_t tail_delay = 0;                            // K's pts - dts: the reorder delay
  int64_t copy_end_dts = kNever, last_copied_dts = 0;
  int64_t end_from = kNever, end_decode_dts = kNever;  // end part: frames [end_from, limit)
  bool has_tail() const { return tail_dts != kNever; }
  bool has_head() const { return tail_pts > origin; }
  bool has_end() const { return end_from < limit; }
  int64_t head_until() const { return has_tail() ? tail_pts : limit; }
};

// The first video keyframe read after seeking back to `seek_ts`; times kNever if none.
Mark keyframe_at(AVFormatContext* in, int v, int64_t seek_ts, const std::string& input) {
  check(av_seek_frame(in, v, seek_ts, AVSEEK_FLAG_BACKWARD), input, "cannot seek");
  ff::PacketPtr pkt(av_packet_alloc());
  Mark m{kNever, kNever, true, false};
  while (av_read_frame(in, pkt.get()) >= 0) {
    const bool found = pkt->stream_index == v && (pkt->flags & AV_PKT_FLAG_KEY);
    if (found && pkt->pts != AV_NOPTS_VALUE && pkt->dts != AV_NOPTS_VALUE)
      m = {pkt->pts, pkt->dts, true, false};
    av_packet_unref(pkt.get());
    if (found) break;
  }
  return m;
}

// Where to seek so that decoding starts at a keyframe shown at or before `first`. Demuxers
// seek by decode time, so the keyframe found can be shown after the clip's first frame (its
// reorder delay straddling it); then the keyframe before it is the one.
int64_t seek_point(AVFormatContext* in, int v, int64_t first, const std::string& input) {
  int64_t seek_ts = first;
  Mark k = keyframe_at(in, v, seek_ts, input);
  for (int tries = 0; tries < 8 && k.pts != kNever && k.pts > first; ++tries) {
    const Mark earlier = keyframe_at(in, v, k.dts - 1, input);
    if (earlier.dts >= k.dts) break;  // nothing earlier (kNever included)
    seek_ts = k.dts - 1;
    k = earlier;
  }
  return seek_ts;
}

// Reads the video packets from the keyframe at or before `seek_ts`, without decoding, while
// their decode time is before `limit` (no later packet can be shown before it). Empty if the
// packets lack timestamps.
std::vector<Mark> scan(AVFormatContext* in, int v, int64_t seek_ts, int64_t limit, int length_size,
                       const std::string& input) {
  check(av_seek_frame(in, v, seek_ts, AVSEEK_FLAG_BACKWARD), input, "cannot seek");
  ff::PacketPtr pkt(av_packet_alloc());
  std::vector<Mark> marks;
  while (av_read_frame(in, pkt.get()) >= 0) {
    Mark m{pkt->pts, pkt->dts, (pkt->flags & AV_PKT_FLAG_KEY) != 0, false};
    const bool video = pkt->stream_index == v && (m.key || !marks.empty());
    if (video) m.idr = m.key && has_idr_slice(pkt->data, std::size_t(pkt->size), length_size);
    av_packet_unref(pkt.get());
    if (!video) continue;
    if (m.pts == AV_NOPTS_VALUE || m.dts == AV_NOPTS_VALUE) return {};
    if (m.dts >= limit) break;
    marks.push_back(m);
  }
  return marks;
}

// The end of the longest decode-order run from `k` (an IDR) that can be copied: every frame
// in it shown before `limit` and before every frame after it. 0 when there is none.
std::size_t clean_point(const std::vector<Mark>& marks, std::size_t k, int64_t limit) {
  const std::size_t n = marks.size();
  std::vector<int64_t> later_min(n + 1, kNever);  // the smallest pts from index i on
  for (std::size_t i = n; i-- > 0;) later_min[i] = std::min(later_min[i + 1], marks[i].pts);
  std::size_t best = 0;
  int64_t shown_max = std::numeric_limits<int64_t>::min();
  for (std::size_t i = k; i < n; ++i) {
    shown_max = std::max(shown_max, marks[i].pts);
    if (shown_max >= limit) break;
    if (shown_max < later_min[i + 1]) best = i + 1;
  }
  return best;
}

// Sets where the copied part ends and what the end part re-encodes, from K at index k.
void plan_tail(const std::vector<Mark>& marks, std::size_t k, Plan& p) {
  const std::size_t c = clean_point(marks, k, p.limit);
  if (c == 0) return;  // no copyable run: the head re-encodes the whole clip
  p.tail_dts = marks[k].dts;
  p.tail_pts = marks[k].pts;
  p.tail_delay = marks[k].pts - marks[k].dts;
  p.last_copied_dts = marks[c - 1].dts;
  if (c == marks.size()) return;
  p.copy_end_dts = marks[c].dts;
  int64_t from = kNever;
  for (std::size_t i = c; i < marks.size(); ++i) from = std::min(from, marks[i].pts);
  if (from >= p.limit) return;  // only frames after the end were left out
  p.end_from = from;
  for (std::size_t i = c; i-- > k;) {
    if (marks[i].idr) {
      p.end_decode_dts = marks[i].dts;
      break;
    }
  }
}

Plan make_plan(const std::vector<Mark>& marks, int64_t first, int64_t limit, int64_t frame,
               const std::string& input) {
  Plan p;
  p.frame = frame;
  p.limit = limit;
  p.origin = kNever;
  p.last_pts = std::numeric_limits<int64_t>::min();
  for (const Mark& m : marks) {
    if (m.pts < first || m.pts >= limit) continue;
    p.origin = std::min(p.origin, m.pts);
    p.last_pts = std::max(p.last_pts, m.pts);
  }
  if (p.origin == kNever) throw Error(Exit::data, input, "no video frames in the clip's range");
  p.first_dts = marks.front().dts;
  p.last_dts = marks.back().dts;
  const auto k = std::find_if(marks.begin(), marks.end(), [&](const Mark& m) {
    return m.idr && m.pts >= p.origin && m.pts < limit;
  });
  if (k != marks.end()) plan_tail(marks, std::size_t(k - marks.begin()), p);
  return p;
}

const char* x264_profile(int profile) {
  switch (profile) {
    case FF_PROFILE_H264_BASELINE:
    case FF_PROFILE_H264_CONSTRAINED_BASELINE:
      return "baseline";
    case FF_PROFILE_H264_MAIN:
      return "main";
    case FF_PROFILE_H264_HIGH:
      return "high";
    default:
      return nullptr;
  }
}

// Why the stream cannot take our encoder's frames, or "".
std::string obstacle(const AVCodecParameters* par, const std::optional<AvcConfig>& config) {
  if (par->codec_id != AV_CODEC_ID_H264) return "the video is not H.264";
  if (!config) return "no avcC parameter sets";
  if (!x264_profile(par->profile)) return "an H.264 profile libx264 does not make";
  if (par->format != AV_PIX_FMT_YUV420P && par->format != AV_PIX_FMT_YUVJ420P)
    return "a pixel format other than 8-bit 4:2:0";
  if (par->field_order != AV_FIELD_UNKNOWN && par->field_order != AV_FIELD_PROGRESSIVE)
    return "interlaced video";
  if (free_parameter_set_id(*config) < 0) return "no free parameter set id";
  if (!avcodec_find_encoder_by_name("libx264")) return "libx264 not available";
  return "";
}

// libx264 making frames the source's track can hold: its size, pixel format, colours, time
// base, rate, profile and level; no B-frames; its SPS and PPS under `id`, out of band. Null
// when libx264 refuses the settings.
ff::CodecPtr open_encoder(const AVCodecParameters* par, AVRational tb, AVRational fps, int id,
                          const CutOptions& o) {
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  ff::CodecPtr enc(avcodec_alloc_context3(codec));
  if (!enc) throw Error(Exit::software, "libx264", "out of memory");
  enc->width = par->width;
  enc->height = par->height;
  enc->pix_fmt = AVPixelFormat(par->format);
  enc->sample_aspect_ratio = par->sample_aspect_ratio;
  enc->color_range = par->color_range;
  enc->color_primaries = par->color_primaries;
  enc->color_trc = par->color_trc;
  enc->colorspace = par->color_space;
  enc->chroma_sample_location = par->chroma_location;
  enc->time_base = tb;
  enc->framerate = fps;
  enc->max_b_frames = 0;
  enc->level = par->level;
  enc->thread_count = 0;
  enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "preset", o.smart_preset.c_str(), 0);
  av_dict_set(&opts, "crf", std::to_string(o.crf).c_str(), 0);
  av_dict_set(&opts, "profile", x264_profile(par->profile), 0);
  av_dict_set(&opts, "x264-params", ("sps-id=" + std::to_string(id)).c_str(), 0);
  const int rc = avcodec_open2(enc.get(), codec, &opts);
  av_dict_free(&opts);
  if (rc < 0) enc.reset();
  return enc;
}

// The source's avcC with the encoder's SPS and PPS (its Annex B extradata) added; empty when
// the encoder did not give exactly one of each under `id`.
Bytes joint_avcc(AvcConfig config, const AVCodecContext* enc, int id) {
  std::vector<Bytes> sps, pps;
  for (Bytes& n : annexb_nals(enc->extradata, std::size_t(enc->extradata_size))) {
    const int type = n[0] & 0x1f;
    if (type == 7) sps.push_back(std::move(n));
    if (type == 8) pps.push_back(std::move(n));
  }
  if (sps.size() != 1 || pps.size() != 1 || sps_id(sps[0]) != id || pps_id(pps[0]) != id) return {};
  config.sps.push_back(sps[0]);
  config.pps.push_back(pps[0]);
  return write_avcc(config);
}

void set_extradata(AVCodecParameters* par, const Bytes& data) {
  av_freep(&par->extradata);
  par->extradata = static_cast<uint8_t*>(av_mallocz(data.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!par->extradata) throw Error(Exit::software, "smart cut", "out of memory");
  std::memcpy(par->extradata, data.data(), data.size());
  par->extradata_size = int(data.size());
}

// A re-encoded part: the frames with source times in [from, until) go through `enc`; its
// packets' decode times are their times minus `dts_shift`.
struct Part {
  ff::CodecPtr enc;
  int64_t from = 0, until = 0, dts_shift = 0;
  int frames = 0;
};

// One clip's cut, once planned: reads from the plan's keyframe, feeds the decoder and the
// encoders of the parts being re-encoded, copies the tail and the audio.
class Cutter {
 public:
  Cutter(AVFormatContext* in, int v, int a, const Plan& plan, int length_size)
      : in_(in), v_(v), a_(a), plan_(plan), length_size_(length_size) {}

  Part head, end;
  AVStream *vout = nullptr, *aout = nullptr;

  void run(Output& out, const CutRequest& req, const std::string& input) {
    out_ = &out;
    req_ = &req;
    input_ = &input;
    if (head.enc || end.enc) dec_ = open_video_decoder(in_->streams[v_], input);
    check(av_seek_frame(in_, v_, plan_.seek_ts, AVSEEK_FLAG_BACKWARD), input, "cannot seek");
    ff::PacketPtr pkt(av_packet_alloc());
    audio_done_ = a_ < 0;
    while (!(video_done_ && audio_done_) && av_read_frame(in_, pkt.get()) >= 0) {
      if (pkt->stream_index == v_ && !video_done_) on_video(pkt.get());
      if (pkt->stream_index == a_) on_audio(pkt.get());
      av_packet_unref(pkt.get());
    }
    if (!video_done_) finish_video();
  }

 private:
  void on_video(AVPacket* p) {
    const int64_t dts = p->dts;
    if (dts < plan_.first_dts) return;
    if (dts > plan_.last_dts) return finish_video();
    if (!plan_.has_tail() || dts < plan_.tail_dts) {
      if (plan_.has_head()) feed(p, head);
    } else {
      if (dts == plan_.tail_dts && plan_.has_head()) finish(head);
      const bool decode_too = plan_.has_end() && dts >= plan_.end_decode_dts;
      if (dts < plan_.copy_end_dts) copy(p, decode_too);
      if (decode_too) feed(p, end);
    }
    if (dts == plan_.last_dts) finish_video();
  }

  void finish_video() {
    video_done_ = true;
    finish(head);  // when there is no tail (else done at its start)
    finish(end);
  }

  // Writes a tail packet (a new reference to it when the decoder needs it too).
  void copy(AVPacket* p, bool keep) {
    ff::PacketPtr ref(av_packet_alloc());
    AVPacket* q = p;
    if (keep) {
      check(av_packet_ref(ref.get(), p), *input_, "out of memory", Exit::software);
      q = ref.get();
    }
    q->pts -= plan_.origin;
    q->dts -= plan_.origin;
    av_packet_rescale_ts(q, in_->streams[v_]->time_base, vout->time_base);
    q->stream_index = vout->index;
    q->pos = -1;
    out_->write(q);
  }

  void on_audio(AVPacket* p) {
    const AVStream* st = in_->streams[a_];
    const double t = seconds_of(p->pts != AV_NOPTS_VALUE ? p->pts : p->dts, st->time_base);
    const double origin = seconds_of(plan_.origin, in_->streams[v_]->time_base);
    if (t >= req_->end) {
      audio_done_ = true;
    } else if (t >= origin) {
      retime(p, st->time_base, aout->time_base, origin);
      p->stream_index = aout->index;
      out_->write(p);
    }
  }

  // Decodes a packet for a part; the decoder skips it if it is a non-reference frame the
  // part does not show.
  void feed(AVPacket* p, Part& part) {
    const bool shown = p->pts >= part.from && p->pts < part.until;
    dec_->skip_frame = shown ? AVDISCARD_DEFAULT : AVDISCARD_NONREF;
    if (avcodec_send_packet(dec_.get(), p) < 0)
      throw Error(Exit::data, *input_, "corrupt video data");
    take_frames(part);
  }

  void take_frames(Part& part) {
    ff::FramePtr f(av_frame_alloc());
    while (avcodec_receive_frame(dec_.get(), f.get()) == 0) {
      const int64_t t = f->best_effort_timestamp;
      if (t >= part.from && t < part.until) encode(f.get(), part);
      av_frame_unref(f.get());
    }
  }

  void encode(AVFrame* f, Part& part) {
    if (f->width != part.enc->width || f->height != part.enc->height)
      throw Error(Exit::data, *input_, "the video changes size inside the clip");
    f->pts = f->best_effort_timestamp - plan_.origin;
    f->pict_type = AV_PICTURE_TYPE_NONE;  // the encoder picks frame types itself
    check(avcodec_send_frame(part.enc.get(), f), req_->output, "encoding failed", Exit::software);
    ++part.frames;
    write_encoded(part);
  }

  // The decoder's last frames for the part, then the encoder's last packets.
  void finish(Part& part) {
    if (!part.enc) return;
    avcodec_send_packet(dec_.get(), nullptr);
    take_frames(part);
    avcodec_flush_buffers(dec_.get());
    check(avcodec_send_frame(part.enc.get(), nullptr), req_->output, "encoding failed",
          Exit::software);
    write_encoded(part);
    part.enc.reset();
  }

  // The encoder's packets, reframed for the track and placed in its decode timeline.
  void write_encoded(Part& part) {
    ff::PacketPtr e(av_packet_alloc());
    while (avcodec_receive_packet(part.enc.get(), e.get()) == 0) {
      const Bytes data = length_prefixed(annexb_nals(e->data, std::size_t(e->size)), length_size_);
      ff::PacketPtr q(av_packet_alloc());
      check(av_new_packet(q.get(), int(data.size())), req_->output, "out of memory",
            Exit::software);
      std::memcpy(q->data, data.data(), data.size());
      q->flags = e->flags;
      q->pts = e->pts;
      q->dts = e->pts - part.dts_shift;
      q->duration = plan_.frame;
      av_packet_rescale_ts(q.get(), in_->streams[v_]->time_base, vout->time_base);
      q->stream_index = vout->index;
      out_->write(q.get());
      av_packet_unref(e.get());
    }
  }

  AVFormatContext* in_;
  int v_, a_;
  const Plan& plan_;
  int length_size_;
  Output* out_ = nullptr;
  ff::CodecPtr dec_;
  const CutRequest* req_ = nullptr;
  const std::string* input_ = nullptr;
  bool video_done_ = false, audio_done_ = false;
};

// Adds the parameter sets of a part's encoder to `avcc` (the same for every part). False,
// and why, when the encoder did not open or gave parameter sets the track cannot hold.
bool add_part_avcc(const Part& part, const AvcConfig& config, int id, Bytes& avcc,
                   std::string& why_not) {
  if (!part.enc) {
    why_not = "libx264 refuses the source's format";
    return false;
  }
  const Bytes joint = joint_avcc(config, part.enc.get(), id);
  if (joint.empty() || (!avcc.empty() && joint != avcc)) {
    why_not = "libx264 gave unexpected parameter sets";
    return false;
  }
  avcc = joint;
  return true;
}

// Opens the encoders of the parts the plan re-encodes and sets `avcc` to the track's joint
// avcC (left empty when nothing is re-encoded).
bool set_up_parts(Cutter& c, const Plan& plan, const AVStream* vin, AVRational fps,
                  const AvcConfig& config, const CutOptions& o, Bytes& avcc, std::string& why_not) {
  const int id = free_parameter_set_id(config);
  if (plan.has_head()) {
    c.head = {open_encoder(vin->codecpar, vin->time_base, fps, id, o), plan.origin,
              plan.head_until(), plan.has_tail() ? plan.tail_delay : 0, 0};
    if (!add_part_avcc(c.head, config, id, avcc, why_not)) return false;
  }
  if (plan.has_end()) {
    c.end = {open_encoder(vin->codecpar, vin->time_base, fps, id, o), plan.end_from, plan.limit,
             std::max<int64_t>(0, plan.end_from - plan.last_copied_dts - plan.frame), 0};
    if (!add_part_avcc(c.end, config, id, avcc, why_not)) return false;
  }
  return true;
}

// The plan of the clip `req` from a scan of its packets; nullopt when they have no timestamps.
std::optional<Plan> plan_clip(AVFormatContext* in, int v, const CutRequest& req, int64_t frame,
                              int length_size, const std::string& input) {
  const AVRational tb = in->streams[v]->time_base;
  const int64_t first = ts_of(req.start, tb) - frame / 2, limit = ts_of(req.end, tb) - frame / 2;
  const int64_t seek_ts = seek_point(in, v, first, input);
  const std::vector<Mark> marks = scan(in, v, seek_ts, limit, length_size, input);
  if (marks.empty()) return std::nullopt;
  Plan plan = make_plan(marks, first, limit, frame, input);
  plan.seek_ts = seek_ts;
  return plan;
}

}  // namespace

std::optional<CutResult> smart_cut(const std::string& input, const CutRequest& req,
                                   const CutOptions& options, std::string& why_not) {
  ff::FormatPtr in = ff::open_input(input);
  const int v = video_stream(in.get(), input);
  const int a = av_find_best_stream(in.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  AVStream* vin = in->streams[v];
  const AVCodecParameters* par = vin->codecpar;
  std::optional<AvcConfig> config;
  if (par->codec_id == AV_CODEC_ID_H264)
    config = parse_avcc(par->extradata, std::size_t(par->extradata_size));
  why_not = obstacle(par, config);
  const AVRational fps = av_guess_frame_rate(in.get(), vin, nullptr);
  if (why_not.empty() && (fps.num <= 0 || fps.den <= 0)) why_not = "no frame rate";
  if (!why_not.empty()) return std::nullopt;

  const AVRational tb = vin->time_base;
  const int64_t frame = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(fps), tb));
  const std::optional<Plan> plan = plan_clip(in.get(), v, req, frame, config->length_size, input);
  if (!plan) {
    why_not = "no keyframe with timestamps in the clip's range";
    return std::nullopt;
  }
  Cutter cutter(in.get(), v, a, *plan, config->length_size);
  Bytes avcc;
  if (!set_up_parts(cutter, *plan, vin, fps, *config, options, avcc, why_not)) return std::nullopt;
  Output out(req.output);
  cutter.vout = out.copy_stream(vin);
  if (!avcc.empty()) set_extradata(cutter.vout->codecpar, avcc);
  cutter.aout = a >= 0 ? out.copy_stream(in->streams[a]) : nullptr;
  out.open();
  cutter.run(out, req, input);
  out.finish();
  const int frames = cutter.head.frames + cutter.end.frames;
  return CutResult{req.output,
                   seconds_of(plan->origin, tb),
                   seconds_of(plan->last_pts + frame, tb),
                   frames > 0,
                   frames,
                   ""};
}

}  // namespace mix::detail
