#include "libaudio/cli.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace {

using audio::Error;
using audio::Exit;
using audio::cli::parse_gain;
using audio::cli::parse_size;

TEST(ParseSize, AcceptsPlainAndSuffixedSizes) {
  EXPECT_EQ(parse_size("4096", "--max-size"), 4096);
  EXPECT_EQ(parse_size("100M", "--max-size"), 100000000);
  EXPECT_EQ(parse_size("1.5G", "--max-size"), 1500000000);
  EXPECT_EQ(parse_size("512k", "--max-size"), 512000);
  EXPECT_EQ(parse_size("2Mi", "--max-size"), 2 * 1024 * 1024);
  EXPECT_EQ(parse_size("10MB", "--max-size"), 10000000);
}

TEST(ParseSize, RejectsNonsenseAsUsageError) {
  for (const char* bad : {"banana", "", "-5", "12Q", "1e99G"}) {
    try {
      parse_size(bad, "--max-size");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Exit::usage) << bad;
      EXPECT_EQ(e.subject(), "--max-size");
    }
  }
}

TEST(ParseGain, DecibelsAndLinear) {
  EXPECT_NEAR(parse_gain("-6dB", "--gain"), 0.501187, 1e-6);
  EXPECT_NEAR(parse_gain("+3 dB", "--gain"), 1.412538, 1e-6);
  EXPECT_DOUBLE_EQ(parse_gain("0dB", "--gain"), 1.0);
  EXPECT_DOUBLE_EQ(parse_gain("0.25", "--gain"), 0.25);
  EXPECT_THROW(parse_gain("loud", "--gain"), Error);
  EXPECT_THROW(parse_gain("-0.5", "--gain"), Error);  // a negative linear gain inverts phase
  EXPECT_THROW(parse_gain("200dB", "--gain"), Error);
}

TEST(BatchStatus, KeepsTheFirstFailure) {
  audio::cli::BatchStatus s;
  EXPECT_FALSE(s.failed());
  s.fail(Exit::no_input);
  s.fail(Exit::data);
  EXPECT_TRUE(s.failed());
  EXPECT_EQ(s.code(), Exit::no_input);
}

int run_tool(std::vector<std::string> args, int* ran = nullptr) {
  audio::cli::Tool tool("prog", "test program");
  int n = 0;
  tool.app().add_option("-n", n)->check(CLI::Range(1, 10));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return tool.run(static_cast<int>(argv.size()), argv.data(), [&] {
    if (ran) *ran = n;
    if (n == 7) throw Error(Exit::data, "file.wav", "bad data");
    if (n == 8) throw std::runtime_error("boom");
    return Exit::ok;
  });
}

TEST(Tool, MapsOutcomesToExitCodes) {
  int ran = 0;
  EXPECT_EQ(run_tool({"prog", "-n", "3"}, &ran), 0);
  EXPECT_EQ(ran, 3);
  EXPECT_EQ(run_tool({"prog", "-n", "42"}), 64);    // CLI11 validation -> usage
  EXPECT_EQ(run_tool({"prog", "--nonsense"}), 64);  // unknown option -> usage
  EXPECT_EQ(run_tool({"prog", "-n", "7"}), 65);     // audio::Error carries its code
  EXPECT_EQ(run_tool({"prog", "-n", "8"}), 70);     // anything else is internal
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_tool({"prog", "--version"}), 0);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("djb-toolkit"), std::string::npos);
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_tool({"prog", "--help"}), 0);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("-n"), std::string::npos);
}

TEST(Tool, ErrorIsOneLinePrefixedWithProgramAndSubject) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_tool({"prog", "-n", "7"}), 65);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "prog: file.wav: bad data\n");
}

}  // namespace
