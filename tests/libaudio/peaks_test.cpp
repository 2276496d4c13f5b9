#include "libaudio/peaks.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include "libaudio/error.hpp"
#include "libaudio/json_out.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

using audio::Exit;
using audio::PeaksFormat;
using audio::PeaksRequest;
using audio::PeaksWriter;
using audio::WaveformData;

// A float sample that decodes back to the 16-bit value v exactly.
float s16(int v) {
  return static_cast<float>(v) / 32768.0f;
}

PeaksRequest with_spp(long spp, int bits = 16) {
  PeaksRequest r;
  r.samples_per_pixel = spp;
  r.bits = bits;
  return r;
}

WaveformData run(const PeaksRequest& r, int channels, const std::vector<float>& x,
                 std::int64_t expected = -1, int rate = 44100, std::size_t chunk = 8192) {
  PeaksWriter w(r, rate, channels, expected);
  const std::size_t frames = x.size() / static_cast<std::size_t>(channels);
  for (std::size_t i = 0; i < frames; i += chunk) {
    w.add(x.data() + i * static_cast<std::size_t>(channels), std::min(chunk, frames - i));
  }
  EXPECT_EQ(w.frames(), static_cast<std::int64_t>(frames));
  return w.result();
}

std::string output_of(const PeaksRequest& r, int channels, const std::vector<float>& x,
                      std::int64_t expected = -1, int rate = 44100) {
  PeaksWriter w(r, rate, channels, expected);
  w.add(x.data(), x.size() / static_cast<std::size_t>(channels));
  return w.output();
}

std::vector<float> noise(std::size_t frames, int channels, std::uint64_t seed = 7) {
  std::vector<float> x(frames * static_cast<std::size_t>(channels));
  std::uint64_t s = seed;
  for (float& v : x) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    v = static_cast<float>(static_cast<double>(s >> 11) / 9007199254740992.0 * 1.6 - 0.8);
  }
  return x;
}

TEST(Peaks, ExactMinMaxPerPixelMono) {
  // 10 frames at 4 samples per pixel: pixels of 4, 4 and a last one of 2.
  std::vector<float> x;
  for (int v : {100, -200, 300, 50, 7, 8, -9, 10, 32767, -32768}) x.push_back(s16(v));
  WaveformData w = run(with_spp(4), 1, x);
  EXPECT_EQ(w.channels, 1);
  EXPECT_EQ(w.samples_per_pixel, 4);
  EXPECT_EQ(w.bits, 16);
  ASSERT_EQ(w.length, 3u);
  EXPECT_EQ(w.data, (std::vector<std::int16_t>{-200, 300, -9, 10, -32768, 32767}));
}

TEST(Peaks, ChunkingDoesNotChangeTheResult) {
  auto x = noise(50000, 2);
  auto ref = run(with_spp(300), 2, x, -1, 44100, 8192);
  for (std::size_t chunk : {1u, 7u, 299u, 300u, 301u, 65536u}) {
    auto w = run(with_spp(300), 2, x, -1, 44100, chunk);
    EXPECT_EQ(w.data, ref.data) << "chunk " << chunk;
  }
}

TEST(Peaks, MixdownIsTheTruncatedIntegerMean) {
  // audiowaveform sums the 16-bit channel values and divides by the channel count in
  // integer arithmetic, which truncates toward zero: (3+0)/2 = 1 and (-3+0)/2 = -1.
  std::vector<float> x = {s16(3), s16(0), s16(-3), s16(0)};
  WaveformData w = run(with_spp(2), 2, x);
  ASSERT_EQ(w.length, 1u);
  EXPECT_EQ(w.channels, 1);
  EXPECT_EQ(w.data, (std::vector<std::int16_t>{-1, 1}));
  // Three channels: (100 + 200 + 301) / 3 = 200.33 -> 200; (-100 - 200 - 301) / 3 -> -200.
  std::vector<float> y = {s16(100), s16(200), s16(301), s16(-100), s16(-200), s16(-301)};
  w = run(with_spp(2), 3, y);
  EXPECT_EQ(w.data, (std::vector<std::int16_t>{-200, 200}));
}

