#include "libmix/mp3_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "test_util.hpp"

namespace {

using audio::Exit;
using mix::Mp3Options;
using mix::Mp3Writer;

// Stereo test signal: different tones left and right, so a channel swap would show.
std::vector<float> tones(std::size_t frames, int rate, int channels, double amp = 0.5) {
  std::vector<float> s(frames * static_cast<std::size_t>(channels));
  for (std::size_t i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i) / rate;
    s[i * channels] = static_cast<float>(amp * std::sin(2 * M_PI * 440.0 * t));
    if (channels == 2)
      s[i * channels + 1] = static_cast<float>(amp * std::sin(2 * M_PI * 660.0 * t));
  }
  return s;
}

// Writes `pcm` in uneven pieces (so chunk boundaries fall anywhere) and commits.
void encode(const std::string& path, const Mp3Options& o, const std::vector<float>& pcm) {
  Mp3Writer w(path, o);
  const std::size_t frames = pcm.size() / static_cast<std::size_t>(o.channels);
  std::size_t done = 0;
  for (std::size_t piece : {1u, 1000u, 20000u, 4095u}) {
    if (done >= frames) break;
    const std::size_t n = std::min(piece, frames - done);
    w.write(pcm.data() + done * o.channels, n);
    done += n;
  }
  w.write(pcm.data() + done * o.channels, frames - done);
  EXPECT_EQ(w.frames_written(), static_cast<std::int64_t>(frames));
  w.commit();
}

std::vector<float> decode_all(const std::string& path, int* channels = nullptr) {
  audio::Decoder d(path);
  if (channels) *channels = d.channels();
  std::vector<float> out;
  std::vector<float> buf(4096 * static_cast<std::size_t>(d.channels()));
  while (std::size_t n = d.read(buf.data(), 4096)) {
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n * d.channels()));
  }
  return out;
}

// SNR in dB of `got` against `want`, per channel `ch` of `channels`.
double snr_db(const std::vector<float>& want, const std::vector<float>& got, int channels, int ch) {
  double sig = 0, err = 0;
  for (std::size_t i = static_cast<std::size_t>(ch); i < std::min(want.size(), got.size());
       i += static_cast<std::size_t>(channels)) {
    sig += double(want[i]) * want[i];
    err += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
  }
  return 10 * std::log10(sig / std::max(err, 1e-30));
}

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  pclose(p);
  return out;
}

struct FrameScan {
  std::size_t id3_size = 0;
  std::vector<int> bitrates;  // kbps of every MPEG frame, in order
  std::size_t first_frame = 0, first_frame_size = 0;
};

// Walks the MPEG-1 Layer III frames after the ID3v2 tag, by their headers.
FrameScan scan_frames(const std::vector<unsigned char>& b) {
  static const int kRates[] = {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320};
  static const int kHz[] = {44100, 48000, 32000};
  FrameScan s;
  std::size_t pos = 0;
  if (b.size() >= 10 && b[0] == 'I' && b[1] == 'D' && b[2] == '3') {
    s.id3_size =
        10 + ((b[6] & 0x7F) << 21 | (b[7] & 0x7F) << 14 | (b[8] & 0x7F) << 7 | (b[9] & 0x7F));
    pos = s.id3_size;
  }
  s.first_frame = pos;
  while (pos + 4 <= b.size()) {
    // sync 11 bits, MPEG-1 (11), Layer III (01)
    if (b[pos] != 0xFF || (b[pos + 1] & 0xFE) != 0xFA) {
      ADD_FAILURE() << "no MPEG-1 Layer III frame header at byte " << pos;
      break;
    }
    const int bi = b[pos + 2] >> 4, si = (b[pos + 2] >> 2) & 3, pad = (b[pos + 2] >> 1) & 1;
    if (bi == 0 || bi == 15 || si == 3) {
      ADD_FAILURE() << "bad header at " << pos;
      break;
    }
    const std::size_t size = 144000 * kRates[bi] / kHz[si] + pad;
    if (s.bitrates.empty()) s.first_frame_size = size;
    s.bitrates.push_back(kRates[bi]);
    pos += size;
  }
  EXPECT_EQ(pos, b.size()) << "frames do not end at the end of the file (trailing bytes?)";
  return s;
}

