#include "libaudio/key.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "synth/synth.hpp"

namespace {

constexpr int kRate = 22050;

// Mono at 22050 Hz, as the analysis takes it.
std::vector<float> to_mono(const synth::Audio& a) {
  std::vector<float> x(a.frames());
  for (std::size_t i = 0; i < x.size(); ++i) {
    float s = 0;
    for (int c = 0; c < a.channels; ++c) s += a.samples[i * a.channels + c];
    x[i] = s / a.channels;
  }
  return x;
}

audio::KeyAnalysis analyse(const std::vector<float>& x, const audio::KeyOptions& o = {}) {
  audio::ChromaAnalyzer c(audio::key_chroma_options());  // as djb-analyze does
  c.push(x.data(), x.size());
  return audio::analyze_key(c.finish(), o);
}

synth::TrackSpec spec(const std::string& key, const std::string& sections, double bpm = 124) {
  synth::TrackSpec s;
  s.rate = kRate;
  s.bpm = bpm;
  s.key = synth::parse_key(key);
  s.sections = synth::parse_sections(sections);
  return s;
}

audio::Key K(const std::string& text) {
  const auto k = audio::parse_key(text);
  EXPECT_TRUE(k.has_value()) << text;
  return k.value_or(audio::Key{});
}

// The wheel, written out: name, Camelot, Open Key.
struct Row {
  const char* name;
  const char* camelot;
  const char* open_key;
};
const Row kWheel[24] = {
    {"C major", "8B", "1d"},   {"G major", "9B", "2d"},   {"D major", "10B", "3d"},
    {"A major", "11B", "4d"},  {"E major", "12B", "5d"},  {"B major", "1B", "6d"},
    {"F# major", "2B", "7d"},  {"C# major", "3B", "8d"},  {"Ab major", "4B", "9d"},
    {"Eb major", "5B", "10d"}, {"Bb major", "6B", "11d"}, {"F major", "7B", "12d"},
    {"A minor", "8A", "1m"},   {"E minor", "9A", "2m"},   {"B minor", "10A", "3m"},
    {"F# minor", "11A", "4m"}, {"C# minor", "12A", "5m"}, {"Ab minor", "1A", "6m"},
    {"Eb minor", "2A", "7m"},  {"Bb minor", "3A", "8m"},  {"F minor", "4A", "9m"},
    {"C minor", "5A", "10m"},  {"G minor", "6A", "11m"},  {"D minor", "7A", "12m"},
};

TEST(KeyNotation, CamelotAndOpenKeyForAll24Keys) {
  std::vector<int> seen;
  for (const auto& row : kWheel) {
    const audio::Key k = K(row.name);
    EXPECT_EQ(k.name(), row.name);
    EXPECT_EQ(k.camelot(), row.camelot) << row.name;
    EXPECT_EQ(k.open_key(), row.open_key) << row.name;
    EXPECT_EQ(K(row.camelot), k) << row.camelot;
    EXPECT_EQ(K(row.open_key), k) << row.open_key;
    EXPECT_EQ(audio::Key::from_index(k.index()), k);
    seen.push_back(k.index());
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());  // 24 distinct keys
}

TEST(KeyNotation, ParsesSpellings) {
  EXPECT_EQ(K("Am"), (audio::Key{9, audio::Mode::minor}));
  EXPECT_EQ(K("a min"), (audio::Key{9, audio::Mode::minor}));
  EXPECT_EQ(K("bm"), (audio::Key{11, audio::Mode::minor}));  // B minor, not B flat
  EXPECT_EQ(K("Bbm"), (audio::Key{10, audio::Mode::minor}));
  EXPECT_EQ(K("Db"), (audio::Key{1, audio::Mode::major}));
  EXPECT_EQ(K("G# minor"), K("Ab minor"));
  EXPECT_EQ(K("Gb major"), K("F#"));
  EXPECT_EQ(K("Cb"), K("B"));
  EXPECT_EQ(K("12b"), K("E major"));
  for (const char* bad : {"", "H", "13A", "0B", "8C", "Am7", "C# dorian", "1x"})
    EXPECT_FALSE(audio::parse_key(bad).has_value()) << bad;
}

TEST(KeyNotation, HarmonicCompatibilityOnTheWheel) {
  using R = audio::KeyRelation;
  EXPECT_EQ(audio::key_relation(K("8A"), K("8A")), R::same);
  EXPECT_EQ(audio::key_relation(K("8A"), K("9A")), R::fifth_up);
  EXPECT_EQ(audio::key_relation(K("8A"), K("7A")), R::fifth_down);
  EXPECT_EQ(audio::key_relation(K("8A"), K("8B")), R::relative);
  EXPECT_EQ(audio::key_relation(K("8B"), K("8A")), R::relative);
  EXPECT_EQ(audio::key_relation(K("12A"), K("1A")), R::fifth_up);  // around the wheel
  EXPECT_EQ(audio::key_relation(K("1B"), K("12B")), R::fifth_down);
  EXPECT_EQ(audio::key_relation(K("8A"), K("9B")), R::none);
  EXPECT_EQ(audio::key_relation(K("A minor"), K("A major")), R::none);  // parallel clashes
  EXPECT_EQ(audio::key_relation(K("8A"), K("10A")), R::none);
  EXPECT_TRUE(audio::harmonically_compatible(K("C major"), K("G major")));
  EXPECT_FALSE(audio::harmonically_compatible(K("C major"), K("C# major")));
  EXPECT_STREQ(audio::relation_name(R::fifth_up), "fifth_up");
}

TEST(KeyNotation, MirexScore) {
  const auto am = K("A minor"), c = K("C major");
  EXPECT_EQ(audio::mirex_key_score(am, am), 1.0);
  EXPECT_EQ(audio::mirex_key_score(am, K("E minor")), 0.5);  // a fifth above
  EXPECT_EQ(audio::mirex_key_score(am, K("D minor")), 0.0);  // below: mir_eval gives nothing
  EXPECT_EQ(audio::mirex_key_score(am, c), 0.3);
  EXPECT_EQ(audio::mirex_key_score(c, am), 0.3);
  EXPECT_EQ(audio::mirex_key_score(c, K("C minor")), 0.2);
  EXPECT_EQ(audio::mirex_key_score(c, K("G minor")), 0.0);
  EXPECT_EQ(audio::mirex_key_score(c, K("F# major")), 0.0);
}

TEST(KeyScores, ProfileOfAKeyScoresItBest) {
  // The scale tones of D major with the tonic triad stressed.
  audio::PitchClassProfile p{};
  for (int pc : {2, 4, 6, 7, 9, 11, 1}) p[pc] = 1.0f;
  for (int pc : {2, 6, 9}) p[pc] += 1.0f;
  for (auto type :
       {audio::KeyProfile::edma, audio::KeyProfile::krumhansl, audio::KeyProfile::temperley,
        audio::KeyProfile::bgate, audio::KeyProfile::ensemble}) {
    const auto s = audio::key_scores(p, type);
    const auto best = std::max_element(s.begin(), s.end()) - s.begin();
    EXPECT_EQ(best, K("D major").index());
    EXPECT_GT(s[best], 0.7);
    EXPECT_LE(s[best], 1.0);
  }
  EXPECT_EQ(audio::key_scores(audio::PitchClassProfile{})[0], 0.0);  // flat: no correlation
}

// A chroma result of `seconds` of one profile per frame, plain and harmonic.
audio::ChromaResult steady(const audio::PitchClassProfile& plain,
                           const audio::PitchClassProfile& harmonic, double seconds = 30) {
  audio::ChromaResult r;
  r.frame_seconds = 0.2;
  r.frames.assign(static_cast<std::size_t>(seconds / r.frame_seconds), plain);
  r.harmonic.assign(r.frames.size(), harmonic);
  return r;
}

// The 24 key scores of a steady chroma of `p` as analyze_key reads it: every frame is `p`, so
// the median salience is p's sum.
std::array<double, 24> steady_scores(const audio::PitchClassProfile& p) {
  return audio::key_scores(audio::compress_for_key(p, std::accumulate(p.begin(), p.end(), 0.0)));
}

// The name of the best of 24 key scores.
std::string best_key(const std::array<double, 24>& scores) {
  return audio::Key::from_index(
             int(std::max_element(scores.begin(), scores.end()) - scores.begin()))
      .name();
}

// How far the best of a steady profile's key scores leads the second.
double lead_of(const audio::PitchClassProfile& p) {
  auto s = steady_scores(p);
  std::sort(s.begin(), s.end(), std::greater<>());
  return s[0] - s[1];
}

// A key's profile: its scale at 1, its tonic triad at 2.
audio::PitchClassProfile scale_profile(std::initializer_list<int> scale,
                                       std::initializer_list<int> triad) {
  audio::PitchClassProfile p{};
  for (int pc : scale) p[pc] = 1.0f;
  for (int pc : triad) p[pc] += 1.0f;
  return p;
}

// The same profile a fifth up (C major's shape on G).
audio::PitchClassProfile fifth_up(audio::PitchClassProfile p) {
  std::rotate(p.begin(), p.begin() + 5, p.end());
  return p;
}

// `share` of one profile and the rest of the other.
audio::PitchClassProfile blend(const audio::PitchClassProfile& a, float share,
                               const audio::PitchClassProfile& b) {
  audio::PitchClassProfile p{};
  for (int pc = 0; pc < 12; ++pc) p[pc] = share * a[pc] + (1 - share) * b[pc];
  return p;
}

TEST(Key, TheHarmonicReadingGivesTheKeyOnlyWhereThePlainOneIsUnsure) {
  // C major's scale with the tonic triad stressed, and the same halfway to G major (what a
  // real instrument's partials do to the plain profile): the plain reading of the smeared
  // profile is unsure, the harmonic reading of the clear one is sure.
  const audio::PitchClassProfile clear = scale_profile({0, 2, 4, 5, 7, 9, 11}, {0, 4, 7});
  const audio::PitchClassProfile g_major = fifth_up(clear);
  audio::PitchClassProfile smeared{};
  double least = 1;  // the blend of the two where the plain reading is least sure
  for (int step = 0; step <= 100; ++step) {
    const audio::PitchClassProfile mixed = blend(clear, 1 - step / 100.0f, g_major);
    if (lead_of(mixed) < least) {
      least = lead_of(mixed);
      smeared = mixed;
    }
  }
  ASSERT_LT(lead_of(smeared), 0.03);
  ASSERT_GT(lead_of(clear), 0.05);
  auto a = audio::analyze_key(steady(smeared, clear));
  ASSERT_TRUE(a.estimate.has_value());
  EXPECT_EQ(a.estimate->key.name(), "C major");
  EXPECT_TRUE(a.harmonic);
  EXPECT_NEAR(a.estimate->confidence, lead_of(clear), 1e-6);
  // A sure plain reading stands, however sure the harmonic one.
  ASSERT_GT(lead_of(g_major), 0.03);
  a = audio::analyze_key(steady(g_major, clear));
  ASSERT_TRUE(a.estimate.has_value());
  EXPECT_EQ(a.estimate->key.name(), "G major");
  EXPECT_FALSE(a.harmonic);
  // An unsure plain reading stands too when the harmonic one names neither its key nor the
  // key a fifth below (partials do not move a key that way): here D major.
  const audio::PitchClassProfile d_major = fifth_up(g_major);
  const auto unsure = audio::analyze_key(steady(smeared, smeared));
  a = audio::analyze_key(steady(smeared, d_major));
  ASSERT_TRUE(a.estimate.has_value() && unsure.estimate.has_value());
  EXPECT_EQ(a.estimate->key, unsure.estimate->key);
  EXPECT_FALSE(a.harmonic);
  // Without harmonic profiles, the plain one alone, unsure or not.
  audio::ChromaResult plain_only = steady(smeared, clear);
  plain_only.harmonic.clear();
  a = audio::analyze_key(plain_only);
  ASSERT_TRUE(a.estimate.has_value());
  EXPECT_FALSE(a.harmonic);
  EXPECT_NEAR(a.estimate->confidence, lead_of(smeared), 1e-6);
}

TEST(Key, TheHarmonicReadingUndoesAFifthUpWhereTheFifthBelowsOwnNoteSounds) {
  // Mostly G major (a real instrument's partials lean C major that way), but F, which C
  // major has and G major lacks, sounds at a quarter of F#: partials cannot put it there.
  const audio::PitchClassProfile c_major = scale_profile({0, 2, 4, 5, 7, 9, 11}, {0, 4, 7});
  const audio::PitchClassProfile g_major = fifth_up(c_major),
                                 leaning = blend(c_major, 0.2f, g_major);
  ASSERT_GT(lead_of(leaning), 0.03);  // the plain reading is sure of G major
  auto plain = audio::analyze_key(steady(leaning, leaning));
  ASSERT_TRUE(plain.estimate.has_value());
  ASSERT_EQ(plain.estimate->key.name(), "G major");
  auto a = audio::analyze_key(steady(leaning, c_major));
  ASSERT_TRUE(a.estimate.has_value());
  EXPECT_EQ(a.estimate->key.name(), "C major");
  EXPECT_TRUE(a.harmonic);
  // Pure tones of G major have no F at all: the plain reading stands, as on the
  // synthesizer's tracks, however sure the harmonic one is of C major.
  a = audio::analyze_key(steady(g_major, c_major));
  ASSERT_TRUE(a.estimate.has_value());
  EXPECT_EQ(a.estimate->key.name(), "G major");
  EXPECT_FALSE(a.harmonic);
  // The same in minor: mostly E minor, with the F that A minor has and E minor lacks.
  const audio::PitchClassProfile a_minor = scale_profile({9, 11, 0, 2, 4, 5, 7}, {9, 0, 4});
  const audio::PitchClassProfile minor_leaning = blend(a_minor, 0.2f, fifth_up(a_minor));
  plain = audio::analyze_key(steady(minor_leaning, minor_leaning));
  ASSERT_TRUE(plain.estimate.has_value());
  ASSERT_EQ(plain.estimate->key.name(), "E minor");
  a = audio::analyze_key(steady(minor_leaning, a_minor));
  ASSERT_TRUE(a.estimate.has_value());
  EXPECT_EQ(a.estimate->key.name(), "A minor");
}

TEST(Key, TheHarmonicReadingUndoesAMinorKeyReadAsItsParallelMajor) {
  // G (harmonic) minor smeared towards G major (a real instrument's 5th partial sounds the major
  // third): where the plain reading names G major but is unsure, and the harmonic one is sure of G
  // minor, the key is G minor. The other way round (partials do not make a minor third), an
  // unsure G minor stays G minor however sure the harmonic reading is of G major.
  const audio::PitchClassProfile g_minor = scale_profile({7, 9, 10, 0, 2, 3, 6}, {7, 10, 2});
  const audio::PitchClassProfile g_major = scale_profile({7, 9, 11, 0, 2, 4, 6}, {7, 11, 2});
  audio::PitchClassProfile leaning_major{}, leaning_minor{};
  double least_major = 1, least_minor = 1;
  for (int step = 0; step <= 100; ++step) {
    const audio::PitchClassProfile mixed = blend(g_minor, 1 - step / 100.0f, g_major);
    const double l = lead_of(mixed);
    const std::string best = best_key(steady_scores(mixed));
    if (best == "G major" && l < least_major) {
      least_major = l;
      leaning_major = mixed;
    }
    if (best == "G minor" && l < least_minor) {
      least_minor = l;
      leaning_minor = mixed;
    }
  }
  ASSERT_LT(least_major, 0.03);
  ASSERT_LT(least_minor, 0.03);
  ASSERT_GT(lead_of(g_minor), 0.03);
  auto a = audio::analyze_key(steady(leaning_major, g_minor));
  ASSERT_TRUE(a.estimate.has_value());
  EXPECT_EQ(a.estimate->key.name(), "G minor");
  EXPECT_TRUE(a.harmonic);
  a = audio::analyze_key(steady(leaning_minor, g_major));
  ASSERT_TRUE(a.estimate.has_value());
  EXPECT_EQ(a.estimate->key.name(), "G minor");
  EXPECT_FALSE(a.harmonic);
}

TEST(Key, All24KeysOfTheSynthesizer) {
  int minor_chosen = 0;
  for (const auto& row : kWheel) {
    auto s = spec(row.name, "intro:2,drop:8");
    s.lead_in = 1.5;
    const auto a = analyse(to_mono(synth::render_track(s)));
    ASSERT_TRUE(a.estimate.has_value()) << row.name << ": " << a.reason;
    EXPECT_EQ(a.estimate->key.name(), row.name);
    EXPECT_GT(a.estimate->confidence, 0.02) << row.name;
    EXPECT_NE(a.estimate->second, a.estimate->key);
    EXPECT_NEAR(a.estimate->score - a.estimate->second_score, a.estimate->confidence, 1e-12);
    EXPECT_NEAR(a.tuning_cents, 0.0, 3.0) << row.name;
    ASSERT_EQ(a.estimate->segments.size(), 1u) << row.name;
    EXPECT_EQ(a.estimate->segments[0].key, a.estimate->key);
    minor_chosen += a.estimate->key.mode == audio::Mode::minor;
  }
  EXPECT_EQ(minor_chosen, 12);
}

TEST(Key, DetunedTrackKeepsItsKeyAndReportsTheTuning) {
  // The same track resampled: played 1.7% faster, it is 29 cents sharp of A minor.
  const auto x = to_mono(synth::render_track(spec("Am", "drop:8")));
  const double ratio = std::pow(2.0, 29.0 / 1200);
  std::vector<float> y(static_cast<std::size_t>(static_cast<double>(x.size()) / ratio));
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double pos = static_cast<double>(i) * ratio;
    const auto j = static_cast<std::size_t>(pos);
    const double f = pos - static_cast<double>(j);
    y[i] = static_cast<float>(x[j] * (1 - f) + (j + 1 < x.size() ? x[j + 1] : 0.0f) * f);
  }
  const auto a = analyse(y);
  ASSERT_TRUE(a.estimate.has_value());
  EXPECT_EQ(a.estimate->key.name(), "A minor");
  EXPECT_NEAR(a.tuning_cents, 29.0, 3.0);
}