TEST(Peaks, EightBitIsSixteenBitOver256Truncated) {
  const std::vector<std::pair<int, int>> cases = {
      {32767, 127}, {-32768, -128}, {255, 0},   {-255, 0}, {256, 1},   {-256, -1},
      {-257, -1},   {511, 1},       {-511, -1}, {0, 0},    {16384, 64}};
  for (auto [in, out] : cases) {
    std::vector<float> x = {s16(in), s16(in)};
    WaveformData w = run(with_spp(2, 8), 1, x);
    ASSERT_EQ(w.length, 1u);
    EXPECT_EQ(w.bits, 8);
    EXPECT_EQ(w.data[0], out) << in;
    EXPECT_EQ(w.data[1], out) << in;
  }
}

TEST(Peaks, FloatAboveFullScaleClampsNeverWraps) {
  // +1.5 and -2.0 full scale. Wrapping into 16 bits would turn 1.5 * 32768 = 49152 into
  // -16384: a negative maximum. Clamping keeps the extremes.
  std::vector<float> x = {1.5f, -2.0f, 0.25f, 1.000001f};
  WaveformData w16 = run(with_spp(2), 1, x);
  ASSERT_EQ(w16.length, 2u);
  EXPECT_EQ(w16.data, (std::vector<std::int16_t>{-32768, 32767, 8192, 32767}));
  EXPECT_GT(w16.data[1], 0);
  WaveformData w8 = run(with_spp(2, 8), 1, x);
  EXPECT_EQ(w8.data, (std::vector<std::int16_t>{-128, 127, 32, 127}));
  // The same in the stereo mix: (1.5 + 1.5) / 2 is still above full scale.
  std::vector<float> y = {1.5f, 1.5f, -3.0f, -1.0f};
  WaveformData m = run(with_spp(2), 2, y);
  EXPECT_EQ(m.data, (std::vector<std::int16_t>{-32768, 32767}));
}

TEST(Peaks, NanSamplesAreSkipped) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x = {nan, s16(5), nan, s16(-6), nan, nan};
  WaveformData w = run(with_spp(4), 1, x);
  ASSERT_EQ(w.length, 2u);
  EXPECT_EQ(w.data, (std::vector<std::int16_t>{-6, 5, 0, 0}));
  // Grouping fine pixels (length unknown) must not turn an all-NaN pixel into a zero.
  PeaksRequest one;
  one.peaks = 1;
  std::vector<float> y = {nan, s16(5000), s16(3000)};
  one.bits = 16;
  WaveformData g = run(one, 1, y, -1);
  EXPECT_EQ(g.samples_per_pixel, 3);
  EXPECT_EQ(g.data, (std::vector<std::int16_t>{3000, 5000}));
}

TEST(Peaks, NanSamplesAreSkippedInLongRuns) {
  // Long enough for the vector loops: NaN at every position of a block, in every layout.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int ch : {1, 2, 4}) {
    for (bool split : {false, true}) {
      std::vector<float> x(1000 * static_cast<std::size_t>(ch), s16(10));
      for (std::size_t i = 0; i < x.size(); i += 3) x[i] = nan;
      x[5 * ch] = s16(-4000);  // frame 5: every channel
      for (int c = 1; c < ch; ++c) x[5 * ch + c] = s16(-4000);
      x[701 * ch] = s16(3000);
      for (int c = 1; c < ch; ++c) x[701 * ch + c] = s16(3000);
      PeaksRequest r = with_spp(1000);
      r.split_channels = split;
      WaveformData w = run(r, ch, x);
      ASSERT_EQ(w.length, 1u);
      for (int c = 0; c < w.channels; ++c) {
        EXPECT_EQ(w.data[2 * c], -4000) << ch << " " << split << " " << c;
        EXPECT_EQ(w.data[2 * c + 1], 3000) << ch << " " << split << " " << c;
      }
    }
  }
}

