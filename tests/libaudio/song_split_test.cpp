#include "libaudio/song_split.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/onset.hpp"
#include "libaudio/timbre.hpp"
#include "synth/synth.hpp"

namespace {

TEST(SongSplit, FindsTheSongsOfAConcertBetweenApplauseAndTalk) {
  std::vector<synth::TrackSpec> specs(2);
  specs[0].bpm = 120;
  specs[1].bpm = 96;
  for (auto& s : specs) s.sections = synth::parse_sections("intro:2,verse:8,chorus:8,outro:2");
  const synth::Concert c = synth::render_concert(specs, 16, 22050);
  const auto mono = synth::mono(c.audio);
  const auto on = audio::onset_features(mono.data(), mono.size());
  const auto tb = audio::timbre_features(mono.data(), mono.size());
  const audio::SongSplit split = audio::split_songs(on, tb);
  ASSERT_EQ(split.songs.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_NEAR(split.songs[k].start, c.truth["songs"][k]["start"].get<double>(), 3.0) << k;
    EXPECT_NEAR(split.songs[k].end, c.truth["songs"][k]["end"].get<double>(), 3.0) << k;
  }
  ASSERT_FALSE(split.gaps.empty());
  EXPECT_EQ(split.gaps.front().kind, "applause");
  // The windows in the middle of the first applause are crowd noise, not music.
  const double mid = c.truth["gaps"][0]["start"].get<double>() + 3;
  EXPECT_EQ(split.windows[std::size_t(mid / split.window_hop)], "applause");
}

TEST(SongSplit, ANoisyDrumKitOnASteadyBeatIsMusicNotApplause) {
  // 40 s at 120 BPM: a noise burst (hats, cymbals) on every eighth note, a low thump on
  // every beat and a quiet chord: as flat as a crowd, but with a steady pulse.
  const int rate = 22050;
  std::vector<float> mono(std::size_t(rate) * 40, 0.0f);
  std::uint32_t seed = 1;
  double last_noise = 0;
  for (std::size_t i = 0; i < mono.size(); ++i) {
    const double t = double(i) / rate;
    const double eighth = std::fmod(t, 0.25), beat = std::fmod(t, 0.5);
    seed = seed * 1664525u + 1013904223u;
    const double noise = (double(seed >> 8) / double(1u << 24)) * 2 - 1;
    double v = 0.5 * (0.6 * noise + 0.4 * (noise - last_noise)) * std::exp(-eighth / 0.04);
    last_noise = noise;
    v += 0.2 * std::sin(2 * M_PI * 60 * beat) * std::exp(-beat / 0.08);
    for (double f : {220.0, 277.2, 329.6, 440.0}) v += 0.08 * std::sin(2 * M_PI * f * t);
    mono[i] = float(v);
  }
  const auto on = audio::onset_features(mono.data(), mono.size());
  const auto tb = audio::timbre_features(mono.data(), mono.size());
  const audio::SongSplit split = audio::split_songs(on, tb);
  ASSERT_EQ(split.songs.size(), 1u);
  EXPECT_LT(split.songs[0].start, 3.0);
  EXPECT_GT(split.songs[0].end, 37.0);
  int applause = 0;
  for (const auto& w : split.windows) applause += w == "applause";
  // As flat as the old rule took for a crowd (0.3), and music all the same.
  EXPECT_GT(split.flatness[split.windows.size() / 2], 0.35);
  EXPECT_LE(applause, 4);  // the edges, where the pulse window runs off the signal
}

TEST(SongSplit, SilenceAloneIsNoSong) {
  std::vector<float> quiet(22050 * 20, 0.0f);
  const auto on = audio::onset_features(quiet.data(), quiet.size());
  const auto tb = audio::timbre_features(quiet.data(), quiet.size());
  const audio::SongSplit split = audio::split_songs(on, tb);
  EXPECT_TRUE(split.songs.empty());
  for (const auto& w : split.windows) EXPECT_EQ(w, "silence");
}

TEST(SongSplit, ApplauseAloneIsNoSong) {
  const auto mono = synth::mono(synth::applause(30, 22050));
  const auto on = audio::onset_features(mono.data(), mono.size());
  const auto tb = audio::timbre_features(mono.data(), mono.size());
  EXPECT_TRUE(audio::split_songs(on, tb).songs.empty());
}

}  // namespace
