#include "libmix/fades.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace {

TEST(Fades, EqualPowerKeepsPowerConstant) {
  for (double x = -0.2; x <= 1.2; x += 0.01) {
    const double a = mix::equal_power_out(x), b = mix::equal_power_in(x);
    EXPECT_NEAR(a * a + b * b, 1.0, 1e-12) << x;
  }
  EXPECT_DOUBLE_EQ(mix::equal_power_in(0), 0.0);
  EXPECT_DOUBLE_EQ(mix::equal_power_in(1), 1.0);
  EXPECT_NEAR(mix::equal_power_out(1), 0.0, 1e-12);
  EXPECT_NEAR(mix::equal_power_in(0.5), std::sqrt(0.5), 1e-12);  // -3 dB in the middle
}

TEST(Fades, CurvesAreMonotonic) {
  double prev_in = -1, prev_out = 2, prev_ramp = -1;
  for (int i = 0; i <= 100; ++i) {
    const double x = i / 100.0;
    EXPECT_GE(mix::equal_power_in(x), prev_in);
    EXPECT_LE(mix::equal_power_out(x), prev_out);
    EXPECT_GE(mix::smooth_ramp(x), prev_ramp);
    prev_in = mix::equal_power_in(x);
    prev_out = mix::equal_power_out(x);
    prev_ramp = mix::smooth_ramp(x);
  }
}

TEST(Fades, RampSpanningBlocksEqualsOneRamp) {
  const int ch = 2;
  std::vector<float> whole(1000 * ch, 1.0f), parts(1000 * ch, 1.0f);
  mix::fade_in(whole.data(), 1000, ch, 0, 300);
  mix::fade_in(parts.data(), 128, ch, 0, 300);
  mix::fade_in(parts.data() + 128 * ch, 872, ch, 128, 300);
  EXPECT_EQ(whole, parts);
  EXPECT_LT(whole[0], 0.001f);       // starts from silence: no click
  EXPECT_EQ(whole[300 * ch], 1.0f);  // untouched after the ramp
  // Every step of the ramp is small (no discontinuity).
  for (int i = 1; i < 300; ++i) EXPECT_LT(whole[i * ch] - whole[(i - 1) * ch], 0.006f);
}

TEST(Fades, FadeOutEndsInSilence) {
  std::vector<float> s(500, 0.5f);
  mix::fade_out(s.data(), 500, 1, 0, 200);
  EXPECT_NEAR(s[0], 0.5f, 0.001f);
  EXPECT_LT(s[199], 0.001f);
  EXPECT_EQ(s[200], 0.0f);
  EXPECT_EQ(s[499], 0.0f);
}

}  // namespace