TEST(Peaks, SplitChannelsKeepsEachChannel) {
  auto tone = synth::sine(441, 1.0, 44100, 1, 0.5);
  std::vector<float> x;
  for (float v : tone.samples) {
    x.push_back(v);          // left: amplitude 0.5
    x.push_back(-v * 0.5f);  // right: amplitude 0.25, inverted
  }
  PeaksRequest r = with_spp(4410);
  r.split_channels = true;
  WaveformData w = run(r, 2, x);
  EXPECT_EQ(w.channels, 2);
  ASSERT_EQ(w.length, 10u);
  ASSERT_EQ(w.data.size(), 10u * 2 * 2);
  for (std::size_t i = 0; i < w.length; ++i) {
    EXPECT_NEAR(w.data[i * 4 + 0], -16384, 2);  // left min
    EXPECT_NEAR(w.data[i * 4 + 1], 16384, 2);   // left max
    EXPECT_NEAR(w.data[i * 4 + 2], -8192, 2);   // right min
    EXPECT_NEAR(w.data[i * 4 + 3], 8192, 2);    // right max
  }
  // Without split the inverted right channel partly cancels the left: (0.5 - 0.25) / 2.
  WaveformData m = run(with_spp(4410), 2, x);
  EXPECT_EQ(m.channels, 1);
  EXPECT_NEAR(m.data[1], 4096, 2);
}

TEST(Peaks, SplitChannelsAnyCount) {
  for (int ch : {3, 4, 6, 8}) {
    std::vector<float> x(100 * static_cast<std::size_t>(ch));
    for (std::size_t i = 0; i < 100; ++i) {
      for (int c = 0; c < ch; ++c) {
        x[i * ch + c] = s16(static_cast<int>((c + 1) * 100 * (i % 2 ? 1 : -1)));
      }
    }
    PeaksRequest r = with_spp(50);
    r.split_channels = true;
    WaveformData w = run(r, ch, x);
    ASSERT_EQ(w.channels, ch);
    ASSERT_EQ(w.length, 2u);
    for (std::size_t p = 0; p < 2; ++p) {
      for (int c = 0; c < ch; ++c) {
        EXPECT_EQ(w.data[(p * ch + c) * 2], -(c + 1) * 100) << ch << " " << c;
        EXPECT_EQ(w.data[(p * ch + c) * 2 + 1], (c + 1) * 100) << ch << " " << c;
      }
    }
  }
}

TEST(Peaks, PixelsPerSecondDividesTheRate) {
  PeaksRequest r;
  r.pixels_per_second = 100;
  auto x = noise(44100, 1);
  WaveformData w = run(r, 1, x);
  EXPECT_EQ(w.samples_per_pixel, 441);
  EXPECT_EQ(w.length, 100u);
  r.pixels_per_second = 30;  // 44100 / 30 = 1470
  EXPECT_EQ(run(r, 1, x).samples_per_pixel, 1470);
  r.pixels_per_second = 30000;  // fewer than 2 samples per pixel
  try {
    PeaksWriter bad(r, 44100, 1, -1);
    FAIL() << "accepted 30000 pixels per second at 44.1 kHz";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), Exit::usage);
  }
}

TEST(Peaks, KnownLengthGivesCeilFramesOverN) {
  const std::size_t frames = 441000;
  auto x = noise(frames, 1);
  PeaksRequest r;  // peaks 4000
  WaveformData w = run(r, 1, x, static_cast<std::int64_t>(frames));
  EXPECT_EQ(w.samples_per_pixel, 111);  // ceil(441000 / 4000)
  EXPECT_EQ(w.length, 3973u);           // ceil(441000 / 111)
  EXPECT_LE(w.length, 4000u);
  // Short inputs keep the format's minimum of 2 samples per pixel.
  WaveformData s = run(r, 1, noise(5000, 1), 5000);
  EXPECT_EQ(s.samples_per_pixel, 2);
  EXPECT_EQ(s.length, 2500u);
}

