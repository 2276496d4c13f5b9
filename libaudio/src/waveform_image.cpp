#include "libaudio/waveform_image.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "libaudio/error.hpp"
#include "libaudio/ffmpeg_util.hpp"

namespace audio {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Where one channel's envelope sits in one column: rows from `top` to `bottom` (floating
// point, top < bottom), at least a pixel thick.
struct Span {
  double top, bottom;
};

struct Lane {
  double top, height;
};

Lane lane_of(int channel, int channels, int height) {
  const double h = static_cast<double>(height) / channels;
  return {h * channel, h};
}

Span span_of(const Lane& lane, float mn, float mx) {
  const double mid = lane.top + lane.height / 2;
  const double half = lane.height / 2;
  double top = mid - std::clamp(static_cast<double>(mx), -1.0, 1.0) * half;
  double bottom = mid - std::clamp(static_cast<double>(mn), -1.0, 1.0) * half;
  if (bottom - top < 1.0) {
    const double c = std::clamp((top + bottom) / 2, lane.top + 0.5, lane.top + lane.height - 0.5);
    top = c - 0.5;
    bottom = c + 0.5;
  }
  return {top, bottom};
}

void check_columns(const ImageColumns& cols, const ImageStyle& style) {
  if (cols.channels < 1 || cols.width < 1 || style.height < 1 ||
      cols.minmax.size() != cols.width * static_cast<std::size_t>(cols.channels) * 2) {
    throw Error(Exit::software, "", "inconsistent waveform picture data");
  }
}

void append_fixed(std::string& out, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 1);
  out.append(buf, r.ptr);
}

std::string hex_color(const Rgb& c) {
  static const char* digits = "0123456789abcdef";
  std::string s = "#";
  for (std::uint8_t v : {c.r, c.g, c.b}) {
    s += digits[v >> 4];
    s += digits[v & 15];
  }
  return s;
}

}  // namespace

Rgb parse_color(const std::string& given, const std::string& option) {
  // audiowaveform writes colours without the '#' (3a7bd5): the same colour.
  const std::string text =
      !given.empty() && given[0] != '#' && (given.size() == 3 || given.size() == 6) ? "#" + given
                                                                                    : given;
  const bool shape_ok =
      (text.size() == 4 || text.size() == 7) && text[0] == '#' &&
      std::all_of(text.begin() + 1, text.end(), [](char c) { return hex_digit(c) >= 0; });
  if (!shape_ok) {
    throw Error(Exit::usage, option, "'" + given + "' is not a colour (#rgb or #rrggbb)");
  }
  auto at = [&](std::size_t i) { return hex_digit(text[i]); };
  if (text.size() == 4) {
    return {static_cast<std::uint8_t>(at(1) * 17), static_cast<std::uint8_t>(at(2) * 17),
            static_cast<std::uint8_t>(at(3) * 17)};
  }
  return {static_cast<std::uint8_t>(at(1) * 16 + at(2)),
          static_cast<std::uint8_t>(at(3) * 16 + at(4)),
          static_cast<std::uint8_t>(at(5) * 16 + at(6))};
}

std::string render_svg(const ImageColumns& cols, const ImageStyle& style) {
  check_columns(cols, style);
  const std::size_t w = cols.width;
  const int h = style.height;
  std::string out;
  out.reserve(200 + w * static_cast<std::size_t>(cols.channels) * 24);
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"";
  out += std::to_string(w) + "\" height=\"" + std::to_string(h) + "\" viewBox=\"0 0 ";
  out += std::to_string(w) + " " + std::to_string(h) + "\">\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"" + hex_color(style.background) + "\"/>\n";
  const std::size_t stride = 2 * static_cast<std::size_t>(cols.channels);
  for (int c = 0; c < cols.channels; ++c) {
    const Lane lane = lane_of(c, cols.channels, h);
    std::vector<Span> spans(w);
    for (std::size_t x = 0; x < w; ++x) {
      spans[x] =
          span_of(lane, cols.minmax[x * stride + 2 * c], cols.minmax[x * stride + 2 * c + 1]);
    }
    // One closed outline: the maxima left to right, then the minima right to left. Each
    // column is a flat step one pixel wide, so the outline matches the PNG's columns.
    out += "<path fill=\"" + hex_color(style.color) + "\" d=\"M";
    for (std::size_t x = 0; x < w; ++x) {
      append_fixed(out, static_cast<double>(x));
      out += ',';
      append_fixed(out, spans[x].top);
      out += 'H';
      append_fixed(out, static_cast<double>(x + 1));
      if (x + 1 < w) out += 'L';
    }
    for (std::size_t i = w; i-- > 0;) {
      out += 'L';
      append_fixed(out, static_cast<double>(i + 1));
      out += ',';
      append_fixed(out, spans[i].bottom);
      out += 'H';
      append_fixed(out, static_cast<double>(i));
    }
    out += "Z\"/>\n";
  }
  out += "</svg>\n";
  return out;
}

