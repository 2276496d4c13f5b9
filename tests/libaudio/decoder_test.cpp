#include "libaudio/decoder.hpp"

#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libaudio/sound_writer.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

using audio::Decoder;
using audio::Exit;

std::string write_fixture(const testutil::TempDir& dir, const std::string& name,
                          const synth::Audio& a,
                          audio::SampleFormat fmt = audio::SampleFormat::pcm16) {
  return testutil::write_audio(dir / name, a, fmt);
}

std::vector<float> decode_all(Decoder& d) {
  std::vector<float> all, buf(1000 * static_cast<std::size_t>(d.channels()));
  while (std::size_t n = d.read(buf.data(), 1000)) {
    all.insert(all.end(), buf.begin(),
               buf.begin() + static_cast<long>(n * static_cast<std::size_t>(d.channels())));
  }
  return all;
}

Exit error_code_of(const std::string& path) {
  return testutil::exit_code_of([&] {
    Decoder d(path);
    decode_all(d);
  });
}

TEST(Decoder, WavAndFlacDecodeToTheSameSamples) {
  testutil::TempDir dir;
  auto tone = synth::sine(1000, 1.0, 44100, 2, 0.5);
  auto wav = write_fixture(dir, "t.wav", tone);
  auto flac = write_fixture(dir, "t.flac", tone);
  Decoder a(wav), b(flac);
  EXPECT_EQ(a.info().codec, "pcm_s16le");
  EXPECT_EQ(b.info().codec, "flac");
  EXPECT_TRUE(a.info().lossless);
  EXPECT_EQ(a.info().frames, 44100);
  auto sa = decode_all(a), sb = decode_all(b);
  ASSERT_EQ(sa.size(), 88200u);
  EXPECT_EQ(sa, sb);
  // 16-bit quantisation of the 0.5 sine: within half an LSB.
  for (std::size_t i = 0; i < sa.size(); i += 97) EXPECT_NEAR(sa[i], tone.samples[i], 1.0 / 32768);
}

TEST(Decoder, FrameThreadsGiveTheSameSamples) {
  testutil::TempDir dir;
  auto noise = synth::white_noise(3.0, 44100, 2, 0.5);
  auto flac = write_fixture(dir, "n.flac", noise);
  audio::DecodeOptions threaded;
  threaded.threads = 0;
  Decoder a(flac), b(flac, threaded);
  EXPECT_EQ(decode_all(a), decode_all(b));
  threaded.threads = -1;
  try {
    Decoder bad(flac, threaded);
    FAIL() << "accepted -1 threads";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), Exit::usage);
  }
}

TEST(Decoder, ResamplesAndDownmixes) {
  testutil::TempDir dir;
  auto path = write_fixture(dir, "t.wav", synth::sine(440, 2.0, 48000, 2, 0.5));
  audio::DecodeOptions opt;
  opt.sample_rate = 16000;
  opt.channels = 1;
  Decoder d(path, opt);
  EXPECT_EQ(d.sample_rate(), 16000);
  EXPECT_EQ(d.channels(), 1);
  auto s = decode_all(d);
  EXPECT_NEAR(static_cast<double>(s.size()), 32000.0, 2.0);
  // Identical channels downmix to a sine of about the same or a fixed-scaled amplitude.
  float peak = 0;
  for (float v : s) peak = std::max(peak, std::fabs(v));
  EXPECT_GT(peak, 0.3f);
  EXPECT_LT(peak, 0.75f);
}

TEST(Decoder, ReadsInSmallChunksWithoutLosingSamples) {
  testutil::TempDir dir;
  auto path = write_fixture(dir, "t.wav", synth::white_noise(0.5, 22050, 1, 0.5, 7),
                            audio::SampleFormat::float32);
  Decoder d(path);
  std::size_t total = 0;
  float buf[7];
  while (std::size_t n = d.read(buf, 7)) total += n;
  EXPECT_EQ(total, 11025u);
  EXPECT_EQ(d.frames_read(), 11025);
}

TEST(Decoder, MissingFileIsNoInput) {
  EXPECT_EQ(error_code_of("/nonexistent/x.wav"), Exit::no_input);
}

TEST(Decoder, DirectoryIsNoInput) {
  testutil::TempDir dir;
  EXPECT_EQ(error_code_of(dir.path().string()), Exit::no_input);
}

TEST(Decoder, EmptyAndTextFilesAreDataErrors) {
  testutil::TempDir dir;
  std::ofstream(dir / "empty.wav").close();
  std::ofstream(dir / "text.mp3") << "this is not audio at all, just some words\n";
  EXPECT_EQ(error_code_of(dir / "empty.wav"), Exit::data);
  EXPECT_EQ(error_code_of(dir / "text.mp3"), Exit::data);
}

TEST(Decoder, TruncatedWavIsDataError) {
  testutil::TempDir dir;
  auto path = write_fixture(dir, "t.wav", synth::sine(440, 2.0, 44100, 2, 0.5));
  std::filesystem::resize_file(path, 100000);
  EXPECT_EQ(error_code_of(path), Exit::data);
}

// Sends `bytes` through a FIFO to a decode of it; the exit code it ends with (ok if none).
Exit code_through_fifo(const testutil::TempDir& dir, const std::string& bytes) {
  const std::string fifo = dir / "fifo.wav";
  std::filesystem::remove(fifo);
  if (mkfifo(fifo.c_str(), 0600) != 0) return Exit::software;
  std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << bytes; });
  const Exit code = testutil::exit_code_of([&] {
    Decoder d(fifo);
    decode_all(d);
  });
  writer.join();
  return code;
}

TEST(Decoder, TruncatedWavThroughAPipeIsDataError) {
  // FFmpeg gives a WAV on a pipe no length; the header's data size is held against the bytes.
  testutil::TempDir dir;
  auto path = write_fixture(dir, "t.wav", synth::sine(440, 2.0, 44100, 2, 0.5));
  std::ifstream in(path, std::ios::binary);
  const std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(code_through_fifo(dir, whole), Exit::ok);
  EXPECT_EQ(code_through_fifo(dir, whole.substr(0, 100000)), Exit::data);
  // A streamed WAV says "length unknown" (0xFFFFFFFF): read to its end, however short.
  std::string streamed = whole.substr(0, 100000);
  const auto data = streamed.find("data");
  ASSERT_NE(data, std::string::npos);
  streamed.replace(data + 4, 4, std::string("\xff\xff\xff\xff", 4));
  EXPECT_EQ(code_through_fifo(dir, streamed), Exit::ok);
}

TEST(Decoder, ProbeDescribesTheStream) {
  testutil::TempDir dir;
  auto path = write_fixture(dir, "t.flac", synth::sine(440, 1.5, 48000, 1, 0.5),
                            audio::SampleFormat::pcm24);
  auto info = audio::probe_audio(path);
  EXPECT_EQ(info.container, "flac");
  EXPECT_EQ(info.sample_rate, 48000);
  EXPECT_EQ(info.channels, 1);
  EXPECT_EQ(info.bits_per_sample, 24);
  EXPECT_NEAR(info.duration, 1.5, 1e-6);
  EXPECT_FALSE(info.has_video);
}

}  // namespace