TEST(Peaks, AdaptiveResolutionStaysNearNAndMatchesAFixedRun) {
  // Long enough to merge several times (the fine buffer holds 65536 pixels at N = 4000).
  const std::size_t frames = 3000000;
  auto x = noise(frames, 2, 11);
  for (int n : {4000, 1000, 333}) {
    PeaksRequest r;
    r.peaks = n;
    WaveformData adaptive = run(r, 2, x, -1);
    EXPECT_LE(adaptive.length, static_cast<std::size_t>(n));
    EXPECT_GT(adaptive.length, static_cast<std::size_t>(n) * 8 / 9);
    // Exactly what a run at the same samples-per-pixel gives.
    WaveformData fixed = run(with_spp(adaptive.samples_per_pixel, 8), 2, x);
    EXPECT_EQ(adaptive.length, fixed.length) << n;
    EXPECT_EQ(adaptive.data, fixed.data) << n;
    // And close to the known-length run.
    WaveformData known = run(r, 2, x, static_cast<std::int64_t>(frames));
    EXPECT_LE(known.length, static_cast<std::size_t>(n));
    EXPECT_GE(known.length, static_cast<std::size_t>(n) - 1);
    EXPECT_NEAR(static_cast<double>(adaptive.samples_per_pixel),
                static_cast<double>(known.samples_per_pixel), known.samples_per_pixel / 8.0);
  }
}

TEST(Peaks, AboutNMeansTheDocumentedBounds) {
  // Known length: at most N and at least N*F/(F+N). Unknown: at most N and at least the
  // smaller of that and 8N/9. (Inputs of 2N frames or more; below, spp is the minimum 2.)
  std::vector<float> x(8192, 0.25f);
  for (int n : {1000, 4000}) {
    for (std::int64_t f : {8000, 9001, 65535, 65537, 100000, 262145, 1000003, 4000037}) {
      if (f < 2 * n) continue;
      for (bool known : {true, false}) {
        PeaksRequest req;
        req.peaks = n;
        PeaksWriter w(req, 44100, 1, known ? f : -1);
        for (std::int64_t done = 0; done < f;) {
          const std::size_t k = static_cast<std::size_t>(std::min<std::int64_t>(8192, f - done));
          w.add(x.data(), k);
          done += static_cast<std::int64_t>(k);
        }
        const WaveformData r = w.result();
        const double floor_known = static_cast<double>(n) * f / (f + n);
        const double floor = known ? floor_known : std::min(floor_known, 8.0 * n / 9);
        EXPECT_LE(r.length, static_cast<std::size_t>(n)) << n << " " << f << " " << known;
        EXPECT_GE(static_cast<double>(r.length), floor) << n << " " << f << " " << known;
        // The pixels cover the input exactly: all but the last are full.
        EXPECT_EQ((f + r.samples_per_pixel - 1) / r.samples_per_pixel,
                  static_cast<std::int64_t>(r.length));
      }
    }
  }
}

TEST(Peaks, AdaptiveEqualsKnownForShortInputs) {
  // Below the fine buffer's size nothing merges, so not knowing the length costs nothing.
  auto x = noise(20000, 1);
  PeaksRequest r;
  r.peaks = 900;
  WaveformData a = run(r, 1, x, -1);
  WaveformData k = run(r, 1, x, 20000);
  EXPECT_EQ(a.samples_per_pixel, k.samples_per_pixel);
  EXPECT_EQ(a.data, k.data);
}

