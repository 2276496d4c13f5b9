#include "libmix/clip_picker.hpp"

#include <gtest/gtest.h>

#include "libaudio/error.hpp"

namespace {

// One song at 2 s bars: intro 4, verse 8, chorus 8, verse 8, chorus 8, outro 4 (80 s).
audio::SongAnalysis song() {
  audio::SongAnalysis s;
  s.start = 0;
  s.end = 80;
  auto& st = s.structure;
  for (int b = 0; b <= 40; ++b) st.bar_starts.push_back(2.0 * b);
  struct Def {
    const char* label;
    int bars, group, repeats;
    double rep, energy;
  } defs[] = {{"intro", 4, 0, 1, 0.6, 0.3},   {"verse", 8, 1, 2, 0.95, 0.5},
              {"chorus", 8, 2, 2, 0.97, 0.8}, {"verse", 8, 1, 2, 0.95, 0.5},
              {"chorus", 8, 2, 2, 0.97, 0.8}, {"outro", 4, 3, 1, 0.6, 0.3}};
  int bar = 0;
  for (const Def& d : defs) {
    audio::StructureSection sec;
    sec.label = d.label;
    sec.first_bar = bar;
    sec.bars = d.bars;
    sec.start = 2.0 * bar;
    sec.end = 2.0 * (bar + d.bars);
    sec.group = d.group;
    sec.repeats = d.repeats;
    sec.repetition = d.rep;
    sec.energy = d.energy;
    st.sections.push_back(sec);
    for (int b = 0; b < d.bars; ++b) st.bar_energy.push_back(d.energy);
    bar += d.bars;
  }
  return s;
}

audio::SongSplit music_only(double seconds) {
  audio::SongSplit split;
  split.songs.push_back({0, seconds});
  split.windows.assign(std::size_t(seconds / split.window_hop), "music");
  return split;
}

TEST(ClipPicker, BestClipIsAChorusOnBarLines) {
  mix::ClipRequest req;
  req.lengths = {15};
  const mix::ClipPlan plan = mix::pick_clips({song()}, music_only(80), req);
  ASSERT_EQ(plan.clips.size(), 1u);
  const mix::Clip& c = plan.clips[0];
  EXPECT_EQ(c.type, "chorus");
  EXPECT_EQ(c.bars, 7);  // 15 s / 2 s bars = 7.5: ties go to the shorter
  EXPECT_DOUBLE_EQ(c.end - c.start, 14.0);
  EXPECT_TRUE((c.start >= 24 && c.end <= 40) || (c.start >= 56 && c.end <= 72));
  EXPECT_DOUBLE_EQ(c.start, c.start == 24 ? 24 : 56);  // on the chorus's first bar
  EXPECT_GT(c.score.repetition, 0.9);
  EXPECT_NEAR(c.score.energy, 1.0, 1e-9);
  EXPECT_NEAR(c.score.position, 1.0, 1e-9);
  EXPECT_TRUE(plan.unmet.empty());
}

TEST(ClipPicker, ClipsOfOneLengthDoNotOverlapAndShortfallsAreReported) {
  mix::ClipRequest req;
  req.lengths = {15, 60, 200};
  req.per_length = 3;
  const mix::ClipPlan plan = mix::pick_clips({song()}, music_only(80), req);
  std::vector<mix::Clip> fifteen;
  for (const auto& c : plan.clips)
    if (c.length_asked == 15) fifteen.push_back(c);
  ASSERT_EQ(fifteen.size(), 3u);
  for (std::size_t a = 0; a < 3; ++a)
    for (std::size_t b = a + 1; b < 3; ++b)
      EXPECT_TRUE(fifteen[a].end <= fifteen[b].start || fifteen[b].end <= fifteen[a].start);
  EXPECT_GE(fifteen[0].score.total, fifteen[1].score.total);
  EXPECT_EQ(fifteen[1].type, "chorus");  // the other chorus comes second
  // 60 s: 30 bars of 40, so only one fits without overlap; 200 s: none.
  ASSERT_EQ(plan.unmet.size(), 2u);
  EXPECT_EQ(plan.unmet[0].length, 60);
  EXPECT_NE(plan.unmet[0].reason.find("1 of 3"), std::string::npos);
  EXPECT_EQ(plan.unmet[1].length, 200);
  EXPECT_NE(plan.unmet[1].reason.find("longest song"), std::string::npos);
}

TEST(ClipPicker, CrowdNoiseAndTalkArePenalised) {
  audio::SongSplit split = music_only(80);
  // Applause over the first chorus: the second one wins.
  for (std::size_t w = 48; w < 80; ++w) split.windows[w] = "applause";
  mix::ClipRequest req;
  req.lengths = {15};
  const mix::ClipPlan plan = mix::pick_clips({song()}, split, req);
  ASSERT_EQ(plan.clips.size(), 1u);
  EXPECT_DOUBLE_EQ(plan.clips[0].start, 56);
  EXPECT_EQ(plan.clips[0].score.crowd, 0);
  split.windows.assign(160, "talk");
  const mix::ClipPlan talk = mix::pick_clips({song()}, split, req);
  EXPECT_NEAR(talk.clips[0].score.talk, 1.0, 1e-9);
  EXPECT_LT(talk.clips[0].score.total, plan.clips[0].score.total - 0.9);
}

TEST(ClipPicker, UserRangeSnapsToBars) {
  mix::ClipRequest req;
  req.lengths = {};
  req.user = std::make_pair(24.7, 39.2);
  const mix::ClipPlan plan = mix::pick_clips({song()}, music_only(80), req);
  ASSERT_EQ(plan.clips.size(), 1u);
  EXPECT_EQ(plan.clips[0].kind, "user");
  EXPECT_DOUBLE_EQ(plan.clips[0].start, 24);
  EXPECT_DOUBLE_EQ(plan.clips[0].end, 40);
  EXPECT_EQ(plan.clips[0].bars, 8);
  EXPECT_EQ(plan.clips[0].type, "chorus");
  // A range inside one bar still gets a bar.
  req.user = std::make_pair(30.2, 30.4);
  const mix::ClipPlan tiny = mix::pick_clips({song()}, music_only(80), req);
  EXPECT_DOUBLE_EQ(tiny.clips[0].end - tiny.clips[0].start, 2.0);
}

TEST(ClipPicker, ParsesLengthsAndRanges) {
  EXPECT_EQ(mix::parse_lengths("15,30,60"), (std::vector<double>{15, 30, 60}));
  EXPECT_EQ(mix::parse_lengths("7.5"), (std::vector<double>{7.5}));
  for (const char* bad : {"", "0", "15,,30", "abc", "15s", "-5", "4000"}) {
    try {
      mix::parse_lengths(bad);
      ADD_FAILURE() << bad;
    } catch (const audio::Error& e) {
      EXPECT_EQ(e.code(), audio::Exit::usage) << bad;
    }
  }
  EXPECT_EQ(mix::parse_range("62.5-80"), std::make_pair(62.5, 80.0));
  EXPECT_EQ(mix::parse_range("1:02.5-1:20"), std::make_pair(62.5, 80.0));
  for (const char* bad : {"80-62", "10", "a-b", "-5-10", "10-10", ":5-10"})
    EXPECT_THROW(mix::parse_range(bad), audio::Error) << bad;
}

}  // namespace
