// The synthesizer is the ground truth of later accuracy tests, so its truth must be right.
#include "synth/synth.hpp"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

namespace {

TEST(Synth, IsDeterministic) {
  synth::TrackSpec spec;
  spec.sections = {{"intro", 1}, {"drop", 2}};
  auto a = synth::render_track(spec), b = synth::render_track(spec);
  EXPECT_EQ(a.samples, b.samples);
  spec.seed = 2;
  EXPECT_NE(synth::render_track(spec).samples, a.samples);
}

TEST(Synth, TruthMatchesTheSpec) {
  synth::TrackSpec spec;
  spec.bpm = 120;
  spec.lead_in = 1.5;
  spec.key = synth::parse_key("F#m");
  spec.sections = {{"intro", 2}, {"drop", 4}};
  auto t = synth::truth(spec, 20.0);
  EXPECT_EQ(t["key"], "F# minor");
  ASSERT_EQ(t["beats"].size(), 24u);
  EXPECT_DOUBLE_EQ(t["beats"][0].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(t["beats"][1].get<double>(), 2.0);
  ASSERT_EQ(t["downbeats"].size(), 6u);
  EXPECT_DOUBLE_EQ(t["downbeats"][2].get<double>(), 1.5 + 2 * 4 * 0.5);
  EXPECT_EQ(t["sections"][1]["label"], "drop");
  EXPECT_DOUBLE_EQ(t["sections"][1]["start"].get<double>(), 5.5);
}

TEST(Synth, KickLandsOnTheBeats) {
  synth::TrackSpec spec;
  spec.bpm = 100;
  spec.lead_in = 0.5;
  spec.sections = {{"intro", 2}};
  auto st = synth::render_stems(spec);
  // Silence before the first beat, energy right after each beat.
  auto energy = [&](double t0, double t1) {
    double e = 0;
    for (auto i = static_cast<std::size_t>(t0 * 44100); i < static_cast<std::size_t>(t1 * 44100);
         ++i)
      e += st.drums.samples[2 * i] * st.drums.samples[2 * i];
    return e;
  };
  EXPECT_EQ(energy(0.0, 0.49), 0.0);
  for (int b = 0; b < 8; ++b) {
    const double t = 0.5 + b * 0.6;
    EXPECT_GT(energy(t, t + 0.05), 20.0 * energy(t - 0.05, t - 0.001) + 1e-3) << "beat " << b;
  }
}

TEST(Synth, ParsesKeysAndSections) {
  EXPECT_EQ(synth::parse_key("Am").name(), "A minor");
  EXPECT_EQ(synth::parse_key("Eb major").name(), "Eb major");
  EXPECT_EQ(synth::parse_key("C").name(), "C major");
  EXPECT_THROW(synth::parse_key("H"), std::invalid_argument);
  auto s = synth::parse_sections("intro:8,drop:16");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].bars, 16);
  EXPECT_THROW(synth::parse_sections("intro"), std::invalid_argument);
}

TEST(Synth, SectionKeyModulatesOnlyThatSection) {
  auto s = synth::parse_sections("drop:2,drop:2:Em");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_FALSE(s[0].key.has_value());
  ASSERT_TRUE(s[1].key.has_value());
  EXPECT_EQ(s[1].key->name(), "E minor");
  EXPECT_THROW(synth::parse_sections("drop:2:H"), std::invalid_argument);
  synth::TrackSpec plain, modulated;
  plain.bpm = modulated.bpm = 120;  // 2 s bars
  plain.sections = {{"drop", 2}, {"drop", 2}};
  modulated.sections = s;
  const auto a = synth::render_track(plain), b = synth::render_track(modulated);
  ASSERT_EQ(a.samples.size(), b.samples.size());
  auto differ = [&](double t0, double t1) {
    for (auto i = std::size_t(t0 * 44100) * 2; i < std::size_t(t1 * 44100) * 2; ++i)
      if (a.samples[i] != b.samples[i]) return true;
    return false;
  };
  EXPECT_FALSE(differ(0.0, 4.0));  // the first section is untouched
  EXPECT_TRUE(differ(4.0, 8.0));
  const auto t = synth::truth(modulated, 9.0);
  EXPECT_EQ(t["key"], "A minor");
  EXPECT_FALSE(t["sections"][0].contains("key"));
  EXPECT_EQ(t["sections"][1]["key"], "E minor");
}

}  // namespace