TEST(Peaks, JsonIsAudiowaveformVersion2Exactly) {
  std::vector<float> x = {s16(-256), s16(512), s16(1024), s16(-32768), s16(300)};
  PeaksRequest r = with_spp(2, 8);
  const std::string text = output_of(r, 1, x);
  EXPECT_EQ(text,
            "{\"version\":2,\"channels\":1,\"sample_rate\":44100,\"samples_per_pixel\":2,"
            "\"bits\":8,\"length\":3,\"data\":[-1,2,-128,4,1,1]}\n");
  r.bits = 16;
  auto doc = nlohmann::ordered_json::parse(output_of(r, 1, x));
  std::vector<std::string> keys;
  for (auto it = doc.begin(); it != doc.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"version", "channels", "sample_rate",
                                            "samples_per_pixel", "bits", "length", "data"}));
  EXPECT_EQ(doc["bits"], 16);
  EXPECT_EQ(doc["data"], (std::vector<int>{-256, 512, -32768, 1024, 300, 300}));
}

TEST(Peaks, JsonDataLengthIsLengthTimesTwoTimesChannels) {
  auto x = noise(10001, 2);
  PeaksRequest r;
  r.split_channels = true;
  r.peaks = 100;
  auto doc = nlohmann::json::parse(output_of(r, 2, x, 10001));
  EXPECT_EQ(doc["channels"], 2);
  EXPECT_EQ(doc["data"].size(), doc["length"].get<std::size_t>() * 2 * 2);
}

std::int32_t le32(const std::string& b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return static_cast<std::int32_t>(v);
}

TEST(Peaks, DatHeaderAndData) {
  std::vector<float> x = {s16(-256), s16(512), s16(1024), s16(-32768), s16(300)};
  PeaksRequest r = with_spp(2, 8);
  r.format = PeaksFormat::dat;
  std::string b = output_of(r, 1, x, -1, 48000);
  ASSERT_EQ(b.size(), 24u + 3 * 2);
  const unsigned char header8[24] = {2, 0, 0, 0, 1, 0, 0, 0, 0x80, 0xbb, 0, 0,
                                     2, 0, 0, 0, 3, 0, 0, 0, 1,    0,    0, 0};
  EXPECT_EQ(std::memcmp(b.data(), header8, 24), 0);
  EXPECT_EQ(static_cast<signed char>(b[24]), -1);
  EXPECT_EQ(static_cast<signed char>(b[25]), 2);
  EXPECT_EQ(static_cast<signed char>(b[26]), -128);
  EXPECT_EQ(static_cast<signed char>(b[27]), 4);
  r.bits = 16;
  r.split_channels = true;
  std::vector<float> st = {s16(-1000), s16(7), s16(2000), s16(-8)};
  b = output_of(r, 2, st, -1, 44100);
  ASSERT_EQ(b.size(), 24u + 1 * 2 * 2 * 2);
  EXPECT_EQ(le32(b, 0), 2);      // version
  EXPECT_EQ(le32(b, 4), 0);      // flags: 16-bit
  EXPECT_EQ(le32(b, 8), 44100);  // sample rate
  EXPECT_EQ(le32(b, 12), 2);     // samples per pixel
  EXPECT_EQ(le32(b, 16), 1);     // length
  EXPECT_EQ(le32(b, 20), 2);     // channels
  auto le16 = [&](std::size_t at) {
    return static_cast<std::int16_t>(static_cast<unsigned char>(b[at]) |
                                     (static_cast<unsigned char>(b[at + 1]) << 8));
  };
  EXPECT_EQ(le16(24), -1000);
  EXPECT_EQ(le16(26), 2000);
  EXPECT_EQ(le16(28), -8);
  EXPECT_EQ(le16(30), 7);
}

std::vector<double> waveflow_values(const std::string& text) {
  auto doc = nlohmann::json::parse(text);
  return doc["data"].get<std::vector<double>>();
}

