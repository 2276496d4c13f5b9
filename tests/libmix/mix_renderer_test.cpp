#include "libmix/mix_renderer.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/loudness.hpp"
#include "test_util.hpp"

namespace {

using audio::Json;

// Collects what the renderer sends to the encoder.
class MemorySink : public mix::AudioSink {
 public:
  void write(const float* s, std::size_t frames) override {
    samples.insert(samples.end(), s, s + frames * 2);
  }
  void commit() override { committed = true; }
  std::vector<float> samples;
  bool committed = false;
};

// Two sines of different pitch as tracks, 10 s each, joined by a `type` transition of 4 s
// starting at A's 5 s; B is stretched by `stretch_b`.
struct Fixture {
  testutil::TempDir dir;
  mix::MixPlan plan;
  explicit Fixture(const std::string& type, double stretch_b = 1.0, double lufs_a = -20,
                   double lufs_b = -20) {
    testutil::write_audio(dir / "a.wav", synth::sine(220, 10.0, 44100, 2, 0.25),
                          audio::SampleFormat::float32);
    testutil::write_audio(dir / "b.wav", synth::sine(1000, 10.0, 44100, 2, 0.25),
                          audio::SampleFormat::float32);
    Json doc = {{"schema", "djb.plan/1"}};
    doc["tracks"] = Json::array();
    for (int i = 0; i < 2; ++i)
      doc["tracks"].push_back({{"index", i},
                               {"input", {{"path", i ? "b.wav" : "a.wav"}}},
                               {"duration", 10.0},
                               {"bpm", 120.0 / (i ? stretch_b : 1.0)},
                               {"loudness", {{"integrated_lufs", i ? lufs_b : lufs_a}}},
                               {"play", {{"start", 0.0}, {"end", 10.0}}}});
    const bool cut = type == "cut";
    doc["transitions"] = Json::array(
        {{{"from", 0},
          {"to", 1},
          {"type", type},
          {"exit", 5.0},
          {"entry", 0.0},
          {"overlap_bars", cut ? 0 : 2},
          {"overlap",
           {{"a_seconds", cut ? 0.0 : 4.0},
            {"b_seconds", cut ? 0.0 : 4.0 * stretch_b},
            {"mix_seconds", cut ? 0.0 : 4.0}}},
          {"tempo", {{"target_bpm", 120.0}, {"stretch_a", 1.0}, {"stretch_b", stretch_b}}},
          {"params", Json::object()}}});
    plan = mix::parse_plan(doc, dir / "plan.json");
    mix::check_plan_inputs(plan);
  }
};

double rms(const std::vector<float>& s, std::size_t from, std::size_t to) {
  double e = 0;
  for (std::size_t i = from * 2; i < to * 2; ++i) e += double(s[i]) * s[i];
  return std::sqrt(e / ((to - from) * 2));
}

TEST(MixRenderer, RendersTheTimelineExactly) {
  Fixture f("crossfade");
  const mix::Timeline tl = mix::layout_plan(f.plan, 44100);
  MemorySink sink;
  const mix::RenderResult r = mix::render_mix(f.plan, tl, sink, {});
  EXPECT_TRUE(sink.committed);
  EXPECT_EQ(r.frames, tl.frames);
  EXPECT_EQ(sink.samples.size(), static_cast<std::size_t>(tl.frames) * 2);
  EXPECT_EQ(tl.frames, 15 * 44100);  // 5 s of A, 4 s of overlap, 6 s of B
  EXPECT_EQ(r.tracks[1].mix_begin, 5 * 44100);
  // Loudness matched: both tracks played at the same level (-14 target, +6 dB each).
  EXPECT_NEAR(rms(sink.samples, 44100, 4 * 44100), rms(sink.samples, 10 * 44100, 14 * 44100), 0.01);
  EXPECT_NEAR(r.tracks[0].gain_db, 6.0, 1e-9);
  EXPECT_LE(20 * std::log10(r.true_peak), -1.0);
}

TEST(MixRenderer, EqualPowerKeepsTheLevelThroughTheOverlap) {
  Fixture f("crossfade");
  MemorySink sink;
  mix::render_mix(f.plan, mix::layout_plan(f.plan, 44100), sink, {});
  const double solo = rms(sink.samples, 44100, 4 * 44100);
  // Two uncorrelated sines at equal power: the same RMS at every point of the fade.
  for (double t = 5.2; t < 8.8; t += 0.5) {
    const auto at = static_cast<std::size_t>(t * 44100);
    EXPECT_NEAR(rms(sink.samples, at, at + 4410), solo, solo * 0.05) << t;
  }
}

TEST(MixRenderer, LouderTrackIsTurnedDown) {
  Fixture f("crossfade", 1.0, -20, -14);
  MemorySink sink;
  const mix::RenderResult r = mix::render_mix(f.plan, mix::layout_plan(f.plan, 44100), sink, {});
  EXPECT_NEAR(r.tracks[1].gain_db, 0.0, 1e-9);
  EXPECT_NEAR(r.tracks[0].gain_db, 6.0, 1e-9);
}

TEST(MixRenderer, CutHasNoClick) {
  Fixture f("cut");
  MemorySink sink;
  mix::render_mix(f.plan, mix::layout_plan(f.plan, 44100), sink, {});
  float jump = 0;
  for (std::size_t i = 2; i < sink.samples.size(); i += 2)
    jump = std::max(jump, std::abs(sink.samples[i] - sink.samples[i - 2]));
  // A 1 kHz sine at 0.5 moves by at most 0.071 per sample; a hard cut would jump up to 0.5.
  EXPECT_LT(jump, 0.08f);
}

TEST(MixRenderer, StretchedTrackFillsItsOverlapExactly) {
  Fixture f("bass_swap", 1.05);
  const mix::Timeline tl = mix::layout_plan(f.plan, 44100);
  MemorySink sink;
  const mix::RenderResult r = mix::render_mix(f.plan, tl, sink, {});
  EXPECT_EQ(r.frames, tl.frames);
  EXPECT_EQ(r.stretched_source_frames, tl.tracks[1].pieces[0].src_end);
  EXPECT_TRUE(r.tracks[1].pieces[0].stretched);
  EXPECT_FALSE(r.tracks[0].pieces[1].stretched);  // stretch 1: never through Rubber Band
  // After the overlap B plays alone, continuing without a gap or a click.
  float jump = 0;
  const std::size_t join = static_cast<std::size_t>(tl.tracks[1].solo_begin);
  for (std::size_t i = join - 500; i < join + 500; ++i)
    jump = std::max(jump, std::abs(sink.samples[2 * i] - sink.samples[2 * i - 2]));
  EXPECT_LT(jump, 0.08f);
  EXPECT_GT(rms(sink.samples, join, join + 4410), 0.3);
}

TEST(MixRenderer, PreviewIsShorterAndKeepsTheTransition) {
  Fixture f("crossfade");
  mix::RenderOptions o;
  o.preview = true;
  o.preview_bars = 1;  // 2 s either side of the overlap's middle at 120 BPM
  o.engine = mix::StretchEngine::faster;
  MemorySink sink;
  const mix::RenderResult r = mix::render_mix(f.plan, mix::layout_plan(f.plan, 44100), sink, o);
  EXPECT_EQ(r.frames, 4 * 44100);
  EXPECT_EQ(r.transitions[0].start, 0);  // the window starts with the overlap (7 s - 2 s)
}

}  // namespace
