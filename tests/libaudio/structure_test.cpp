#include "libaudio/structure.hpp"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "libaudio/song_analysis.hpp"
#include "rhythm_fixtures.hpp"
#include "synth/synth.hpp"

namespace {

// An n x n similarity matrix of blocks: element i belongs to block id[i]; same block 1,
// different blocks `cross`.
std::vector<float> block_ssm(const std::vector<int>& id, float cross = 0.2f) {
  const std::size_t n = id.size();
  std::vector<float> s(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) s[i * n + j] = id[i] == id[j] ? 1.0f : cross;
  return s;
}

// Bar lines 2 s apart.
std::vector<double> bar_times(std::size_t n) {
  std::vector<double> t;
  for (std::size_t i = 0; i < n; ++i) t.push_back(2.0 * double(i));
  return t;
}

std::size_t argmax_from(const std::vector<double>& v, std::size_t from, std::size_t to) {
  return std::size_t(std::max_element(v.begin() + long(from), v.begin() + long(to)) - v.begin());
}

TEST(Structure, CheckerboardNoveltyPeaksWhereTheBlocksChange) {
  std::vector<int> id(48, 0);
  for (std::size_t i = 16; i < 32; ++i) id[i] = 1;
  for (std::size_t i = 32; i < 48; ++i) id[i] = 2;
  const auto nov = audio::checkerboard_novelty(block_ssm(id), id.size(), 4);
  EXPECT_EQ(argmax_from(nov, 8, 24), 16u);
  EXPECT_EQ(argmax_from(nov, 24, 40), 32u);
  EXPECT_NEAR(nov[8], 0.0, 1e-9);    // inside a block: nothing changes
  EXPECT_GT(nov[16], 0.5);           // a full change: same-side mean 1 against cross 0.2
  EXPECT_LT(nov[1], 0.5 * nov[16]);  // the ends fade (half the kernel is outside)
}

TEST(Structure, RepetitionNoveltyFindsChangesBetweenAlikeLookingRepeats) {
  // A B B A, where no part is self-similar inside (every bar differs from its neighbours),
  // so the checkerboard sees nothing; what changes is the lag at which each part recurs
  // (A: +24, B: +8, then B: -8, A: -24, i.e. circular lags 24, 8, 24, 8).
  std::vector<int> id;
  for (int b : {0, 1, 1, 0})
    for (int k = 0; k < 8; ++k) id.push_back(b * 100 + k);  // every element its own, repeats
  const std::size_t n = id.size();
  std::vector<float> s(n * n, 0.3f);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (id[i] == id[j]) s[i * n + j] = 1.0f;
  const auto nov = audio::repetition_novelty(s, n, 2, 1);
  double top = *std::max_element(nov.begin(), nov.end());
  ASSERT_GT(top, 0);
  for (std::size_t b : {8u, 16u, 24u}) EXPECT_GT(nov[b], 0.5 * top) << b;
  for (std::size_t i : {4u, 12u, 20u, 28u}) EXPECT_LT(nov[i], 0.2 * top) << i;
}

TEST(Structure, BoundariesABarEarlyMoveTogetherOntoWholePhrases) {
  // A verse of 7 bars, a chorus a bar early, a breakdown of 5: the fills in the last bar of
  // each section made the novelty peak there, with a clear second peak on the bar line.
  std::vector<double> novelty(33, 0.1);
  novelty[4] = 1.0;
  novelty[11] = 0.9;
  novelty[12] = 0.6;
  novelty[19] = 0.8;
  novelty[20] = 0.5;
  novelty[24] = 0.7;
  std::vector<std::size_t> cuts{0, 4, 11, 19, 24, 32};
  audio::snap_boundaries_to_phrases(cuts, novelty, 4);
  EXPECT_EQ(cuts, (std::vector<std::size_t>{0, 4, 12, 20, 24, 32}));

  // Nothing on the bar line (under half the peak): the boundaries stay where they are.
  novelty[20] = 0.3;
  cuts = {0, 4, 11, 19, 24, 32};
  audio::snap_boundaries_to_phrases(cuts, novelty, 4);
  EXPECT_EQ(cuts, (std::vector<std::size_t>{0, 4, 11, 19, 24, 32}));

  // Whole phrases already: nothing moves.
  cuts = {0, 4, 12, 20, 24, 32};
  audio::snap_boundaries_to_phrases(cuts, novelty, 4);
  EXPECT_EQ(cuts, (std::vector<std::size_t>{0, 4, 12, 20, 24, 32}));
}

TEST(Structure, LabelsTheLoudRepeatedGroupChorus) {
  // intro A(verse) B(chorus) A B C(bridge) B outro, 4 elements each.
  const std::vector<int> blocks = {9, 0, 1, 0, 1, 2, 1, 8};
  const double energy[] = {0.3, 0.5, 0.8, 0.5, 0.8, 0.45, 0.8, 0.3};
  std::vector<int> id;
  for (int b : blocks)
    for (int k = 0; k < 4; ++k) id.push_back(b * 10 + k);
  const std::vector<float> s = block_ssm(id, 0.4f);
  const std::vector<double> times = bar_times(id.size());
  std::vector<audio::StructureSection> secs(blocks.size());
  for (std::size_t k = 0; k < secs.size(); ++k) {
    secs[k].start = 8.0 * double(k);
    secs[k].end = 8.0 * double(k + 1);
    secs[k].first_bar = int(4 * k);
    secs[k].bars = 4;
    secs[k].energy = energy[k];
  }
  audio::label_sections(secs, s, times);
  const char* want[] = {"intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro"};
  for (std::size_t k = 0; k < secs.size(); ++k) EXPECT_EQ(secs[k].label, want[k]) << k;
  EXPECT_EQ(secs[2].repeats, 3);
  EXPECT_EQ(secs[2].group, secs[6].group);
  EXPECT_NEAR(secs[2].repetition, 1.0, 1e-6);
  EXPECT_LT(secs[5].repetition, 0.5);

  // A clearly louder last chorus is the climax; a quiet unrepeated middle a breakdown.
  secs[6].energy = 0.95;
  secs[5].energy = 0.2;
  audio::label_sections(secs, s, times);
  EXPECT_EQ(secs[6].label, "climax");
  EXPECT_EQ(secs[5].label, "breakdown");
  EXPECT_EQ(secs[2].label, "chorus");
}

TEST(Structure, RepeatsMatchWhenOneBoundaryIsTwoBarsOff) {
  // verse (8 bars), chorus (8), verse (6: its boundary two bars early), chorus (10: its last
  // two bars were the verse's). Each bar is its own element, so only an alignment two bars
  // along the second chorus finds the first.
  std::vector<int> id;
  for (int k = 0; k < 8; ++k) id.push_back(k);       // verse
  for (int k = 0; k < 8; ++k) id.push_back(10 + k);  // chorus
  for (int k = 0; k < 6; ++k) id.push_back(k);       // verse, cut short
  for (int k = 6; k < 8; ++k) id.push_back(k);       // ... its last two bars
  for (int k = 0; k < 8; ++k) id.push_back(10 + k);  // chorus
  const std::vector<float> s = block_ssm(id, 0.4f);
  const std::vector<double> times = bar_times(id.size());
  const int first[] = {0, 8, 16, 22}, bars[] = {8, 8, 6, 10};
  const double energy[] = {0.5, 0.8, 0.5, 0.8};
  std::vector<audio::StructureSection> secs(4);
  for (std::size_t k = 0; k < 4; ++k) {
    secs[k].first_bar = first[k];
    secs[k].bars = bars[k];
    secs[k].start = 2.0 * first[k];
    secs[k].end = 2.0 * (first[k] + bars[k]);
    secs[k].energy = energy[k];
  }
  audio::label_sections(secs, s, times);
  EXPECT_EQ(secs[1].group, secs[3].group);
  EXPECT_EQ(secs[1].label, "chorus");
  EXPECT_EQ(secs[3].label, "chorus");
}

// Sections of 4 bars each, with a harmony id and an arrangement id per section: bars of two
// sections are alike (1.0) in a matrix when their ids match, else 0.4.
struct Blocks {
  std::vector<float> harmony, arrangement;
  std::vector<double> times;
  std::vector<audio::StructureSection> secs;
};
Blocks make_blocks(const std::vector<int>& chords, const std::vector<int>& sound,
                   const std::vector<double>& energy) {
  Blocks b;
  std::vector<int> hid, aid;
  for (std::size_t k = 0; k < chords.size(); ++k)
    for (int j = 0; j < 4; ++j) hid.push_back(chords[k] * 10 + j), aid.push_back(sound[k]);
  const std::size_t n = hid.size();
  b.harmony.assign(n * n, 0.4f);
  b.arrangement.assign(n * n, 0.4f);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      if (hid[i] == hid[j] && aid[i] == aid[j])
        b.harmony[i * n + j] = 1.0f;
      else if (hid[i] == hid[j])
        b.harmony[i * n + j] = 0.85f;  // same chords, other sound
      if (aid[i] == aid[j]) b.arrangement[i * n + j] = 1.0f;
    }
  for (std::size_t i = 0; i < n; ++i) b.times.push_back(2.0 * double(i));
  b.secs.resize(chords.size());
  for (std::size_t k = 0; k < b.secs.size(); ++k) {
    b.secs[k].start = 8.0 * double(k);
    b.secs[k].end = 8.0 * double(k + 1);
    b.secs[k].first_bar = int(4 * k);
    b.secs[k].bars = 4;
    b.secs[k].energy = energy[k];
  }
  return b;
}

