#include "libaudio/fingerprint.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libaudio/sound_writer.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

using audio::Fingerprint;
using audio::fingerprint_file;
using audio::similarity;

std::string write_audio(const testutil::TempDir& dir, const std::string& name,
                        const synth::Audio& a) {
  return testutil::write_audio(dir / name, a, audio::SampleFormat::pcm16);
}

void ffmpeg(const std::string& args) {
  const std::string cmd = "ffmpeg -nostdin -v error -y " + args;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

synth::Audio track(double bpm, const char* key, std::uint64_t seed = 1) {
  synth::TrackSpec spec;
  spec.bpm = bpm;
  spec.key = synth::parse_key(key);
  spec.seed = seed;
  return synth::render_track(spec);  // default arrangement: about 55 s at 124 BPM
}

TEST(Fingerprint, EncodesAndDecodesLosslessly) {
  testutil::TempDir dir;
  auto fp = fingerprint_file(write_audio(dir, "t.wav", track(124, "Am")));
  ASSERT_TRUE(fp.usable());
  // About 8 items a second over the whole 55 s track, and its shifted twin alike.
  EXPECT_NEAR(static_cast<double>(fp.items.size()), fp.seconds * 7.9, 20.0);
  EXPECT_NEAR(static_cast<double>(fp.shifted.size()), static_cast<double>(fp.items.size()), 2.0);
  EXPECT_NE(fp.items, fp.shifted);
  const std::string text = fp.encoded();
  // Byte 0 is the algorithm (1), then the item count: fpcalc's "AQAB...", "AQAD..." form.
  EXPECT_EQ(text.substr(0, 2), "AQ");
  Fingerprint back = Fingerprint::decode(text);
  EXPECT_EQ(back.items, fp.items);
  EXPECT_EQ(back.algorithm, fp.algorithm);
  EXPECT_THROW(Fingerprint::decode("not a fingerprint!"), audio::Error);
}

TEST(Fingerprint, StopsAtTheCap) {
  testutil::TempDir dir;
  auto path = write_audio(dir, "t.wav", track(124, "Am"));
  auto full = fingerprint_file(path);
  auto capped = fingerprint_file(path, 20.0);
  EXPECT_NEAR(capped.seconds, 20.0, 1e-9);
  EXPECT_LT(capped.items.size(), full.items.size() / 2);
  // The first 20 s give the same items as the start of the full fingerprint.
  ASSERT_GT(capped.items.size(), 100u);
  EXPECT_TRUE(std::equal(capped.items.begin(), capped.items.end() - 20, full.items.begin()));
}

TEST(Fingerprint, ShortAudioIsUnusableAndScoresZero) {
  testutil::TempDir dir;
  auto fp = fingerprint_file(write_audio(dir, "s.wav", synth::sine(440, 0.5, 44100, 1, 0.5)));
  EXPECT_FALSE(fp.usable());
  EXPECT_EQ(similarity(fp, fp).score, 0.0);
  EXPECT_EQ(similarity(fp, fp).overlap, 0u);
}

TEST(Fingerprint, IdenticalAudioScoresOneAndSteadyTonesScoreZero) {
  testutil::TempDir dir;
  auto a = fingerprint_file(write_audio(dir, "a.wav", track(124, "Am")));
  auto s = similarity(a, a);
  EXPECT_DOUBLE_EQ(s.score, 1.0);
  EXPECT_EQ(s.offset, 0);
  EXPECT_EQ(s.overlap, a.items.size());
  // A held tone gives a constant fingerprint; two of them agree on most raw bits by
  // accident, which the chance correction must not count.
  auto t1 = fingerprint_file(write_audio(dir, "t1.wav", synth::sine(440, 20, 44100, 1, 0.5)));
  auto t2 = fingerprint_file(write_audio(dir, "t2.wav", synth::sine(1000, 20, 44100, 1, 0.5)));
  auto tt = similarity(t1, t2);
  EXPECT_GT(tt.equal_bits, 0.6);
  EXPECT_EQ(tt.score, 0.0);
}

TEST(Fingerprint, SlidingFindsTheOffsetOfATrimmedCopy) {
  Fingerprint a, b;
  std::mt19937 rng(5);
  for (int i = 0; i < 400; ++i) a.items.push_back(static_cast<std::uint32_t>(rng()));
  // b = a without its first 37 items, and 10 % of bits flipped.
  b.items.assign(a.items.begin() + 37, a.items.end());
  for (auto& v : b.items) {
    for (int k = 0; k < 32; ++k) {
      if (rng() % 10 == 0) v ^= 1u << k;
    }
  }
  auto s = similarity(b, a);
  EXPECT_EQ(s.offset, -37);
  EXPECT_EQ(s.overlap, b.items.size());
  EXPECT_NEAR(s.equal_bits, 0.9, 0.01);
  EXPECT_NEAR(s.score, 0.8, 0.02);  // random bits: chance 0.5, so (0.9 - 0.5) / 0.5
  EXPECT_EQ(similarity(a, b).offset, 37);
  // Unrelated random fingerprints: chance level.
  Fingerprint c;
  for (int i = 0; i < 400; ++i) c.items.push_back(static_cast<std::uint32_t>(rng()));
  EXPECT_LT(similarity(a, c).score, 0.1);
}

// The measurement behind kDefaultThreshold (summarised in wf-hash(1)): copies of one
// recording must score well above the threshold, different recordings well below.
TEST(Fingerprint, ThresholdSeparatesCopiesFromDifferentRecordings) {
  testutil::TempDir dir;
  const std::string a = write_audio(dir, "a.wav", track(124, "Am"));
  auto in = [&](const std::string& args, const std::string& out) {
    ffmpeg("-i '" + a + "' " + args + " '" + (dir / out) + "'");
    return dir / out;
  };
  // Trims of 1.3, 2.55 and 3.9 s fall about half an item off Chromaprint's grid (worst case).
  const std::vector<std::string> copies = {
      in("-b:a 128k", "mp3_128.mp3"),
      in("-b:a 320k", "mp3_320.mp3"),
      in("-c:a libvorbis -q:a 3", "vorbis.ogg"),
      in("-c:a aac -b:a 128k", "aac.m4a"),
      in("-c:a libopus -b:a 64k", "opus.opus"),
      in("", "flac.flac"),
      in("-ar 22050", "resampled_22k.wav"),
      in("-ss 1", "trim_start_1s.wav"),
      in("-ss 1.3", "trim_start_1.3s.wav"),
      in("-ss 3.9", "trim_start_3.9s.wav"),
      in("-ss 5", "trim_start_5s.wav"),
      in("-t 50", "trim_end_5s.wav"),
      in("-ss 2.55 -b:a 128k", "trim_2.55s_mp3.mp3"),
      in("-ss 3.25 -c:a libopus -b:a 64k", "trim_3.25s_opus.opus"),
      in("-ss 1.95 -t 50 -ac 1 -b:a 64k", "trim_both_mono_mp3.mp3"),
  };
  std::vector<std::string> others = {
      write_audio(dir, "b_128bpm.wav", track(128, "Am")),
      write_audio(dir, "c_em.wav", track(124, "Em")),
      write_audio(dir, "d_relative_major.wav", track(124, "C")),
      write_audio(dir, "e_126bpm.wav", track(126, "Am")),
      write_audio(dir, "f_100bpm.wav", track(100, "F#m")),
      write_audio(dir, "noise1.wav", synth::white_noise(40, 44100, 1, 0.3, 1)),
      write_audio(dir, "noise2.wav", synth::white_noise(40, 44100, 1, 0.3, 2)),
      write_audio(dir, "tone440.wav", synth::sine(440, 40, 44100, 1, 0.5)),
      write_audio(dir, "tone1000.wav", synth::sine(1000, 40, 44100, 1, 0.5)),
      write_audio(dir, "clicks.wav", synth::clicks(120, 40)),
  };
  const Fingerprint ref = fingerprint_file(a);
  double min_same = 1, max_diff = 0;
  std::string worst_same, worst_diff;
  // A stored fingerprint has no shifted twin (only its encoded form is kept).
  auto stored = [](const Fingerprint& f) { return Fingerprint::decode(f.encoded()); };
  std::vector<Fingerprint> copy_fps;
  for (const auto& path : copies) {
    copy_fps.push_back(fingerprint_file(path));
    const double s = similarity(copy_fps.back(), stored(ref)).score;
    std::printf("  same      %.4f  %s\n", s, path.substr(path.rfind('/') + 1).c_str());
    if (s < min_same) min_same = s, worst_same = path;
  }
  // Copy against copy: both altered.
  for (std::size_t i = 0; i < copy_fps.size(); ++i) {
    for (std::size_t j = i + 1; j < copy_fps.size(); ++j) {
      const double s = similarity(copy_fps[j], stored(copy_fps[i])).score;
      if (s < min_same) min_same = s, worst_same = copies[i] + " ~ " + copies[j];
    }
  }
  others.push_back(a);
  std::vector<Fingerprint> other_fps;
  for (const auto& path : others) other_fps.push_back(fingerprint_file(path));
  for (std::size_t i = 0; i < other_fps.size(); ++i) {
    for (std::size_t j = i + 1; j < other_fps.size(); ++j) {
      const double s = similarity(other_fps[j], stored(other_fps[i])).score;
      std::printf("  different %.4f  %s ~ %s\n", s,
                  others[i].substr(others[i].rfind('/') + 1).c_str(),
                  others[j].substr(others[j].rfind('/') + 1).c_str());
      if (s > max_diff) max_diff = s, worst_diff = others[i] + " ~ " + others[j];
    }
  }
  std::printf("  lowest same-recording score %.4f (%s)\n", min_same, worst_same.c_str());
  std::printf("  highest different-recording score %.4f (%s)\n", max_diff, worst_diff.c_str());
  EXPECT_GE(min_same, audio::kDefaultThreshold + 0.05) << worst_same;
  EXPECT_LE(max_diff, audio::kDefaultThreshold - 0.05) << worst_diff;
}

}  // namespace