namespace {

// Energy of the drum stem's left channel in [t0, t1).
double drum_energy(const synth::Stems& st, double t0, double t1) {
  double e = 0;
  for (auto i = static_cast<std::size_t>(t0 * 44100); i < static_cast<std::size_t>(t1 * 44100);
       ++i) {
    e += st.drums.samples[2 * i] * st.drums.samples[2 * i];
  }
  return e;
}

TEST(Synth, GroovesPlaceKicksWhereTheirPatternsSay) {
  synth::TrackSpec spec;
  spec.bpm = 120;  // 0.5 s beats
  spec.sections = {{"drop", 1}};
  spec.groove = synth::Groove::half_time;
  auto half = synth::render_stems(spec);
  spec.groove = synth::Groove::breakbeat;
  auto brk = synth::render_stems(spec);
  // Half-time: the kick on beat 1 only, the snare on beat 3; beat 2 carries just hats.
  EXPECT_GT(drum_energy(half, 0.0, 0.05), 10 * drum_energy(half, 0.5, 0.55));
  EXPECT_GT(drum_energy(half, 1.0, 1.05), 10 * drum_energy(half, 0.5, 0.55));
  // Breakbeat: a kick half a beat after beat 3 (t = 1.25 s).
  EXPECT_GT(drum_energy(brk, 1.25, 1.30), 10 * drum_energy(brk, 1.15, 1.2));
  EXPECT_THROW(synth::parse_groove("polka"), std::invalid_argument);
}

}  // namespace

namespace {

TEST(Synth, SectionTemposMoveTheBeatsAndTheTruthSaysSo) {
  auto s = synth::parse_sections("intro:2,drop:4@130");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].bpm, 0);
  EXPECT_EQ(s[1].bpm, 130);
  EXPECT_EQ(s[1].bars, 4);
  EXPECT_THROW(synth::parse_sections("drop:4@5"), std::invalid_argument);
  synth::TrackSpec spec;
  spec.bpm = 120;
  spec.sections = s;
  const synth::Audio a = synth::render_track(spec);
  // 2 bars at 120 (4 s) + 4 bars at 130 (7.385 s) + 1 s tail.
  EXPECT_NEAR(static_cast<double>(a.frames()) / a.rate, 4 + 16 * 60 / 130.0 + 1, 1e-3);
  const audio::Json t = synth::truth(spec, 12.4);
  ASSERT_TRUE(t.contains("tempo_segments"));
  EXPECT_EQ(t["tempo_segments"].size(), 2u);
  EXPECT_EQ(t["tempo_segments"][1]["start"].get<double>(), 4.0);
  EXPECT_EQ(t["tempo_segments"][1]["bpm"].get<double>(), 130.0);
  const auto beats = t["beats"].get<std::vector<double>>();
  ASSERT_EQ(beats.size(), 24u);
  EXPECT_NEAR(beats[8], 4.0, 1e-6);
  EXPECT_NEAR(beats[9] - beats[8], 60 / 130.0, 1e-5);
  // A single-tempo spec has no tempo segments (its truth is unchanged).
  spec.sections = synth::parse_sections("intro:2,drop:4@120");
  EXPECT_FALSE(synth::truth(spec, 12).contains("tempo_segments"));
}

TEST(Synth, PadAndBabbleAreQuietAtTheEdgesAndDeterministic) {
  const synth::Audio pad = synth::pad(synth::parse_key("Am"), 10, 22050);
  ASSERT_EQ(pad.frames(), 220500u);
  EXPECT_LT(std::fabs(pad.samples[0]), 1e-3);  // everything swells in
  float peak = 0;
  for (float v : pad.samples) peak = std::max(peak, std::fabs(v));
  EXPECT_GT(peak, 0.1f);
  EXPECT_LT(peak, 1.0f);
  const synth::Audio a = synth::babble(5, 22050, 4), b = synth::babble(5, 22050, 4),
                     c = synth::babble(5, 22050, 5);
  EXPECT_EQ(a.samples, b.samples);
  EXPECT_NE(a.samples, c.samples);
  // Syllables and pauses: some 50 ms windows are silent, some are loud.
  int silent = 0, loud = 0;
  for (std::size_t w = 0; w + 1102 < a.samples.size(); w += 1102) {
    double e = 0;
    for (std::size_t i = w; i < w + 1102; ++i) e += a.samples[i] * a.samples[i];
    e /= 1102;
    silent += e < 1e-8;
    loud += e > 1e-3;
  }
  EXPECT_GT(silent, 5);
  EXPECT_GT(loud, 20);
}

}  // namespace