TEST(Structure, VerseAndChorusOverOneChordLoopAreToldApartByTheirSound) {
  // intro, verse, chorus, verse, chorus, outro: verse and chorus play the same loop (0).
  Blocks b = make_blocks({5, 0, 0, 0, 0, 6}, {1, 2, 3, 2, 3, 4}, {0.3, 0.5, 0.58, 0.5, 0.58, 0.3});
  audio::label_sections(b.secs, b.harmony, b.times, {}, b.arrangement);
  const char* want[] = {"intro", "verse", "chorus", "verse", "chorus", "outro"};
  for (std::size_t k = 0; k < b.secs.size(); ++k) EXPECT_EQ(b.secs[k].label, want[k]) << k;
  EXPECT_NE(b.secs[1].group, b.secs[2].group);
  // Without the arrangement, harmony and level alone cannot part them.
  Blocks c = make_blocks({5, 0, 0, 0, 0, 6}, {1, 2, 3, 2, 3, 4}, {0.3, 0.5, 0.58, 0.5, 0.58, 0.3});
  audio::label_sections(c.secs, c.harmony, c.times);
  EXPECT_EQ(c.secs[1].group, c.secs[2].group);
}

TEST(Structure, AQuietRepeatIsNoChorusAndWhatLeadsToTheChorusIsAVerse) {
  // A quiet intro and outro that sound alike, around an unrepeated verse and a loud chorus.
  Blocks b = make_blocks({5, 1, 2, 5}, {1, 2, 3, 1}, {0.3, 0.5, 0.6, 0.32});
  audio::label_sections(b.secs, b.harmony, b.times, {}, b.arrangement);
  EXPECT_EQ(b.secs[2].label, "chorus");
  EXPECT_EQ(b.secs[1].label, "verse");
  EXPECT_NE(b.secs[0].label, "chorus");
  EXPECT_NE(b.secs[3].label, "chorus");
}

