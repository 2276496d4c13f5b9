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
                   double lufs_b = -20, const synth::Audio* a = nullptr,
                   const synth::Audio* b = nullptr, double stretch_a = 1.0) {
    testutil::write_audio(dir / "a.wav", a ? *a : synth::sine(220, 10.0, 44100, 2, 0.25),
                          audio::SampleFormat::float32);
    testutil::write_audio(dir / "b.wav", b ? *b : synth::sine(1000, 10.0, 44100, 2, 0.25),
                          audio::SampleFormat::float32);
    Json doc = {{"schema", "djb.plan/1"}};
    doc["tracks"] = Json::array();
    for (int i = 0; i < 2; ++i)
      doc["tracks"].push_back({{"index", i},
                               {"input", {{"path", i ? "b.wav" : "a.wav"}}},
                               {"duration", 10.0},
                               {"bpm", 120.0 / (i ? stretch_b : stretch_a)},
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
           {{"a_seconds", cut ? 0.0 : 4.0 * stretch_a},
            {"b_seconds", cut ? 0.0 : 4.0 * stretch_b},
            {"mix_seconds", cut ? 0.0 : 4.0}}},
          {"tempo", {{"target_bpm", 120.0}, {"stretch_a", stretch_a}, {"stretch_b", stretch_b}}},
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
  EXPECT_NEAR(r.tracks[0].loudness.gain_db, 6.0, 1e-9);
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
  EXPECT_NEAR(r.tracks[1].loudness.gain_db, 0.0, 1e-9);
  EXPECT_NEAR(r.tracks[0].loudness.gain_db, 6.0, 1e-9);
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

// Mono clicks put in one channel of a stereo track, the other channel silent.
synth::Audio clicks_in_channel(double bpm, int channel) {
  const synth::Audio mono = synth::clicks(bpm, 10.0);
  synth::Audio st;
  st.channels = 2;
  st.samples.assign(mono.samples.size() * 2, 0.0f);
  for (std::size_t i = 0; i < mono.samples.size(); ++i)
    st.samples[2 * i + channel] = mono.samples[i];
  return st;
}

// Where a click's attack crosses half its peak, searched within 20 ms of `near` (frames).
double click_onset(const std::vector<float>& s, int channel, double near) {
  const auto from = static_cast<std::size_t>(near - 882), to = static_cast<std::size_t>(near + 882);
  float peak = 0;
  for (std::size_t i = from; i < to; ++i) peak = std::max(peak, std::abs(s[2 * i + channel]));
  for (std::size_t i = from; i < to; ++i)
    if (std::abs(s[2 * i + channel]) >= 0.5f * peak) return static_cast<double>(i);
  return -1;
}

TEST(MixRenderer, StretchedBeatsLandOnTheLeadingTracksGrid) {
  // A: clicks at 120 BPM (left); B: clicks at 120 / 1.05 BPM (right), stretched by 1.05
  // into A's tempo through the 4 s overlap from 5 s. Every click of B must land on A's
  // grid, as A's own clicks do; Rubber Band smears a click's attack, so 1 ms is allowed.
  const synth::Audio a = clicks_in_channel(120, 0), b = clicks_in_channel(120 / 1.05, 1);
  Fixture f("crossfade", 1.05, -20, -20, &a, &b);
  MemorySink sink;
  mix::render_mix(f.plan, mix::layout_plan(f.plan, 44100), sink, {});
  for (int k = 1; k < 8; ++k) {  // beat 0 of B is silent (its fade starts at 0)
    const double planned = (5.0 + 0.5 * k) * 44100;
    const double on_a = click_onset(sink.samples, 0, planned);
    const double on_b = click_onset(sink.samples, 1, planned);
    ASSERT_GE(on_a, 0);
    ASSERT_GE(on_b, 0);
    EXPECT_NEAR(on_b, on_a, 0.001 * 44100) << "beat " << k;
  }
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

TEST(MixRenderer, PreviewWindowOpeningOnAStretchedExitPlaysItWhole) {
  // Both tracks stretched; the window (1 bar either side of the overlap's middle, 7 s)
  // opens exactly where A's stretched exit begins, in the middle of the join between A's
  // solo part and its exit. The exit must play from the window's first frame to its last
  // (this once wrote before the voice's buffer).
  Fixture f("crossfade", 1.05, -20, -20, nullptr, nullptr, 1.04);
  mix::RenderOptions o;
  o.preview = true;
  o.preview_bars = 1;
  o.engine = mix::StretchEngine::faster;
  MemorySink sink;
  const mix::RenderResult r = mix::render_mix(f.plan, mix::layout_plan(f.plan, 44100), sink, o);
  ASSERT_EQ(r.frames, 4 * 44100);
  EXPECT_TRUE(r.tracks[0].pieces[1].stretched);
  // Past the 50 ms fade-in, A and B (equal power) keep the level up throughout.
  for (double t = 0.1; t < 3.8; t += 0.25) {
    const auto at = static_cast<std::size_t>(t * 44100);
    EXPECT_GT(rms(sink.samples, at, at + 2205), 0.2) << t;
  }
}

// A quiet, dynamic master is raised only as far as its true peak allows (ceiling plus the
// limiter allowance), not to the target: the limiter would squash it otherwise.
TEST(LoudnessGain, RaiseIsCappedByTruePeakHeadroom) {
  mix::PlanTrack t;
  t.integrated_lufs = -23.5;
  t.true_peak_dbtp = -1.5;
  mix::RenderOptions o;  // target -14, ceiling -1, allowance 1
  const mix::LoudnessGain g = mix::loudness_gain(t, o);
  EXPECT_NEAR(g.wanted_db, 9.5, 1e-9);
  EXPECT_NEAR(g.gain_db, 1.5, 1e-9);  // -1.5 + 1.5 = 0 dBTP: 1 dB over the -1 ceiling
  EXPECT_EQ(g.capped_by, "headroom");
  o.limiter_allowance_db = 12;  // loudness over dynamics
  EXPECT_NEAR(mix::loudness_gain(t, o).gain_db, 9.5, 1e-9);
  EXPECT_EQ(mix::loudness_gain(t, o).capped_by, "");
}

TEST(LoudnessGain, PeaksCapEitherWayAndRaisingStopsAtMaxGain) {
  mix::PlanTrack loud;
  loud.integrated_lufs = -8;
  loud.true_peak_dbtp = 0.8;  // a loud master: turned down by 6 dB, its peaks are no matter
  EXPECT_NEAR(mix::loudness_gain(loud, {}).gain_db, -6, 1e-9);
  EXPECT_EQ(mix::loudness_gain(loud, {}).capped_by, "");
  mix::PlanTrack quiet;
  quiet.integrated_lufs = -40;
  quiet.true_peak_dbtp = -30;
  const mix::LoudnessGain g = mix::loudness_gain(quiet, {});
  EXPECT_NEAR(g.gain_db, 12, 1e-9);
  EXPECT_EQ(g.capped_by, "max_gain");
  mix::PlanTrack overs;  // inter-sample overs 3.5 dB over the ceiling: turned down to 1 dB over
  overs.integrated_lufs = -16;
  overs.true_peak_dbtp = 2.5;
  EXPECT_NEAR(mix::loudness_gain(overs, {}).gain_db, -2.5, 1e-9);
  EXPECT_EQ(mix::loudness_gain(overs, {}).capped_by, "headroom");
  mix::PlanTrack unknown;  // no loudness: left as it is
  EXPECT_NEAR(mix::loudness_gain(unknown, {}).gain_db, 0, 1e-9);
  unknown.integrated_lufs = -20;  // no true peak: the plain gain
  EXPECT_NEAR(mix::loudness_gain(unknown, {}).gain_db, 6, 1e-9);
}

// A filter transition hands the low end over like a bass swap: B's lows come in only once
// A's are gone, so the two basses never sound together for more than the hand-over bar.
TEST(MixRenderer, FilterTransitionNeverLayersTwoBasses) {
  const synth::Audio a = synth::sine(55, 10.0, 44100, 2, 0.25);
  const synth::Audio b = synth::sine(62, 10.0, 44100, 2, 0.25);
  for (const char* kind : {"highpass", "lowpass"}) {  // a low-pass keeps A's bass to the end
    Fixture f("filter", 1.0, -20, -20, &a, &b);
    f.plan.transitions[0].params = {{"filter", kind}};
    MemorySink sink;
    const mix::RenderResult r = mix::render_mix(f.plan, mix::layout_plan(f.plan, 44100), sink, {});
    ASSERT_EQ(r.low_end.size(), 1u);
    EXPECT_EQ(r.low_end[0].bars, 2);
    EXPECT_LE(r.low_end[0].clash_bars, 1) << kind << " " << r.low_end[0].max_clash_db;
  }
}

// Most tracks dynamic: the set is matched a little lower so it stays even; one dynamic track
// among loud masters does not pull the set down; never more than kMaxSetDropLu.
TEST(LoudnessGain, SetTargetFollowsTheMedianTracksReach) {
  auto set = [](std::vector<std::pair<double, double>> tracks) {  // {lufs, true peak}
    mix::MixPlan p;
    for (auto [lufs, tp] : tracks) {
      mix::PlanTrack t;
      t.integrated_lufs = lufs;
      t.true_peak_dbtp = tp;
      p.tracks.push_back(t);
    }
    return mix::set_target_lufs(p, {});
  };
  // Each reaches lufs + (ceiling -1 + allowance 1 - peak): -16.5, -16, -15.5.
  EXPECT_NEAR(set({{-18, -1.5}, {-18, -2}, {-18, -2.5}}), -16, 1e-9);
  EXPECT_NEAR(set({{-9, 0.5}, {-23.5, -1}, {-10, 0}}), -14, 1e-9);  // loud masters
  EXPECT_NEAR(set({{-30, 0}, {-30, 0}, {-30, -1}}), -17, 1e-9);     // at most 3 LU down
  EXPECT_NEAR(set({{-20, -1.5}, {-12, 0}}), -16.25, 1e-9);  // even count: mean of -18.5, -14
}

}  // namespace
