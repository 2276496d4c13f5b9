#include "libaudio/energy.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "structure_fixtures.hpp"

namespace {

using namespace structure_fixtures;

double mean_energy(const audio::EnergyCurve& c, double from, double to) {
  double sum = 0;
  int n = 0;
  for (const audio::EnergyBar& b : c.bars)
    if (b.start >= from - 0.05 && b.end <= to + 0.05) sum += b.energy, ++n;
  EXPECT_GT(n, 0);
  return n > 0 ? sum / n : 0;
}

TEST(Energy, BarsFollowTheDownbeatsAndADrumsOnlyIntroIsLowerThanTheDrop) {
  const synth::TrackSpec s = spec("intro:8,drop:8,breakdown:4,outro:4", 128, 1.5);
  const Analysis a = analyse(rhythm_fixtures::track(s));
  ASSERT_EQ(a.energy.grid.source, "downbeats");
  const double bar = 4 * 60.0 / 128;
  ASSERT_GE(a.energy.bars.size(), 24u);
  EXPECT_NEAR(a.energy.bars.front().start, 1.5, 0.035);
  for (std::size_t i = 0; i + 1 < 24; ++i)
    EXPECT_NEAR(a.energy.bars[i].end - a.energy.bars[i].start, bar, 0.01) << i;
  for (const audio::EnergyBar& b : a.energy.bars) {
    for (double v : {b.energy, b.low, b.mid, b.high}) {
      EXPECT_GE(v, 0.0);
      EXPECT_LE(v, 1.0);
    }
  }
  const auto st = section_starts(s);
  const double intro = mean_energy(a.energy, st[0], st[1]);
  const double drop = mean_energy(a.energy, st[1], st[2]);
  const double breakdown = mean_energy(a.energy, st[2], st[3]);
  EXPECT_LT(intro + 0.05, drop);
  EXPECT_LT(breakdown + 0.05, drop);
  // The breakdown has no kick and no bass: its low band is far under the drop's.
  EXPECT_LT(a.energy.bars[18].low + 0.3, a.energy.bars[10].low);
}

TEST(Energy, LevelOfADrumsOnlyTrackIsBelowAFullOne) {
  const Analysis drums = analyse(rhythm_fixtures::track(spec("intro:8")));
  const Analysis full = analyse(rhythm_fixtures::track(spec("drop:8")));
  EXPECT_GE(drums.energy.level, 1);
  EXPECT_LE(full.energy.level, 10);
  EXPECT_LT(drums.energy.level, full.energy.level);
  EXPECT_LT(drums.energy.score, full.energy.score);
}

TEST(Energy, FixedAnchorsMakeAQuieterCopyReadLower) {
  std::vector<float> x = rhythm_fixtures::track(spec("drop:8"));
  const Analysis loud = analyse(x);
  for (float& v : x) v *= 0.1f;  // -20 dB
  const Analysis quiet = analyse(x);
  ASSERT_EQ(loud.energy.bars.size(), quiet.energy.bars.size());
  // 20 dB is 20/32 of the loudness scale, weighted 0.75; the onset term does not move.
  EXPECT_NEAR(loud.energy.bars[3].energy - quiet.energy.bars[3].energy, 0.75 * 20 / 32, 0.03);
  EXPECT_LT(quiet.energy.level, loud.energy.level);
  EXPECT_DOUBLE_EQ(audio::energy_from_db(-40), 0.0);
  EXPECT_DOUBLE_EQ(audio::energy_from_db(-8), 1.0);
  EXPECT_DOUBLE_EQ(audio::energy_from_db(-24), 0.5);
}

TEST(Energy, WithoutBeatsFixedTwoSecondWindows) {
  const synth::Audio talk = synth::babble(9, rhythm_fixtures::kRate, 3);
  const Analysis a = analyse(talk.samples);
  ASSERT_FALSE(a.rhythm.grid.found);
  EXPECT_EQ(a.energy.grid.source, "fixed");
  ASSERT_EQ(a.energy.bars.size(), 5u);  // 0, 2, 4, 6, 8 .. 9
  EXPECT_DOUBLE_EQ(a.energy.bars[1].start, 2.0);
  // The features reach up to one FFT window (46 ms) past the last sample.
  EXPECT_NEAR(a.energy.bars.back().end, 9.0, 0.047);
  EXPECT_EQ(audio::energy_json(a.energy)["grid"], "fixed");
}

TEST(Energy, EmptyAndVeryShortInputs) {
  for (double seconds : {0.0, 0.05, 1.0}) {
    const synth::Audio c = synth::clicks(128, seconds, rhythm_fixtures::kRate, 0.1);
    const Analysis a = analyse(c.samples);
    EXPECT_GE(a.energy.level, 1) << seconds;
    const audio::Json j = audio::energy_json(a.energy);
    EXPECT_TRUE(j["bars"].is_array());
    if (seconds == 0.0) {
      EXPECT_TRUE(j["bars"].empty());
    } else {
      EXPECT_FALSE(j["bars"].empty());
    }
  }
}

TEST(Energy, JsonIsDeterministicAndRounded) {
  const std::vector<float> x = rhythm_fixtures::track(spec("intro:2,drop:4", 140, 0.7));
  const std::string a = audio::energy_json(analyse(x).energy).dump();
  const std::string b = audio::energy_json(analyse(x).energy).dump();
  EXPECT_EQ(a, b);
  const audio::Json j = audio::Json::parse(a);
  EXPECT_EQ(j.begin().key(), "grid");
  for (const audio::Json& bar : j["bars"]) {
    const double t = bar["start"].get<double>();
    EXPECT_NEAR(t * 1000, std::round(t * 1000), 1e-6);
  }
}

}  // namespace
