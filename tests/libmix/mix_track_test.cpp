#include "libmix/mix_track.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libmix/mix_fixture.hpp"
#include "test_util.hpp"

namespace {

using audio::Exit;
using audio::Json;

Exit code_of(const Json& doc) {
  return testutil::exit_code_of([&] { mix::from_analysis(doc, "x.json"); });
}

TEST(MixTrack, ReadsTheFieldsThatMatterForMixing) {
  fixture::TrackSpec s;
  s.path = "music/Some Track.flac";
  const auto t = mix::from_analysis(fixture::analysis(s), "x");
  EXPECT_EQ(t.title, "Some Track");
  EXPECT_FALSE(t.artist);
  EXPECT_FALSE(t.beatless());
  EXPECT_DOUBLE_EQ(*t.bpm, 124);
  EXPECT_NEAR(t.bar_seconds(), 4 * 60.0 / 124, 1e-12);
  EXPECT_EQ(t.downbeats.size(), 33u);
  ASSERT_TRUE(t.key);
  EXPECT_EQ(t.camelot, "8A");
  EXPECT_EQ(t.key_name, "A minor");
  EXPECT_EQ(t.phrases.size(), 3u);
  EXPECT_EQ(t.energy_level, 7);
  ASSERT_TRUE(t.mix_out);
  EXPECT_NEAR(*t.mix_out, 16 * t.bar_seconds(), 1e-9);
  // Means over bar ranges: the intro is 0.4, the drop 0.8, half of each is 0.6.
  const double bar = t.bar_seconds();
  EXPECT_NEAR(t.mean_energy(0, 8 * bar), 0.4, 1e-12);
  EXPECT_NEAR(t.mean_energy(8 * bar, 24 * bar), 0.8, 1e-12);
  EXPECT_NEAR(t.mean_energy(4 * bar, 12 * bar), 0.6, 1e-12);
  EXPECT_NEAR(t.mean_low(8 * bar, 9 * bar), 0.8, 1e-12);
  // Phrase geometry.
  EXPECT_TRUE(t.on_phrase_boundary(8 * bar));
  EXPECT_FALSE(t.on_phrase_boundary(4 * bar));
  EXPECT_EQ(t.bars_from_phrase(8 * bar), 0);
  EXPECT_EQ(t.bars_from_phrase(12 * bar), 4);
  EXPECT_EQ(t.bars_from_phrase(32 * bar), 0);  // the end of the last phrase
  EXPECT_EQ(t.nearest_downbeat(8 * bar + 0.1), 8u);
}

TEST(MixTrack, TagsGiveTitleAndArtistWhenPresent) {
  Json doc = fixture::analysis({});
  doc["tags"] = {{"title", "Song"}, {"artist", "Band"}, {"album", nullptr}};
  auto t = mix::from_analysis(doc, "x");
  EXPECT_EQ(t.title, "Song");
  EXPECT_EQ(*t.artist, "Band");
  doc["tags"] = {{"title", nullptr}, {"artist", nullptr}, {"album", nullptr}};
  t = mix::from_analysis(doc, "x");
  EXPECT_EQ(t.title, "t");
  EXPECT_FALSE(t.artist);
}

TEST(MixTrack, BeatlessTrackIsNotAnError) {
  const auto t = mix::from_analysis(fixture::beatless({}), "x");
  EXPECT_TRUE(t.beatless());
  EXPECT_TRUE(t.source_beat_grid.is_null());
  // A tempo but too few downbeats to count bars on is beatless too.
  Json doc = fixture::analysis({});
  doc["downbeats"] = Json::array({0.0});
  EXPECT_TRUE(mix::from_analysis(doc, "x").beatless());
}

// A steady beat without downbeats (the analysis found no bar-level accent) still mixes
// beat-matched: bars are counted from its first beat.
TEST(MixTrack, BeatsWithoutDownbeatsGetBarsFromTheFirstBeat) {
  Json doc = fixture::analysis({});
  doc["downbeats"] = nullptr;
  doc["meter"] = nullptr;
  Json beats = Json::array();
  for (int k = 0; k < 40; ++k) beats.push_back(0.25 + k * 0.5);
  doc["beats"] = beats;
  const auto t = mix::from_analysis(doc, "x");
  EXPECT_FALSE(t.beatless());
  EXPECT_TRUE(t.bars_guessed);
  ASSERT_EQ(t.downbeats.size(), 10u);
  EXPECT_DOUBLE_EQ(t.downbeats[1], 2.25);
  EXPECT_FALSE(t.source_beat_grid.is_null());
  doc["beats"] = Json::array({0.25, 0.75, 1.25});  // too few beats for two bars
  EXPECT_TRUE(mix::from_analysis(doc, "x").beatless());
}

TEST(MixTrack, RefusesOtherDocuments) {
  Json doc = fixture::analysis({});
  doc["schema"] = "djb.plan/1";
  EXPECT_EQ(code_of(doc), Exit::data);
  try {
    mix::from_analysis(doc, "x.json");
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.subject(), "x.json");
    EXPECT_NE(std::string(e.what()).find("djb.plan/1"), std::string::npos);
  }
  EXPECT_EQ(code_of(Json::array()), Exit::data);
  Json no_input = fixture::analysis({});
  no_input.erase("input");
  EXPECT_EQ(code_of(no_input), Exit::data);
  Json bad_beats = fixture::analysis({});
  bad_beats["downbeats"] = "many";
  EXPECT_EQ(code_of(bad_beats), Exit::data);
  Json unsorted = fixture::analysis({});
  unsorted["downbeats"] = Json::array({2.0, 1.0});
  EXPECT_EQ(code_of(unsorted), Exit::data);
  Json bad_key = fixture::analysis({});
  bad_key["key"]["camelot"] = "13Z";
  bad_key["key"]["name"] = "nothing";
  EXPECT_EQ(code_of(bad_key), Exit::data);
}

TEST(MixTrack, ReadsJsonLinesAndSingleDocuments) {
  testutil::TempDir dir;
  const auto lines = (dir / "a.jsonl");
  {
    std::ofstream out(lines);
    fixture::TrackSpec a, b;
    a.path = "a.wav", b.path = "b.wav";
    out << fixture::analysis(a).dump() << "\n\n" << fixture::analysis(b).dump() << "\n";
  }
  const auto tracks = mix::read_tracks(lines);
  ASSERT_EQ(tracks.size(), 2u);
  EXPECT_EQ(tracks[1].path, "b.wav");
  const auto pretty = (dir / "p.json");
  std::ofstream(pretty) << fixture::analysis({}).dump(2);
  EXPECT_EQ(mix::read_tracks(pretty).size(), 1u);

  auto code = [](const std::string& path) {
    return testutil::exit_code_of([&] { mix::read_tracks(path); });
  };
  const auto empty = (dir / "empty.json");
  std::ofstream(empty).close();
  EXPECT_EQ(code(empty), Exit::data);
  const auto text = (dir / "text.json");
  std::ofstream(text) << "hello\n";
  EXPECT_EQ(code(text), Exit::data);
  EXPECT_EQ(code((dir / "missing.json")), Exit::no_input);
  EXPECT_EQ(code(dir.path().string()), Exit::no_input);
}

}  // namespace
