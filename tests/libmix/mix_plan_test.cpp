#include "libmix/mix_plan.hpp"

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libaudio/sha256.hpp"
#include "test_util.hpp"

namespace {

using audio::Exit;
using audio::Json;

// Two tracks: A at 120 BPM, B at 125 BPM stretched to 120, an 8-bar overlap (16 s).
Json two_track_plan() {
  return Json::parse(R"({
    "schema": "djb.plan/1",
    "tracks": [
      {"index": 0, "input": {"path": "a.wav", "sha256": ""}, "title": "A", "artist": "X",
       "duration": 60.0, "bpm": 120.0, "downbeats": [0, 2, 4], "loudness": {"integrated_lufs": -16},
       "play": {"start": 0.0, "end": 56.0}},
      {"index": 1, "input": {"path": "b.wav"}, "title": null, "artist": null,
       "duration": 60.0, "bpm": 125.0, "downbeats": [0, 1.92],
       "loudness": {"integrated_lufs": null}, "play": {"start": 0.0, "end": 60.0}}
    ],
    "transitions": [
      {"from": 0, "to": 1, "type": "bass_swap", "exit": 40.0, "entry": 0.0, "overlap_bars": 8,
       "overlap": {"a_seconds": 16.0, "b_seconds": 15.36, "mix_seconds": 16.0},
       "tempo": {"target_bpm": 120.0, "stretch_a": 1.0, "stretch_b": 0.96, "b_multiplier": 1},
       "params": {"swap_bar": 4, "shelf_hz": 180}}
    ]
  })");
}

Exit code_of(const Json& doc) {
  return testutil::exit_code_of([&] { mix::parse_plan(doc, "plan.json"); });
}

TEST(MixPlan, ParsesTheContract) {
  const mix::MixPlan p = mix::parse_plan(two_track_plan(), "plan.json");
  ASSERT_EQ(p.tracks.size(), 2u);
  EXPECT_EQ(p.tracks[0].title, "A");
  EXPECT_EQ(p.tracks[1].title, "b");  // null title: the file name without extension
  EXPECT_FALSE(p.tracks[1].artist.has_value());
  EXPECT_FALSE(p.tracks[1].integrated_lufs.has_value());
  EXPECT_EQ(p.transitions[0].type, "bass_swap");
  EXPECT_DOUBLE_EQ(p.transitions[0].stretch_b, 0.96);
}

TEST(MixPlan, LayoutSharesTheOverlapFrames) {
  const mix::MixPlan p = mix::parse_plan(two_track_plan(), "plan.json");
  const mix::Timeline tl = mix::layout_plan(p, 44100);
  ASSERT_EQ(tl.transitions.size(), 1u);
  EXPECT_EQ(tl.transitions[0].start, 40 * 44100);
  EXPECT_EQ(tl.transitions[0].frames, 16 * 44100);
  // A: solo 0..40 s, then the overlap at stretch 1 (no Rubber Band: equal frames).
  ASSERT_EQ(tl.tracks[0].pieces.size(), 2u);
  EXPECT_FALSE(tl.tracks[0].pieces[1].stretched());
  EXPECT_EQ(tl.tracks[0].pieces[1].mix_begin, 40 * 44100);
  // B (played 4 % slower): source 0..15.36 s into the same 16 s, then solo from 15.36 s.
  const auto& b = tl.tracks[1].pieces;
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].kind, mix::Piece::incoming);
  EXPECT_EQ(b[0].mix_begin, tl.transitions[0].start);
  EXPECT_EQ(b[0].mix_frames, tl.transitions[0].frames);
  EXPECT_EQ(b[0].src_end, std::llround(15.36 * 44100));
  EXPECT_TRUE(b[0].stretched());
  EXPECT_EQ(b[1].src_begin, b[0].src_end);
  EXPECT_EQ(b[1].mix_begin, 56 * 44100);
  EXPECT_EQ(tl.frames, 56 * 44100 + (60 * 44100 - b[1].src_begin));
  EXPECT_EQ(tl.tracks[1].mix_begin, 40 * 44100);
  EXPECT_EQ(tl.tracks[0].mix_end, 56 * 44100);
}