TEST(Key, NoKeyWithoutPitchedContent) {
  const auto drums = synth::render_stems(spec("Am", "intro:2,drop:8")).drums;
  const auto d = analyse(to_mono(drums));
  EXPECT_FALSE(d.estimate.has_value());
  EXPECT_FALSE(d.reason.empty());
  const auto n = analyse(synth::white_noise(10.0, kRate, 1, 0.5).samples);
  EXPECT_FALSE(n.estimate.has_value());
  EXPECT_EQ(n.reason, "no pitched content");
  const auto s = analyse(std::vector<float>(10 * kRate, 0.0f));
  EXPECT_FALSE(s.estimate.has_value());
  EXPECT_EQ(s.reason, "no pitched content");
  EXPECT_EQ(s.pitched_seconds, 0.0);
  const auto e = analyse({});
  EXPECT_FALSE(e.estimate.has_value());
  EXPECT_EQ(e.reason, "no audio");
  // One lone pitch, however long, is not a key.
  const auto one = analyse(to_mono(synth::sine(220.0, 10.0, kRate)));
  EXPECT_FALSE(one.estimate.has_value());
  EXPECT_EQ(one.reason, "too few pitch classes for a key");
  EXPECT_GT(one.pitched_seconds, 9.0);
}

TEST(Key, ALoudLeadDoesNotOutvoteTheHarmony) {
  // I-IV-V-I in C major, a chord per four frames, under a lead alternating C and F at three
  // times the chords' level (a melody dwelling on the subdominant): summed as they come, the
  // frames read F major; compressed, each sounding note counts more for being there than for
  // its level, and the chords' key wins.
  const int chords[4][3] = {{0, 4, 7}, {5, 9, 0}, {7, 11, 2}, {0, 4, 7}};
  audio::ChromaResult r;
  r.frame_seconds = 0.2;
  for (int i = 0; i < 120; ++i) {
    audio::PitchClassProfile f{};
    for (int pc : chords[(i / 4) % 4]) f[pc] += 1.0f;
    f[i % 2 == 0 ? 0 : 5] += 3.0f;
    r.frames.push_back(f);
  }
  r.harmonic = r.frames;
  audio::PitchClassProfile plain_sum{};
  for (const auto& f : r.frames)
    for (int pc = 0; pc < 12; ++pc) plain_sum[pc] += f[pc];
  ASSERT_EQ(best_key(audio::key_scores(plain_sum)), "F major");
  const auto a = audio::analyze_key(r);
  ASSERT_TRUE(a.estimate.has_value());
  EXPECT_EQ(a.estimate->key.name(), "C major");
  EXPECT_GT(a.estimate->confidence, 0.03);
}