TEST(Mp3Writer, GaplessExactLengthCbr320AndFaithful) {
  testutil::TempDir dir;
  const std::string path = dir / "tone.mp3";
  Mp3Options o;                                // 320 kbps CBR, q2, 44.1 kHz stereo
  const std::size_t frames = 44100 * 3 + 777;  // not a multiple of 1152
  const auto pcm = tones(frames, 44100, 2);
  encode(path, o, pcm);

  int channels = 0;
  const auto got = decode_all(path, &channels);
  ASSERT_EQ(channels, 2);
  EXPECT_EQ(got.size() / 2, frames) << "decoded length differs from written: not gapless";
  // Time-aligned (the encoder delay is trimmed) and faithful. Measured 68 and 71 dB for these
  // half-scale tones; 35 dB would still catch any offset (one sample off gives ~22 dB).
  EXPECT_GT(snr_db(pcm, got, 2, 0), 35.0);
  EXPECT_GT(snr_db(pcm, got, 2, 1), 35.0);

  const auto bytes = read_bytes(path);
  const auto scan = scan_frames(bytes);
  ASSERT_FALSE(scan.bitrates.empty());
  for (int kbps : scan.bitrates) ASSERT_EQ(kbps, 320);
  // The first frame is the Info (CBR) frame: "Info" after the 32 bytes of stereo side info,
  // then the LAME extension with the encoder delay and padding.
  const std::size_t tag = scan.first_frame + 4 + 32;
  ASSERT_LT(tag + 120 + 24, bytes.size());
  EXPECT_EQ(std::string(bytes.begin() + tag, bytes.begin() + tag + 4), "Info");
  EXPECT_EQ(std::string(bytes.begin() + tag + 120, bytes.begin() + tag + 124), "LAME");
  const std::size_t dp = tag + 120 + 21;
  const int delay = bytes[dp] << 4 | bytes[dp + 1] >> 4;
  const int padding = (bytes[dp + 1] & 0x0F) << 8 | bytes[dp + 2];
  const std::size_t audio_frames = scan.bitrates.size() - 1;  // all but the Info frame
  EXPECT_EQ(static_cast<std::size_t>(delay + padding) + frames, audio_frames * 1152);
  EXPECT_GE(delay, 576);
}

TEST(Mp3Writer, SameInputGivesTheSameBytes) {
  testutil::TempDir dir;
  Mp3Options o;
  o.tags.title = "Same";
  const auto pcm = tones(44100, 44100, 2);
  encode(dir / "a.mp3", o, pcm);
  encode(dir / "b.mp3", o, pcm);
  const auto a = read_bytes(dir / "a.mp3");
  ASSERT_GT(a.size(), 1000u);
  EXPECT_EQ(a, read_bytes(dir / "b.mp3"));
}

