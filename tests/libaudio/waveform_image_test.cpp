#include "libaudio/waveform_image.hpp"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"

#include "libaudio/ffmpeg_util.hpp"

namespace {

using audio::ImageColumns;
using audio::ImageStyle;
using audio::Rgb;

const Rgb kFg{0x3a, 0x7b, 0xd5};
const Rgb kBg{0xff, 0xff, 0xff};

ImageColumns columns(int channels, const std::vector<float>& minmax) {
  ImageColumns c;
  c.channels = channels;
  c.width = minmax.size() / (2 * static_cast<std::size_t>(channels));
  c.minmax = minmax;
  return c;
}

Rgb pixel(const std::vector<std::uint8_t>& raster, std::size_t width, int x, int y) {
  const std::size_t i = (static_cast<std::size_t>(y) * width + static_cast<std::size_t>(x)) * 3;
  return {raster[i], raster[i + 1], raster[i + 2]};
}

// The rows of column x painted in the waveform colour.
std::vector<int> painted_rows(const std::vector<std::uint8_t>& raster, std::size_t width,
                              int height, int x) {
  std::vector<int> rows;
  for (int y = 0; y < height; ++y) {
    if (pixel(raster, width, x, y) == kFg) rows.push_back(y);
  }
  return rows;
}

TEST(WaveformImage, ParseColor) {
  EXPECT_EQ(audio::parse_color("#3a7bd5", "--color"), kFg);
  EXPECT_EQ(audio::parse_color("#FFF", "--color"), kBg);
  EXPECT_EQ(audio::parse_color("#0a0", "--color"), (Rgb{0, 0xaa, 0}));
  // audiowaveform's spelling, without the '#'.
  EXPECT_EQ(audio::parse_color("3a7bd5", "--color"), kFg);
  EXPECT_EQ(audio::parse_color("0a0", "--color"), (Rgb{0, 0xaa, 0}));
  for (const char* bad : {"", "#", "3a7bd", "#3a7bd", "#12345g", "blue", "#1234", "12345g"}) {
    try {
      audio::parse_color(bad, "--color");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const audio::Error& e) {
      EXPECT_EQ(e.code(), audio::Exit::usage);
    }
  }
}

TEST(WaveformImage, RasterFillsBetweenMinAndMax) {
  ImageStyle st;
  st.height = 100;
  // Column 0: full scale; 1: silence; 2: only positive half; 3: beyond full scale.
  auto cols = columns(1, {-1, 1, 0, 0, 0, 0.5f, -3, 3});
  auto r = audio::render_raster(cols, st);
  ASSERT_EQ(r.size(), 4u * 100 * 3);
  auto full = painted_rows(r, 4, 100, 0);
  EXPECT_EQ(full.size(), 100u);
  auto silent = painted_rows(r, 4, 100, 1);
  ASSERT_EQ(silent.size(), 1u);  // still visible: a one-pixel line in the middle
  EXPECT_NEAR(silent[0], 50, 1);
  auto half = painted_rows(r, 4, 100, 2);
  EXPECT_EQ(half.front(), 25);
  EXPECT_NEAR(half.back(), 49, 1);
  EXPECT_EQ(painted_rows(r, 4, 100, 3).size(), 100u);  // clamped to the lane
  EXPECT_EQ(pixel(r, 4, 1, 0), kBg);
}

TEST(WaveformImage, ChannelsStackInLanes) {
  ImageStyle st;
  st.height = 200;
  // Channel 0 full scale, channel 1 silent.
  auto cols = columns(2, {-1, 1, 0, 0});
  auto r = audio::render_raster(cols, st);
  auto rows = painted_rows(r, 1, 200, 0);
  ASSERT_EQ(rows.size(), 101u);
  EXPECT_EQ(rows.front(), 0);
  EXPECT_EQ(rows[99], 99);
  EXPECT_NEAR(rows[100], 150, 1);
}

TEST(WaveformImage, SvgIsADeterministicFilledEnvelope) {
  ImageStyle st;
  st.height = 50;
  st.color = Rgb{0x11, 0x22, 0x33};
  auto cols = columns(2, {-1, 1, -0.5f, 0.5f, 0, 0, -0.25f, 0.25f, 0.1f, 0.2f, 0, 0});
  const std::string svg = audio::render_svg(cols, st);
  EXPECT_EQ(svg, audio::render_svg(cols, st));
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"3\" height=\"50\"", 0),
            0u);
  EXPECT_NE(svg.find("fill=\"#ffffff\""), std::string::npos);
  // One outline per channel, made only of absolute moves, lines and horizontal steps.
  const std::string head = "<path fill=\"#112233\" d=\"M";
  int n = 0;
  for (auto at = svg.find(head); at != std::string::npos; at = svg.find(head, at + 1)) {
    ++n;
    const auto start = at + head.size();
    const auto end = svg.find("Z\"/>", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_EQ(svg.find_first_not_of("0123456789.,LH", start), end);
  }
  EXPECT_EQ(n, 2);
  // Column 0 of channel 0 spans the whole 25-pixel lane: top 0, bottom 25.
  EXPECT_NE(svg.find("d=\"M0.0,0.0H1.0"), std::string::npos);
  EXPECT_NE(svg.find("L1.0,25.0H0.0Z"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

TEST(WaveformImage, PngDecodesBackToTheRaster) {
  ImageStyle st;
  st.height = 60;
  std::vector<float> mm;
  for (int x = 0; x < 37; ++x) {
    const float a = static_cast<float>(x % 10) / 10.0f;
    mm.push_back(-a);
    mm.push_back(a * 0.5f);
  }
  auto cols = columns(1, mm);
  const std::string png = audio::render_png(cols, st);
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png, audio::render_png(cols, st));  // deterministic

  const AVCodec* dec = avcodec_find_decoder(AV_CODEC_ID_PNG);
  ASSERT_NE(dec, nullptr);
  audio::ff::CodecPtr ctx(avcodec_alloc_context3(dec));
  ASSERT_EQ(avcodec_open2(ctx.get(), dec, nullptr), 0);
  audio::ff::PacketPtr pkt(av_packet_alloc());
  ASSERT_EQ(av_new_packet(pkt.get(), static_cast<int>(png.size())), 0);
  std::memcpy(pkt->data, png.data(), png.size());
  ASSERT_EQ(avcodec_send_packet(ctx.get(), pkt.get()), 0);
  audio::ff::FramePtr frame(av_frame_alloc());
  ASSERT_EQ(avcodec_receive_frame(ctx.get(), frame.get()), 0);
  ASSERT_EQ(frame->width, 37);
  ASSERT_EQ(frame->height, 60);
  ASSERT_EQ(frame->format, AV_PIX_FMT_RGB24);
  auto raster = audio::render_raster(cols, st);
  for (int y = 0; y < 60; ++y) {
    ASSERT_EQ(
        std::memcmp(frame->data[0] + y * frame->linesize[0], raster.data() + y * 37 * 3, 37 * 3), 0)
        << "row " << y;
  }
}

TEST(WaveformImage, RejectsInconsistentColumns) {
  ImageColumns bad;
  bad.channels = 1;
  bad.width = 3;
  bad.minmax = {0, 0};
  ImageStyle st;
  EXPECT_THROW(audio::render_svg(bad, st), audio::Error);
  EXPECT_THROW(audio::render_png(bad, st), audio::Error);
}

}  // namespace