TEST(Key, DrumOnlyIntroDoesNotVote) {
  // Long drum intros and outros around a short pitched part: same key, same confidence
  // within a little.
  const auto plain = analyse(to_mono(synth::render_track(spec("F#m", "drop:8"))));
  const auto padded =
      analyse(to_mono(synth::render_track(spec("F#m", "intro:16,drop:8,intro:16"))));
  ASSERT_TRUE(plain.estimate && padded.estimate);
  EXPECT_EQ(padded.estimate->key, plain.estimate->key);
  EXPECT_EQ(padded.estimate->key.name(), "F# minor");
  EXPECT_NEAR(padded.estimate->confidence, plain.estimate->confidence, 0.02);
  EXPECT_NEAR(padded.pitched_seconds, plain.pitched_seconds, 3.0);
}

TEST(Key, ModulationGivesTwoSegmentsAtTheRightBar) {
  const auto s = spec("Am", "intro:2,drop:12,drop:12:Em,outro:2:Em");
  const double bar = 240.0 / s.bpm, change = 14 * bar;  // 27.1 s
  const auto a = analyse(to_mono(synth::render_track(s)));
  ASSERT_TRUE(a.estimate.has_value());
  const auto& segs = a.estimate->segments;
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0].key.name(), "A minor");
  EXPECT_EQ(segs[1].key.name(), "E minor");
  EXPECT_EQ(segs[0].start, 0.0);
  EXPECT_EQ(segs[0].end, segs[1].start);
  EXPECT_NEAR(segs[1].start, change, 2 * bar);
  EXPECT_NEAR(segs[1].end, a.duration, 1e-9);

  // A step up (the pop "truck driver" change), and back down a fifth: each found.
  const auto up = analyse(to_mono(synth::render_track(spec("D", "drop:12,drop:12:Eb"))));
  ASSERT_TRUE(up.estimate.has_value());
  ASSERT_EQ(up.estimate->segments.size(), 2u);
  EXPECT_EQ(up.estimate->segments[1].key.name(), "Eb major");
  EXPECT_NEAR(up.estimate->segments[1].start, 12 * bar, 2 * bar);

  // The steady version of the first track is one segment.
  const auto steady = analyse(to_mono(synth::render_track(spec("Am", "intro:2,drop:24,outro:2"))));
  ASSERT_TRUE(steady.estimate.has_value());
  EXPECT_EQ(steady.estimate->segments.size(), 1u);
}

TEST(Key, Json) {
  const auto a = analyse(to_mono(synth::render_track(spec("Eb", "drop:8"))));
  const audio::Json j = audio::key_to_json(a);
  EXPECT_EQ(j["name"], "Eb major");
  EXPECT_EQ(j["tonic"], "Eb");
  EXPECT_EQ(j["mode"], "major");
  EXPECT_EQ(j["camelot"], "5B");
  EXPECT_EQ(j["open_key"], "10d");
  EXPECT_GT(j["confidence"].get<double>(), 0.0);
  EXPECT_TRUE(j["second"].contains("camelot"));
  EXPECT_EQ(j["segments"].size(), 1u);
  EXPECT_EQ(j["segments"][0]["start"], 0.0);
  audio::Json doc = {{"schema", "x/1"}};
  audio::add_key_json(doc, a);
  EXPECT_FALSE(doc.contains("key_reason"));
  audio::Json none_doc = {{"schema", "x/1"}};
  audio::add_key_json(none_doc, analyse(std::vector<float>(kRate * 5, 0.0f)));
  EXPECT_TRUE(none_doc["key"].is_null());
  EXPECT_EQ(none_doc["key_reason"], "no pitched content");
}

}  // namespace
