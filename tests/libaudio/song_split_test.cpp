#include "libaudio/song_split.hpp"

#include <cmath>

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