std::vector<std::uint8_t> render_raster(const ImageColumns& cols, const ImageStyle& style) {
  check_columns(cols, style);
  const std::size_t w = cols.width;
  const int h = style.height;
  std::vector<std::uint8_t> px(w * static_cast<std::size_t>(h) * 3);
  for (std::size_t i = 0; i < px.size(); i += 3) {
    px[i] = style.background.r;
    px[i + 1] = style.background.g;
    px[i + 2] = style.background.b;
  }
  const std::size_t stride = 2 * static_cast<std::size_t>(cols.channels);
  for (int c = 0; c < cols.channels; ++c) {
    const Lane lane = lane_of(c, cols.channels, h);
    for (std::size_t x = 0; x < w; ++x) {
      const Span s =
          span_of(lane, cols.minmax[x * stride + 2 * c], cols.minmax[x * stride + 2 * c + 1]);
      // Rows whose centre lies in [top, bottom); at least one row.
      int r0 = static_cast<int>(std::ceil(s.top - 0.5));
      int r1 = static_cast<int>(std::ceil(s.bottom - 0.5)) - 1;
      r0 = std::clamp(r0, 0, h - 1);
      r1 = std::clamp(std::max(r1, r0), 0, h - 1);
      for (int r = r0; r <= r1; ++r) {
        std::uint8_t* p = &px[(static_cast<std::size_t>(r) * w + x) * 3];
        p[0] = style.color.r;
        p[1] = style.color.g;
        p[2] = style.color.b;
      }
    }
  }
  return px;
}

std::string render_png(const ImageColumns& cols, const ImageStyle& style) {
  const std::vector<std::uint8_t> raster = render_raster(cols, style);
  const int w = static_cast<int>(cols.width);
  const int h = style.height;
  ff::init_logging();
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
  if (!codec) throw Error(Exit::software, "", "FFmpeg has no PNG encoder");
  ff::CodecPtr ctx(avcodec_alloc_context3(codec));
  ff::FramePtr frame(av_frame_alloc());
  ff::PacketPtr packet(av_packet_alloc());
  if (!ctx || !frame || !packet) throw Error(Exit::software, "", "out of memory");
  ctx->width = w;
  ctx->height = h;
  ctx->pix_fmt = AV_PIX_FMT_RGB24;
  ctx->time_base = AVRational{1, 1};
  int rc = avcodec_open2(ctx.get(), codec, nullptr);
  if (rc < 0) {
    throw Error(Exit::software, "", "cannot open the PNG encoder (" + ff::error_text(rc) + ")");
  }
  frame->format = AV_PIX_FMT_RGB24;
  frame->width = w;
  frame->height = h;
  rc = av_frame_get_buffer(frame.get(), 0);
  if (rc < 0) throw Error(Exit::software, "", "cannot allocate the picture");
  const std::size_t row = static_cast<std::size_t>(w) * 3;
  for (int y = 0; y < h; ++y) {
    std::memcpy(frame->data[0] + static_cast<std::ptrdiff_t>(y) * frame->linesize[0],
                raster.data() + static_cast<std::size_t>(y) * row, row);
  }
  frame->pts = 0;
  std::string out;
  rc = avcodec_send_frame(ctx.get(), frame.get());
  if (rc >= 0) rc = avcodec_send_frame(ctx.get(), nullptr);
  while (rc >= 0) {
    rc = avcodec_receive_packet(ctx.get(), packet.get());
    if (rc < 0) break;
    out.append(reinterpret_cast<const char*>(packet->data), static_cast<std::size_t>(packet->size));
    av_packet_unref(packet.get());
  }
  if (rc != AVERROR_EOF || out.empty()) {
    throw Error(Exit::software, "", "PNG encoding failed (" + ff::error_text(rc) + ")");
  }
  return out;
}

}  // namespace audio