namespace {

// The V chord of a minor key carries the raised leading tone: in A minor, G# (not G)
// sounds in the chord stem during the fourth bar (i - VI - iv - V).
TEST(Synth, MinorKeysUseTheHarmonicMinorDominant) {
  synth::TrackSpec spec;
  spec.bpm = 120;  // 2 s bars
  spec.key = synth::parse_key("Am");
  spec.sections = {{"drop", 4}};
  auto st = synth::render_stems(spec);
  auto power_at = [&](double freq, double t0, double t1) {
    double re = 0, im = 0;
    for (auto i = static_cast<std::size_t>(t0 * 44100); i < static_cast<std::size_t>(t1 * 44100);
         ++i) {
      const double x = st.chords.samples[2 * i] + st.chords.samples[2 * i + 1];
      re += x * std::cos(2 * M_PI * freq * static_cast<double>(i) / 44100);
      im += x * std::sin(2 * M_PI * freq * static_cast<double>(i) / 44100);
    }
    return re * re + im * im;
  };
  const double g5 = 783.99, gs5 = 830.61;  // chords sit at MIDI 60 + tonic: A4 up to G#5
  EXPECT_GT(power_at(gs5, 6.2, 7.8), 100 * power_at(g5, 6.2, 7.8));   // bar 4: E - G# - B
  EXPECT_GT(power_at(gs5, 6.2, 7.8), 100 * power_at(gs5, 0.2, 1.8));  // bar 1 (A - C - E): no G#
}

}  // namespace

namespace {

double rms(const synth::Audio& a, double from, double to) {
  const auto i0 = static_cast<std::size_t>(from * a.rate),
             i1 = static_cast<std::size_t>(to * a.rate);
  double sum = 0;
  for (std::size_t i = i0; i < i1; ++i) sum += double(a.samples[2 * i]) * a.samples[2 * i];
  return std::sqrt(sum / double(i1 - i0));
}

TEST(Synth, SongChorusRepeatsIdenticallyAndIsLouderThanTheVerse) {
  synth::TrackSpec spec;
  spec.bpm = 120;  // 2 s bars
  spec.rate = 8000;
  spec.song = true;
  spec.sections = synth::parse_sections("verse:4,chorus:4,verse:4,chorus:4,bridge:4");
  const synth::Audio a = synth::render_track(spec);
  // Chorus 1 at 8..16 s, chorus 2 at 24..32 s: equal away from the edges (tails of the
  // previous section ring into the first beat).
  const std::size_t c1 = 9 * 8000, c2 = 25 * 8000, n = 6 * 8000;
  double diff = 0;
  for (std::size_t i = 0; i < 2 * n; ++i)
    diff = std::max(diff, double(std::abs(a.samples[2 * c1 + i] - a.samples[2 * c2 + i])));
  EXPECT_LT(diff, 1e-5);
  EXPECT_GT(rms(a, 8, 16), 1.4 * rms(a, 0, 8));    // chorus louder than verse
  EXPECT_LT(rms(a, 32, 40), 0.8 * rms(a, 8, 16));  // the bridge is quieter too
  // The verse's notes are not the chorus's: their spectra differ (same bar of the cycle).
  double d = 0;
  for (std::size_t i = 0; i < 2 * 8000; ++i)
    d += std::abs(a.samples[2 * (1 * 8000 + i)] - a.samples[2 * (9 * 8000 + i)]);
  EXPECT_GT(d / (2 * 8000), 0.01);
  const audio::Json t = synth::truth(spec, double(a.frames()) / a.rate);
  EXPECT_EQ(t["form"], "song");
  ASSERT_EQ(t["sections"].size(), 5u);
  EXPECT_EQ(t["sections"][3]["label"], "chorus");
  EXPECT_DOUBLE_EQ(t["sections"][3]["start"].get<double>(), 24.0);
}

TEST(Synth, ConcertTruthListsSongsAndGaps) {
  synth::TrackSpec s;
  s.bpm = 120;
  s.sections = synth::parse_sections("verse:2,chorus:2");
  const synth::Concert c = synth::render_concert({s, s}, 8, 8000);
  ASSERT_EQ(c.truth["songs"].size(), 2u);
  ASSERT_EQ(c.truth["gaps"].size(), 3u);  // applause, talk, applause
  const double second = c.truth["songs"][1]["start"].get<double>();
  EXPECT_NEAR(second, c.truth["songs"][0]["end"].get<double>() + 8, 1e-3);
  EXPECT_NEAR(c.truth["songs"][1]["sections"][1]["start"].get<double>(), second + 4, 1e-3);
  EXPECT_NEAR(c.truth["duration"].get<double>(), double(c.audio.frames()) / 8000, 1e-3);
  EXPECT_GT(rms(c.audio, c.truth["gaps"][0]["start"].get<double>() + 1,
                c.truth["gaps"][0]["end"].get<double>() - 2),
            0.01);  // the applause is there
}

}  // namespace