TEST(Structure, FindsTheSectionsOfASynthesizedSong) {
  synth::TrackSpec spec;
  spec.song = true;
  spec.bpm = 120;  // 2 s bars
  spec.sections = synth::parse_sections("intro:4,verse:8,chorus:8,verse:8,chorus:8,outro:4");
  const std::vector<float> mono = rhythm_fixtures::track(spec);
  const auto on = audio::onset_features(mono.data(), mono.size());
  const auto tb = audio::timbre_features(mono.data(), mono.size());
  const audio::SongAnalysis song = audio::analyze_song(on, tb);
  const auto& secs = song.structure.sections;
  ASSERT_EQ(secs.size(), 6u);
  const double starts[] = {0, 8, 24, 40, 56, 72};
  const char* labels[] = {"intro", "verse", "chorus", "verse", "chorus", "outro"};
  for (std::size_t k = 0; k < 6; ++k) {
    EXPECT_NEAR(secs[k].start, starts[k], 0.5) << k;
    EXPECT_EQ(secs[k].label, labels[k]) << k;
  }
  EXPECT_GT(secs[2].energy, secs[1].energy + 0.05);
  // Boundaries are bar lines of the grid.
  for (const auto& s : secs)
    EXPECT_NE(
        std::find(song.structure.bar_starts.begin(), song.structure.bar_starts.end(), s.start),
        song.structure.bar_starts.end());
}