TEST(Mp3Writer, Id3TagsReadBackByFfprobe) {
  testutil::TempDir dir;
  const std::string path = dir / "tags.mp3";
  Mp3Options o;
  o.tags.title = "Déjà Vu \"Live\" — 夜 🎧";  // non-ASCII: stored as UTF-16
  o.tags.artist = "DJ Test";                 // ASCII: stored as ISO-8859-1
  o.tags.album = "Album";
  o.tags.year = "2024";
  o.tags.comment = "mixed with care";
  encode(path, o, tones(44100, 44100, 2));
  const auto out =
      run("ffprobe -v error -show_entries format_tags=title,artist,album,date,comment "
          "-of default=nw=1 '" +
          path + "'");
  EXPECT_NE(out.find("TAG:title=" + o.tags.title + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("TAG:artist=DJ Test\n"), std::string::npos) << out;
  EXPECT_NE(out.find("TAG:album=Album\n"), std::string::npos) << out;
  EXPECT_NE(out.find("TAG:date=2024\n"), std::string::npos) << out;
  EXPECT_NE(out.find("TAG:comment=mixed with care\n"), std::string::npos) << out;
  // The ffmpeg CLI, too, trims to the exact length (44100 frames of 4 bytes as s16 stereo).
  EXPECT_EQ(run("ffmpeg -v error -i '" + path + "' -f s16le - | wc -c"), "176400\n");
}

TEST(Mp3Writer, MonoAt48kHzAnd256kbps) {
  testutil::TempDir dir;
  const std::string path = dir / "mono.mp3";
  Mp3Options o;
  o.channels = 1;
  o.sample_rate = 48000;
  // Not lower: below 256 kbps LAME itself (its CLI too) returns this tone about 5% quieter,
  // which alone caps the SNR near 26 dB.
  o.bitrate_kbps = 256;
  const std::size_t frames = 48000 * 2 + 5;
  const auto pcm = tones(frames, 48000, 1);
  encode(path, o, pcm);
  int channels = 0;
  const auto got = decode_all(path, &channels);
  EXPECT_EQ(channels, 1);
  EXPECT_EQ(got.size(), frames);
  EXPECT_GT(snr_db(pcm, got, 1, 0), 35.0);
  for (int kbps : scan_frames(read_bytes(path)).bitrates) ASSERT_EQ(kbps, 256);
  EXPECT_EQ(audio::probe_audio(path).sample_rate, 48000);
}

TEST(Mp3Writer, ClipsAndCountsOutOfRangeSamples) {
  testutil::TempDir dir;
  Mp3Writer w(dir / "clip.mp3", {});
  std::vector<float> pcm(2000, 0.25f);
  pcm[10] = 1.5f;
  pcm[11] = -3.0f;
  pcm[12] = std::numeric_limits<float>::quiet_NaN();
  pcm[13] = 1.0f;  // full scale is in range
  pcm[14] = -1.0f;
  w.write(pcm.data(), 1000);
  EXPECT_EQ(w.clipped_samples(), 3);
  w.commit();
  EXPECT_EQ(decode_all(dir / "clip.mp3").size(), 2000u);
}

TEST(Mp3Writer, UncommittedWriterLeavesNothing) {
  testutil::TempDir dir;
  {
    Mp3Writer w(dir / "gone.mp3", {});
    const auto pcm = tones(44100, 44100, 2);
    w.write(pcm.data(), 44100);
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1)
        << "the temporary should exist while writing";
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(Mp3Writer, BadOptionsAreUsageErrorsAndCreateNothing) {
  testutil::TempDir dir;
  auto code_of = [&](Mp3Options o) {
    return testutil::exit_code_of([&] { Mp3Writer w(dir / "x.mp3", o); });
  };
  Mp3Options o;
  o.bitrate_kbps = 321;
  EXPECT_EQ(code_of(o), Exit::usage);
  o = {};
  o.bitrate_kbps = 8;  // exists, but not in MPEG-1 (44.1 kHz)
  EXPECT_EQ(code_of(o), Exit::usage);
  o = {};
  o.quality = 10;
  EXPECT_EQ(code_of(o), Exit::usage);
  o = {};
  o.channels = 3;
  EXPECT_EQ(code_of(o), Exit::usage);
  o = {};
  o.sample_rate = 44000;
  EXPECT_EQ(code_of(o), Exit::usage);
  o = {};
  o.sample_rate = 22050;  // MPEG-2 tops out at 160 kbps
  EXPECT_EQ(code_of(o), Exit::usage);
  o.bitrate_kbps = 128;
  EXPECT_EQ(code_of(o), Exit::ok);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));

  try {
    Mp3Writer w(dir / "no/such/dir/x.mp3", {});
    FAIL() << "expected cant_create";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), Exit::cant_create);
  }
}

TEST(Mp3Writer, StdoutStreamHasTagsAndNoInfoFrame) {
  testutil::TempDir dir;
  const std::string path = dir / "stdout.mp3";
  const std::size_t frames = 44100;
  const auto pcm = tones(frames, 44100, 2);
  {
    // Point fd 1 at a file for the duration of the write.
    std::fflush(stdout);
    const int saved = dup(STDOUT_FILENO);
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    Mp3Options o;
    o.tags.title = "piped";
    encode("-", o, pcm);
    dup2(saved, STDOUT_FILENO);
    close(saved);
  }
  const auto bytes = read_bytes(path);
  const auto scan = scan_frames(bytes);
  ASSERT_GT(scan.id3_size, 10u);
  const std::string first(bytes.begin() + scan.first_frame + 36,
                          bytes.begin() + scan.first_frame + 40);
  EXPECT_NE(first, "Info");
  EXPECT_NE(first, "Xing");
  // Without the Info frame the decoder keeps the encoder delay and padding: longer, by less
  // than two MPEG frames, and never shorter.
  const auto got = decode_all(path);
  EXPECT_GT(got.size() / 2, frames);
  EXPECT_LT(got.size() / 2, frames + 2 * 1152 + 1105);
  EXPECT_NE(run("ffprobe -v error -show_entries format_tags=title -of default=nw=1 '" + path + "'")
                .find("TAG:title=piped"),
            std::string::npos);
}

}  // namespace
