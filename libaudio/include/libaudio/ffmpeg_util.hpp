// Shared helpers for the FFmpeg-based modules of both libraries: RAII owners of libav* objects,
// error text, opening an input with our error mapping. Including it brings in the libav* headers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include "libaudio/decoder.hpp"

namespace audio::ff {

// Closes an input, and for a pipe or FIFO the reader open_input gave it (kept in `opaque`,
// with AVFMT_FLAG_CUSTOM_IO set), which FFmpeg never frees itself.
struct FormatCloser {
  void operator()(AVFormatContext* p) const;
};
struct CodecFree {
  void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
};
struct FrameFree {
  void operator()(AVFrame* p) const { av_frame_free(&p); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwrFree {
  void operator()(SwrContext* p) const { swr_free(&p); }
};
// An output context: closes its AVIO (when the muxer owns a file) and frees the context.
struct OutputFormatFree {
  void operator()(AVFormatContext* p) const {
    if (p->pb && !(p->oformat->flags & AVFMT_NOFILE)) avio_closep(&p->pb);
    avformat_free_context(p);
  }
};
struct SwsFree {
  void operator()(SwsContext* p) const { sws_freeContext(p); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using OutputFormatPtr = std::unique_ptr<AVFormatContext, OutputFormatFree>;
using SwsPtr = std::unique_ptr<SwsContext, SwsFree>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecFree>;
using FramePtr = std::unique_ptr<AVFrame, FrameFree>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFree>;
using SwrPtr = std::unique_ptr<SwrContext, SwrFree>;

std::string error_text(int averror);

// Whether the first bytes of an input look like any format FFmpeg reads (its probe, as it
// runs on a pipe). Lets a spool refuse an endless stream of noise after its first megabyte.
bool looks_like_media(const char* data, std::size_t size);

// The message for media that cannot be read from a pipe ("-"): an MP4 or MOV whose index is
// at its end needs seeking. `averror` is what FFmpeg said.
std::string pipe_error_text(int averror);

// Silences FFmpeg's own logging (we report errors ourselves) unless DJB_FFMPEG_LOG is set.
void init_logging();

// Checks the path (exists, readable, not a directory, not empty), opens it with FFmpeg and
// reads the stream info. "-" is stdin. Throws audio::Error.
FormatPtr open_input(const std::string& path);

// For an input read from a pipe or FIFO to its end: the reason it is cut short, if a header
// promised more than the stream held (a WAV's data chunk), else nullopt. Files are checked
// when opened (wav_is_truncated); a pipe can only be checked once it has been read.
std::optional<std::string> pipe_shortfall(const AVFormatContext* fmt);

// Picks the audio stream (`wanted` = -1: FFmpeg's best) and describes it. Throws Error(data)
// when there is none, Error(usage) when `wanted` is not an audio stream.
AudioInfo describe_audio(AVFormatContext* fmt, const std::string& path, int wanted);

// True when `path` is a RIFF/WAVE file whose data chunk claims more bytes than the file
// holds. FFmpeg silently clamps such a length to the file size, so we check it ourselves.
bool wav_is_truncated(const std::string& path);

}  // namespace audio::ff