TEST(MixPlan, BeatGridsAlignTheOverlap) {
  // A's grid puts a beat 4 ms after its exit, B's grid a beat 6 ms before its entry: B's
  // source range moves by -6 ms - 4 ms x 0.96 so both beats land on the same mix sample.
  Json doc = two_track_plan();
  doc["tracks"][0]["beat_grid"] = {{"first_beat", 0.004}, {"period", 0.5}};
  doc["tracks"][1]["beat_grid"] = {{"first_beat", -0.006}, {"period", 0.48}};
  doc["transitions"][0]["entry"] = 0.96;
  const mix::Timeline tl = mix::layout_plan(mix::parse_plan(doc, "p"), 44100);
  const double shift = -0.006 - 0.004 * 0.96;
  EXPECT_NEAR(tl.transitions[0].align, shift, 1e-12);
  EXPECT_EQ(tl.tracks[1].pieces[0].src_begin, std::llround((0.96 + shift) * 44100));
  // A's beat (40.004 s) and B's beat (0.954 s) in mix frames.
  const double a_beat = 40.0 * 44100 + 0.004 * 44100;
  const double b_beat =
      tl.tracks[1].pieces[0].mix_begin + (0.954 * 44100 - tl.tracks[1].pieces[0].src_begin) / 0.96;
  EXPECT_NEAR(a_beat, b_beat, 1.5);
  // Without grids nothing moves.
  EXPECT_EQ(mix::layout_plan(mix::parse_plan(two_track_plan(), "p"), 44100).transitions[0].align,
            0.0);
}

TEST(MixPlan, RejectsImpossibleTempoRatios) {
  Json doc = two_track_plan();
  doc["transitions"][0]["tempo"]["stretch_b"] = 2.5;
  EXPECT_EQ(code_of(doc), Exit::data);
  doc = two_track_plan();
  doc["transitions"][0]["tempo"]["stretch_b"] = 1.0;  // 125 BPM is not the target 120
  doc["transitions"][0]["overlap"]["b_seconds"] = 16.0;
  EXPECT_EQ(code_of(doc), Exit::data);
  doc = two_track_plan();
  doc["transitions"][0]["overlap"]["b_seconds"] = 17.0;  // 17 / 0.96 is not 16 s
  EXPECT_EQ(code_of(doc), Exit::data);
}

TEST(MixPlan, RejectsBadShapes) {
  Json doc = two_track_plan();
  doc["schema"] = "djb.plan/2";
  EXPECT_EQ(code_of(doc), Exit::data);
  doc = two_track_plan();
  doc["transitions"] = Json::array();
  EXPECT_EQ(code_of(doc), Exit::data);
  doc = two_track_plan();
  doc["transitions"][0]["type"] = "spinback";
  EXPECT_EQ(code_of(doc), Exit::data);
  doc = two_track_plan();
  doc["transitions"][0]["exit"] = 50.0;  // 50 + 16 is past A's end
  EXPECT_EQ(code_of(doc), Exit::data);
  doc = two_track_plan();
  doc["tracks"][0]["duration"] = "long";
  EXPECT_EQ(code_of(doc), Exit::data);
  EXPECT_EQ(code_of(Json::array()), Exit::data);
}

TEST(MixPlan, OneTrackPlaysItsRange) {
  Json doc = two_track_plan();
  doc["tracks"].erase(1);
  doc["transitions"] = Json::array();
  const mix::Timeline tl = mix::layout_plan(mix::parse_plan(doc, "p"), 1000);
  EXPECT_EQ(tl.frames, 56000);
}

TEST(MixPlan, InputsAreResolvedAndVerified) {
  testutil::TempDir dir;
  testutil::write_audio(dir / "a.wav", synth::sine(440, 0.5));
  testutil::write_audio(dir / "b.wav", synth::sine(330, 0.5));
  Json doc = two_track_plan();
  doc["tracks"][0]["input"]["sha256"] = audio::sha256_file(dir / "a.wav").sha256;
  mix::MixPlan p = mix::parse_plan(doc, dir / "plan.json");
  mix::check_plan_inputs(p);  // relative paths: beside the plan
  EXPECT_EQ(p.tracks[0].resolved, dir / "a.wav");
  p.tracks[0].sha256 = std::string(64, '0');
  try {
    mix::check_plan_inputs(p);
    FAIL() << "a changed file was accepted";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), Exit::data);
  }
  p.tracks[1].path = "missing.wav";
  try {
    mix::check_plan_inputs(p, false);
    FAIL() << "a missing file was accepted";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), Exit::no_input);
  }
}

TEST(MixPlan, RejectsAnEmptyPathAndLoudnessNoTrackCanHave) {
  Json doc = two_track_plan();
  doc["tracks"][1]["input"]["path"] = "";
  EXPECT_EQ(code_of(doc), Exit::data);
  for (double lufs : {200.0, 6.5, -70.5, -1e308}) {
    doc = two_track_plan();
    doc["tracks"][0]["loudness"]["integrated_lufs"] = lufs;
    EXPECT_EQ(code_of(doc), Exit::data) << lufs;  // its gain would silence or blast the track
  }
  doc = two_track_plan();
  doc["tracks"][0]["loudness"]["integrated_lufs"] = -5.0;  // loud, but real
  EXPECT_EQ(code_of(doc), Exit::ok);
}

}  // namespace
