#include "libmix/track_list.hpp"

#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "test_util.hpp"

namespace {

using audio::Exit;
using mix::TrackEntry;
using mix::TrackList;
using testutil::exit_code_of;

TrackList sample() {
  TrackList l;
  l.title = "Friday Mix";
  l.artist = "DJ B";
  l.album = "Sets 2024";
  l.length_seconds = 7384.6;  // 123:04.6 -> [length:123:05]
  l.tool = "djb-render";
  l.tool_version = "1.2.3";
  l.tracks = {{0.0, "Artist A", "First", "a.flac"},
              {95.126, "", "No Artist", "b.mp3"},
              {6000.0, "C", "", "c.wav"},  // exactly 100 minutes; empty title -> file name
              {7384.5, "D", "Last", "d.mp3"}};
  return l;
}

TEST(TrackList, TimeFormats) {
  EXPECT_EQ(mix::lrc_time(0), "00:00.00");
  EXPECT_EQ(mix::lrc_time(6000 * 99 + 5999), "99:59.99");
  EXPECT_EQ(mix::lrc_time(6000 * 100), "100:00.00");
  EXPECT_EQ(mix::lrc_time(738450), "123:04.50");
  EXPECT_EQ(mix::cue_time(0), "00:00:00");
  EXPECT_EQ(mix::cue_time(74), "00:00:74");
  EXPECT_EQ(mix::cue_time(75 * 60 * 99 + 75 * 59 + 74), "99:59:74");
  EXPECT_EQ(mix::cue_time(75 * 60 * 123 + 75 * 4 + 37), "123:04:37");
}

TEST(TrackList, LrcDocument) {
  EXPECT_EQ(mix::lrc_text(sample()),
            "[ti:Friday Mix]\n"
            "[ar:DJ B]\n"
            "[al:Sets 2024]\n"
            "[length:123:05]\n"
            "[re:djb-render]\n"
            "[ve:1.2.3]\n"
            "[00:00.00]Artist A - First\n"
            "[01:35.13]No Artist\n"
            "[100:00.00]C - c.wav\n"
            "[123:04.50]D - Last\n");
  TrackList bare;
  bare.tracks = {{1.0, "", "Only", ""}};
  EXPECT_EQ(mix::lrc_text(bare), "[00:01.00]Only\n");  // no empty headers
}

TEST(TrackList, CueDocument) {
  // 95.126 s = 7134.45 frames -> 7134 = 01:35:09; 7384.5 s = 553837.5 frames -> 553838.
  EXPECT_EQ(mix::cue_text(sample(), "mix.mp3"),
            "REM COMMENT \"djb-render 1.2.3\"\r\n"
            "PERFORMER \"DJ B\"\r\n"
            "TITLE \"Friday Mix\"\r\n"
            "FILE \"mix.mp3\" MP3\r\n"
            "  TRACK 01 AUDIO\r\n"
            "    TITLE \"First\"\r\n"
            "    PERFORMER \"Artist A\"\r\n"
            "    REM SOURCE \"a.flac\"\r\n"
            "    INDEX 01 00:00:00\r\n"
            "  TRACK 02 AUDIO\r\n"
            "    TITLE \"No Artist\"\r\n"
            "    REM SOURCE \"b.mp3\"\r\n"
            "    INDEX 01 01:35:09\r\n"
            "  TRACK 03 AUDIO\r\n"
            "    TITLE \"c.wav\"\r\n"
            "    PERFORMER \"C\"\r\n"
            "    REM SOURCE \"c.wav\"\r\n"
            "    INDEX 01 100:00:00\r\n"
            "  TRACK 04 AUDIO\r\n"
            "    TITLE \"Last\"\r\n"
            "    PERFORMER \"D\"\r\n"
            "    REM SOURCE \"d.mp3\"\r\n"
            "    INDEX 01 123:04:38\r\n");
  EXPECT_NE(mix::cue_text(sample(), "mix.wav").find("FILE \"mix.wav\" WAVE\r\n"),
            std::string::npos);
  EXPECT_NE(mix::cue_text(sample(), "Mix.AIFF").find("FILE \"Mix.AIFF\" AIFF\r\n"),
            std::string::npos);
}

TEST(TrackList, TrickyTextsStayOnOneLineAndCannotBreakTheSyntax) {
  TrackList l;
  l.title = "Mix [live]\nnight";
  l.tracks = {{0, "A \"Q\" B", "Say \"hi\"\r\n[01:00] again\t\u2028end ", "x.mp3"},
              {1, " ", "Déjà vu — 夜 <3", ""}};
  const std::string lrc = mix::lrc_text(l);
  EXPECT_EQ(lrc,
            "[ti:Mix (live) night]\n"
            "[00:00.00]A \"Q\" B - Say \"hi\"  (01:00) again  end\n"
            "[00:01.00]Déjà vu — 夜 <3\n");
  const std::string cue = mix::cue_text(l, "my \"mix\".mp3");
  EXPECT_EQ(cue,
            "TITLE \"Mix [live] night\"\r\n"
            "FILE \"my 'mix'.mp3\" MP3\r\n"
            "  TRACK 01 AUDIO\r\n"
            "    TITLE \"Say 'hi'  [01:00] again  end\"\r\n"
            "    PERFORMER \"A 'Q' B\"\r\n"
            "    REM SOURCE \"x.mp3\"\r\n"
            "    INDEX 01 00:00:00\r\n"
            "  TRACK 02 AUDIO\r\n"
            "    TITLE \"Déjà vu — 夜 <3\"\r\n"
            "    INDEX 01 00:01:00\r\n");
}

TEST(TrackList, RoundingIsNearestAndNeverReordersTracks) {
  TrackList l;
  l.tracks = {{0.125, "", "a", ""},     // 12.5 cs: a tie, away from zero -> 13; 9.375 frames -> 9
              {0.134, "", "b", ""},     // 13.4 cs -> 13 (shares the tick); 10.05 frames -> 10
              {0.1349, "", "c", ""},    // 13.49 cs -> 13
              {59.996, "", "d", ""},    // 5999.6 cs -> 6000: the minute rolls over
              {59.9999, "", "e", ""}};  // 4499.99 frames -> 4500 = 01:00:00
  EXPECT_EQ(mix::start_ticks(l, 100), (std::vector<std::int64_t>{13, 13, 13, 6000, 6000}));
  EXPECT_EQ(mix::start_ticks(l, 75), (std::vector<std::int64_t>{9, 10, 10, 4500, 4500}));
  EXPECT_NE(mix::lrc_text(l).find("[01:00.00]d\n[01:00.00]e\n"), std::string::npos);

  // Random non-decreasing times: every tick within half a tick, and ticks never decrease.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> gap(0.0, 0.02);
  TrackList r;
  double t = 0;
  for (int i = 0; i < 5000; ++i) r.tracks.push_back({t += gap(rng), "", "x", ""});
  for (int tps : {100, 75}) {
    const auto ticks = mix::start_ticks(r, tps);
    for (std::size_t i = 0; i < ticks.size(); ++i) {
      ASSERT_LE(std::abs(static_cast<double>(ticks[i]) / tps - r.tracks[i].start_seconds),
                0.5 / tps + 1e-9);
      if (i > 0) {
        ASSERT_GE(ticks[i], ticks[i - 1]);
      }
    }
  }
}

TEST(TrackList, BadListsAreProgrammingErrors) {
  auto with_starts = [](std::vector<double> starts) {
    TrackList l;
    for (double s : starts) l.tracks.push_back({s, "", "t", ""});
    return l;
  };
  for (const auto& bad : {with_starts({5, 4}), with_starts({-0.01}),
                          with_starts({std::numeric_limits<double>::quiet_NaN()}),
                          with_starts({std::numeric_limits<double>::infinity()})}) {
    EXPECT_EQ(exit_code_of([&] { mix::lrc_text(bad); }), Exit::software);
    EXPECT_EQ(exit_code_of([&] { mix::cue_text(bad, "m.mp3"); }), Exit::software);
  }
  std::vector<double> many(100);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = 60.0 * i;
  EXPECT_EQ(exit_code_of([&] { mix::cue_text(with_starts(many), "m.mp3"); }), Exit::software);
  // LRC has no limit.
  EXPECT_EQ(exit_code_of([&] { mix::lrc_text(with_starts(many)); }), Exit::ok);
  many.pop_back();
  EXPECT_EQ(exit_code_of([&] { mix::cue_text(with_starts(many), "m.mp3"); }), Exit::ok);
}

TEST(TrackList, StreamFailureIsAnIoError) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  EXPECT_EQ(exit_code_of([&] { mix::write_lrc(out, sample()); }), Exit::io);
}

}  // namespace
