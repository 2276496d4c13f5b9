// What the video clip cutters (clip_cutter.cpp, smart_cut.cpp) share: FFmpeg return checks,
// seconds <-> timestamps, picking the video stream, the MP4 output on a temporary file, packet
// retiming, the video decoder. Internal to libmix.
#pragma once

#include <cmath>
#include <string>

#include "libaudio/atomic_file.hpp"
#include "libaudio/error.hpp"
#include "libaudio/ffmpeg_util.hpp"

namespace mix::detail {

namespace ff = audio::ff;

inline double seconds_of(int64_t ts, AVRational tb) {
  return ts == AV_NOPTS_VALUE ? NAN : double(ts) * av_q2d(tb);
}
inline int64_t ts_of(double seconds, AVRational tb) {
  return std::llround(seconds / av_q2d(tb));
}

inline void check(int rc, const std::string& subject, const std::string& what,
                  audio::Exit code = audio::Exit::data) {
  if (rc < 0) throw audio::Error(code, subject, what + ": " + ff::error_text(rc));
}

inline int video_stream(AVFormatContext* in, const std::string& path) {
  for (unsigned i = 0; i < in->nb_streams; ++i)
    if (in->streams[i]->disposition & AV_DISPOSITION_ATTACHED_PIC)
      in->streams[i]->discard = AVDISCARD_ALL;
  const int v = av_find_best_stream(in, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (v < 0 || (in->streams[v]->disposition & AV_DISPOSITION_ATTACHED_PIC))
    throw audio::Error(audio::Exit::data, path, "no video stream");
  return v;
}

// A decoder for the video stream, multithreaded, with the stream's time base for its frames.
inline ff::CodecPtr open_video_decoder(const AVStream* vin, const std::string& input) {
  const AVCodec* codec = avcodec_find_decoder(vin->codecpar->codec_id);
  if (!codec) throw audio::Error(audio::Exit::data, input, "no decoder for the video codec");
  ff::CodecPtr dec(avcodec_alloc_context3(codec));
  check(avcodec_parameters_to_context(dec.get(), vin->codecpar), input, "video parameters");
  dec->thread_count = 0;
  dec->pkt_timebase = vin->time_base;
  check(avcodec_open2(dec.get(), codec, nullptr), input, "cannot open the video decoder");
  return dec;
}

// An MP4 output on the temporary file of an AtomicFile.
struct Output {
  audio::AtomicFile file;
  ff::OutputFormatPtr fmt;
  explicit Output(const std::string& target) : file(target) {
    file.close_fd();
    AVFormatContext* raw = nullptr;
    check(avformat_alloc_output_context2(&raw, nullptr, "mp4", file.temp_path().c_str()), target,
          "cannot create MP4 output", audio::Exit::software);
    fmt.reset(raw);
    // Decode times below 0 (B-frames: the first frame is decoded before it is shown) are
    // left to the MP4 muxer, whose edit list then shows every track from its time 0. (Shifting
    // them to 0 would delay the first frame, and the audio with it, by the reorder delay.)
    fmt->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
  }
  AVStream* copy_stream(const AVStream* from) {
    AVStream* s = avformat_new_stream(fmt.get(), nullptr);
    if (!s) throw audio::Error(audio::Exit::software, file.target(), "cannot add a stream");
    check(avcodec_parameters_copy(s->codecpar, from->codecpar), file.target(), "stream parameters",
          audio::Exit::software);
    s->codecpar->codec_tag = 0;
    s->time_base = from->time_base;
    return s;
  }
  void open() {
    check(avio_open(&fmt->pb, file.temp_path().c_str(), AVIO_FLAG_WRITE), file.target(),
          "cannot open", audio::Exit::cant_create);
    check(avformat_write_header(fmt.get(), nullptr), file.target(), "cannot write MP4 header",
          audio::Exit::cant_create);
  }
  void write(AVPacket* p) {
    check(av_interleaved_write_frame(fmt.get(), p), file.target(), "write failed", audio::Exit::io);
  }
  void finish() {
    check(av_write_trailer(fmt.get()), file.target(), "write failed", audio::Exit::io);
    fmt.reset();  // closes the AVIO
    file.commit();
  }
};

// Rewrites a packet's timestamps from the input stream (minus origin seconds) to the output's.
inline void retime(AVPacket* p, AVRational in_tb, AVRational out_tb, double origin) {
  const int64_t shift = ts_of(origin, in_tb);
  if (p->pts != AV_NOPTS_VALUE) p->pts -= shift;
  if (p->dts != AV_NOPTS_VALUE) p->dts -= shift;
  av_packet_rescale_ts(p, in_tb, out_tb);
  p->pos = -1;
}

}  // namespace mix::detail