TEST(Peaks, WaveflowHasExactlyNValuesForAnyLength) {
  for (int n : {1, 7, 4000}) {
    for (std::size_t frames : {1u, 3u, 100u, 4000u, 44100u, 2000000u}) {
      auto x = noise(frames, 2, frames + 3);
      PeaksRequest r;
      r.format = PeaksFormat::waveflow;
      r.peaks = n;
      const std::string known = output_of(r, 2, x, static_cast<std::int64_t>(frames));
      const std::string unknown = output_of(r, 2, x, -1);
      EXPECT_EQ(known, unknown) << n << " " << frames;  // the length does not matter
      auto doc = nlohmann::ordered_json::parse(known);
      EXPECT_EQ(doc.begin().key(), "schema");
      EXPECT_EQ(doc["schema"], "wf.waveflow/1");
      EXPECT_EQ(doc["peaks"], n);
      auto v = doc["data"].get<std::vector<double>>();
      ASSERT_EQ(v.size(), static_cast<std::size_t>(n)) << frames;
      EXPECT_EQ(*std::max_element(v.begin(), v.end()), 1.0);
      EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.0);
    }
  }
}

TEST(Peaks, WaveflowStretchesShortInputs) {
  // 3 samples over 7 buckets: bucket j covers [3j/7, 3(j+1)/7) and takes the samples that
  // start in it, or else the sample its start falls in.
  std::vector<float> x = {0.2f, -1.0f, 0.5f};
  PeaksRequest r;
  r.format = PeaksFormat::waveflow;
  r.peaks = 7;
  auto v = waveflow_values(output_of(r, 1, x));
  EXPECT_EQ(v, (std::vector<double>{0.2, 0.2, 1.0, 1.0, 0.5, 0.5, 0.5}));
}

TEST(Peaks, WaveflowFollowsTheLoudness) {
  // Loud first half (0.8), quiet second half (0.2), stdin-style (length unknown).
  const int rate = 44100;
  std::vector<float> x;
  auto loud = synth::sine(1000, 5.0, rate, 1, 0.8);
  auto quiet = synth::sine(1000, 5.0, rate, 1, 0.2);
  x = loud.samples;
  x.insert(x.end(), quiet.samples.begin(), quiet.samples.end());
  PeaksRequest r;
  r.format = PeaksFormat::waveflow;
  r.peaks = 10;
  auto doc = nlohmann::json::parse(output_of(r, 1, x, -1, rate));
  auto v = doc["data"].get<std::vector<double>>();
  ASSERT_EQ(v.size(), 10u);
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(v[i], 1.0, 1e-3) << i;
  for (int i = 5; i < 10; ++i) EXPECT_NEAR(v[i], 0.25, 1e-3) << i;
  EXPECT_DOUBLE_EQ(doc["duration"].get<double>(), 10.0);
  EXPECT_EQ(doc["sample_rate"], rate);
}

TEST(Peaks, WaveflowOfSilenceIsZerosAndRecordsTheInput) {
  std::vector<float> x(1000, 0.0f);
  PeaksRequest r;
  r.format = PeaksFormat::waveflow;
  r.peaks = 5;
  PeaksWriter w(r, 8000, 1, -1);
  w.add(x.data(), x.size());
  w.set_input("song.wav", std::string(64, 'a'));
  auto doc = nlohmann::json::parse(w.output());
  EXPECT_EQ(doc["data"], (std::vector<double>{0, 0, 0, 0, 0}));
  EXPECT_EQ(doc["input"]["path"], "song.wav");
  EXPECT_EQ(doc["input"]["sha256"], std::string(64, 'a'));
  EXPECT_TRUE(doc.contains("toolkit_version"));
}

TEST(Peaks, EmptyInput) {
  PeaksRequest r;
  PeaksWriter w(r, 44100, 2, -1);
  EXPECT_EQ(w.output(),
            "{\"version\":2,\"channels\":1,\"sample_rate\":44100,\"samples_per_pixel\":2,"
            "\"bits\":8,\"length\":0,\"data\":[]}\n");
  r.format = PeaksFormat::waveflow;
  r.peaks = 3;
  PeaksWriter f(r, 44100, 2, -1);
  EXPECT_EQ(waveflow_values(f.output()), (std::vector<double>{0, 0, 0}));
}

