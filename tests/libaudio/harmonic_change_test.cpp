#include "libaudio/harmonic_change.hpp"

#include <array>
#include <vector>

#include <gtest/gtest.h>

namespace {

std::array<double, 12> triad(int root) {
  std::array<double, 12> c{};
  for (int k : {0, 4, 7}) c[static_cast<std::size_t>((root + k) % 12)] = 1;
  return c;
}

TEST(HarmonicChange, PeaksWhereTheChordChanges) {
  // C for 6 steps, then F for 6: the change is largest at step 6 and nothing where a window
  // holds one chord on both sides.
  std::vector<std::array<double, 12>> steps(12, triad(0));
  for (std::size_t i = 6; i < 12; ++i) steps[i] = triad(5);
  const std::vector<double> change = audio::harmonic_change(steps, 2);
  ASSERT_EQ(change.size(), steps.size());
  for (std::size_t i = 0; i < change.size(); ++i) {
    if (i != 6) {
      EXPECT_LT(change[i], change[6]) << i;
    }
  }
  EXPECT_NEAR(change[3], 0.0, 1e-12);
  EXPECT_GT(change[6], 0.5);
}

TEST(HarmonicChange, ZeroWhereAWindowRunsOffTheEnds) {
  std::vector<std::array<double, 12>> steps;
  for (int i = 0; i < 8; ++i) steps.push_back(triad(i * 5));
  const std::vector<double> change = audio::harmonic_change(steps, 3);
  for (std::size_t i : {0, 1, 2, 6, 7}) EXPECT_EQ(change[i], 0.0) << i;
  EXPECT_GT(change[3], 0.0);
  EXPECT_TRUE(audio::harmonic_change({}, 2).empty());
  EXPECT_EQ(audio::harmonic_change(steps, 0), std::vector<double>(steps.size(), 0.0));
}

TEST(HarmonicChange, SilentStepsCountAsNoChange) {
  const std::vector<std::array<double, 12>> silent(6, std::array<double, 12>{});
  for (double c : audio::harmonic_change(silent, 2)) EXPECT_EQ(c, 0.0);
}

}  // namespace
