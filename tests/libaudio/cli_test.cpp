#include "libaudio/cli.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "test_util.hpp"

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

TEST(ParseReal, TakesFiniteDecimalNumbersOnly) {
  using audio::cli::parse_real;
  EXPECT_EQ(parse_real("1.5"), 1.5);
  EXPECT_EQ(parse_real(" -14 "), -14.0);
  EXPECT_EQ(parse_real("+0.5"), 0.5);
  EXPECT_EQ(parse_real("1e3"), 1000.0);
  EXPECT_EQ(parse_real(".25"), 0.25);
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "infinity", "1e400", "-1e400", "1e-400",
                          "0x10", "5x", "", "-", "+", "- 5", "1,5", "--3"}) {
    EXPECT_FALSE(parse_real(bad)) << bad;
  }
}

TEST(RealIn, RejectsNanInfinityAndOutOfRange) {
  const CLI::Validator v = audio::cli::real_in(-40, -5);
  for (std::string bad : {"nan", "inf", "-inf", "1e400", "-1e400", "-41", "0", "x"}) {
    EXPECT_FALSE(v(bad).empty()) << bad;
  }
  for (std::string good : {"-14", "-40", "-5", "-23.5"}) EXPECT_TRUE(v(good).empty()) << good;
}

TEST(ParseGain, NumbersBeyondDoubleAreUsageErrors) {
  for (const char* bad : {"1e400", "1e-400", "1e400dB", "-1e400dB", "nan", "nandB", "inf"}) {
    EXPECT_EQ(testutil::exit_code_of([&] { parse_gain(bad, "--gain"); }), audio::Exit::usage)
        << bad;
  }
  EXPECT_NEAR(parse_gain("-6 dB", "--gain"), 0.501, 0.001);
}

TEST(ParseDb, OptionalUnitAndRange) {
  using audio::cli::parse_db;
  EXPECT_EQ(parse_db("12", "--duck", 0, 96), 12.0);
  EXPECT_EQ(parse_db("12dB", "--duck", 0, 96), 12.0);
  EXPECT_EQ(parse_db("-3 dB", "--duck", -96, 96), -3.0);
  for (const char* bad : {"97", "nan", "1e400dB", "12 dBFS", "dB"}) {
    EXPECT_EQ(testutil::exit_code_of([&] { parse_db(bad, "--duck", 0, 96); }), audio::Exit::usage)
        << bad;
  }
}

TEST(ParseSize, AHugeNumberIsTooLargeNotACrash) {
  EXPECT_EQ(testutil::exit_code_of([] { parse_size(std::string(400, '9'), "--max-size"); }),
            audio::Exit::usage);
}

// Runs a tool with a required FILE and, when `subcommands`, two subcommands; returns stderr.
std::string misread(std::vector<std::string> args, bool subcommands) {
  audio::cli::Tool tool("prog", "test program");
  std::string file;
  if (subcommands) {
    tool.app().require_subcommand(1, 1);
    tool.app().add_subcommand("extract", "x")->add_option("FILE", file)->required();
    tool.app().add_subcommand("mux", "y");
  } else {
    tool.app().add_option("FILE", file)->required();
    tool.app().add_option("-o,--output", file);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  testing::internal::CaptureStderr();
  EXPECT_EQ(tool.run(static_cast<int>(argv.size()), argv.data(), [] { return Exit::ok; }), 64);
  return testing::internal::GetCapturedStderr();
}

TEST(Tool, AFileNameStartingWithADashIsNamedWithTheWayOut) {
  const std::string err = misread({"prog", "-song.wav"}, false);
  EXPECT_NE(err.find("unknown option '-song.wav'"), std::string::npos) << err;
  EXPECT_NE(err.find("prog -- -song.wav"), std::string::npos) << err;
  EXPECT_EQ(err.find("FILE is required"), std::string::npos) << err;
}

TEST(Tool, AnUnknownSubcommandIsNamed) {
  const std::string err = misread({"prog", "frobnicate"}, true);
  EXPECT_NE(err.find("unknown subcommand 'frobnicate' (one of: extract, mux)"), std::string::npos)
      << err;
}

}  // namespace