TEST(Peaks, WriteIsAtomicAndWritesTheOutput) {
  testutil::TempDir dir;
  PeaksRequest r = with_spp(2);
  PeaksWriter w(r, 44100, 1, -1);
  std::vector<float> x = {0.5f, -0.5f};
  w.add(x.data(), 2);
  const std::string path = dir / "out.json";
  w.write(path);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), w.output());
  // Into a directory that does not exist: an error, and nothing left behind.
  try {
    w.write(dir / "missing/out.json");
    FAIL() << "wrote into a missing directory";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), Exit::cant_create);
  }
  std::size_t entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);
}

Exit usage_code(PeaksRequest r, const std::string& out) {
  return testutil::exit_code_of([&] { audio::resolve_peaks_format(r, out); });
}

TEST(Peaks, FormatFromExtension) {
  auto fmt = [](const std::string& out) {
    PeaksRequest r;
    audio::resolve_peaks_format(r, out);
    return r.format;
  };
  EXPECT_EQ(fmt("a.json"), PeaksFormat::json);
  EXPECT_EQ(fmt("dir.x/a.DAT"), PeaksFormat::dat);
  EXPECT_EQ(fmt("a.svg"), PeaksFormat::svg);
  EXPECT_EQ(fmt("a.png"), PeaksFormat::png);
  PeaksRequest r;
  EXPECT_EQ(usage_code(r, "a.txt"), Exit::usage);
  EXPECT_EQ(usage_code(r, "dir.json/a"), Exit::usage);
  r.format = PeaksFormat::waveflow;
  r.format_given = true;
  EXPECT_EQ(usage_code(r, "a.txt"), Exit::ok);
  r.samples_per_pixel = 512;
  EXPECT_EQ(usage_code(r, "a.json"), Exit::usage);  // waveflow takes --peaks only
  PeaksRequest pic;
  pic.peaks_given = true;
  EXPECT_EQ(usage_code(pic, "a.png"), Exit::usage);  // pictures have --width columns
}

int parse_code(std::vector<std::string> args) {
  CLI::App app;
  PeaksRequest r;
  audio::add_peaks_options(app, r);
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code();
  }
  return 0;
}

TEST(Peaks, OptionsRejectAbsurdValues) {
  EXPECT_EQ(parse_code({"--peaks", "100", "--bits", "16", "--split-channels"}), 0);
  EXPECT_NE(parse_code({"--bits", "12"}), 0);
  EXPECT_NE(parse_code({"--peaks", "0"}), 0);
  EXPECT_NE(parse_code({"--peaks", "1000001"}), 0);
  EXPECT_NE(parse_code({"--samples-per-pixel", "1"}), 0);
  EXPECT_NE(parse_code({"--pixels-per-second", "-1"}), 0);
  EXPECT_NE(parse_code({"--pixels-per-second", "0"}), 0);
  EXPECT_NE(parse_code({"--peaks", "10", "--samples-per-pixel", "256"}), 0);
  EXPECT_NE(parse_code({"--pixels-per-second", "10", "--samples-per-pixel", "256"}), 0);
  EXPECT_NE(parse_code({"--format", "mp3"}), 0);
  EXPECT_NE(parse_code({"--color", "blue"}), 0);
  EXPECT_EQ(parse_code({"--color", "#abc", "--background", "#A0B1C2"}), 0);
}

TEST(Peaks, OptionsWithAPrefixAndFlags) {
  CLI::App app;
  PeaksRequest r;
  audio::add_peaks_options(app, r, "peaks-");
  app.parse(std::vector<std::string>{"dat", "--peaks-format", "500", "--peaks-peaks"});
  EXPECT_EQ(r.peaks, 500);
  EXPECT_TRUE(r.peaks_given);
  EXPECT_EQ(r.format, PeaksFormat::dat);
  EXPECT_TRUE(r.format_given);
  EXPECT_EQ(r.option_prefix, "peaks-");
}

}  // namespace