// Section starts (s) and labels of a synthesized song, as analyze_song finds them.
std::vector<audio::StructureSection> song_sections(const synth::TrackSpec& spec,
                                                   double* bpm = nullptr) {
  const std::vector<float> mono = rhythm_fixtures::track(spec);
  const auto on = audio::onset_features(mono.data(), mono.size());
  const auto tb = audio::timbre_features(mono.data(), mono.size());
  const audio::SongAnalysis song = audio::analyze_song(on, tb);
  if (bpm) *bpm = song.bpm();
  return song.structure.sections;
}

TEST(Structure, AChorusPlayedTwiceInARowIsTwoChoruses) {
  synth::TrackSpec spec;
  spec.song = true;
  spec.bpm = 120;  // 2 s bars
  spec.sections =
      synth::parse_sections("intro:4,verse:8,chorus:8,chorus:8,verse:8,chorus:8,outro:4");
  const auto secs = song_sections(spec);
  ASSERT_EQ(secs.size(), 7u);
  const double starts[] = {0, 8, 24, 40, 56, 72, 88};
  const char* labels[] = {"intro", "verse", "chorus", "chorus", "verse", "chorus", "outro"};
  for (std::size_t k = 0; k < 7; ++k) {
    EXPECT_NEAR(secs[k].start, starts[k], 0.5) << k;
    EXPECT_EQ(secs[k].label, labels[k]) << k;
  }
}

TEST(Structure, ASlowSongReadAtTwiceItsTempoKeepsWholeSections) {
  // 72 BPM lies under the tempo range: the bars of the grid are half bars, and the 4-bar
  // chord loop spans 8 of them.
  synth::TrackSpec spec;
  spec.song = true;
  spec.shared_loop = true;
  spec.bpm = 72;  // 3.33 s bars
  spec.sections = synth::parse_sections("intro:8,verse:16,chorus:16,breakdown:8,chorus:16,outro:8");
  double bpm = 0;
  const auto secs = song_sections(spec, &bpm);
  ASSERT_NEAR(bpm, 144, 1);
  const double bar = 60.0 / 72 * 4;
  const double starts[] = {0, 8 * bar, 24 * bar, 40 * bar, 48 * bar, 64 * bar};
  // Each true section start is found, and no section is a fragment of the loop: before the
  // grid's bars were recognised as half bars, the choruses came out in 2-bar pieces.
  for (const double t : starts)
    EXPECT_TRUE(std::any_of(secs.begin(), secs.end(), [t](const auto& s) {
      return std::fabs(s.start - t) < 1.0;
    })) << t;
  EXPECT_LE(secs.size(), 7u);
  for (const auto& s : secs) {
    EXPECT_GE(s.end - s.start, 4 * bar - 0.5) << s.start;
    const double mid = 0.5 * (s.start + s.end);
    if ((mid > 24 * bar && mid < 40 * bar) || (mid > 48 * bar && mid < 64 * bar)) {
      EXPECT_EQ(s.label, "chorus") << s.start;
    }
  }
}

TEST(Structure, NoBeatStillGivesSectionsOnAFixedGrid) {
  const synth::Audio pad = synth::pad(synth::parse_key("Am"), 40, 22050);
  const auto on = audio::onset_features(pad.samples.data(), pad.samples.size());
  const auto tb = audio::timbre_features(pad.samples.data(), pad.samples.size());
  const audio::SongAnalysis song = audio::analyze_song(on, tb);
  ASSERT_FALSE(song.structure.sections.empty());
  EXPECT_NEAR(song.structure.sections.front().start, 0, 2.01);
  for (const auto& s : song.structure.sections) EXPECT_FALSE(s.label.empty());
}

TEST(Timbre, FlatnessTellsNoiseFromATone) {
  const synth::Audio noise = synth::white_noise(3, 22050, 1, 0.3);
  const synth::Audio tone = synth::sine(440, 3, 22050, 1, 0.3);
  const auto n = audio::timbre_features(noise.samples.data(), noise.samples.size());
  const auto t = audio::timbre_features(tone.samples.data(), tone.samples.size());
  ASSERT_GT(n.frames(), 40u);
  EXPECT_NEAR(n.frame_rate, 22050.0 / 1024, 1e-9);
  EXPECT_GT(n.flatness[30], 0.5);
  EXPECT_LT(t.flatness[30], 0.05);
  // c1 (spectral tilt): a 440 Hz tone is darker than white noise.
  EXPECT_GT(t.coefficients[30][1], n.coefficients[30][1]);
}

}  // namespace
