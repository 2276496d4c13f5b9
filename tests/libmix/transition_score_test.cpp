#include "libmix/transition_score.hpp"

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "test_util.hpp"

namespace {

using audio::Json;
using mix::TransitionType;

audio::Key key(const char* camelot) {
  return *audio::parse_key(camelot);
}

TEST(TempoTerm, FreeBelowFivePercentPenalisedToEightThenZero) {
  EXPECT_DOUBLE_EQ(mix::tempo_term(0, 1), 1.0);
  EXPECT_NEAR(mix::tempo_term(0.05, 1), 0.9, 1e-12);
  EXPECT_NEAR(mix::tempo_term(0.08, 1), 0.3, 1e-12);
  EXPECT_DOUBLE_EQ(mix::tempo_term(0.09, 1), 0.0);
  EXPECT_GT(mix::tempo_term(0.02, 1), mix::tempo_term(0.04, 1));
  EXPECT_GT(mix::tempo_term(0.06, 1), mix::tempo_term(0.07, 1));
  // Counting B at half or double time costs a little.
  EXPECT_NEAR(mix::tempo_term(0, 2), 0.9, 1e-12);
  // A cut matches no beat: a fade's 0.5 at best (equal tempi), never below 0.2.
  EXPECT_DOUBLE_EQ(mix::cut_tempo_term(124, 124), mix::kFadeTempoTerm);
  EXPECT_GT(mix::cut_tempo_term(124, 126), mix::cut_tempo_term(124, 140));
  EXPECT_DOUBLE_EQ(mix::cut_tempo_term(90, 174), 0.2);
}

TEST(HarmonicTerm, CamelotWheel) {
  EXPECT_DOUBLE_EQ(mix::harmonic_term(key("8A"), key("8A")), 1.0);
  EXPECT_DOUBLE_EQ(mix::harmonic_term(key("8A"), key("9A")), 0.9);
  EXPECT_DOUBLE_EQ(mix::harmonic_term(key("8A"), key("7A")), 0.9);
  EXPECT_DOUBLE_EQ(mix::harmonic_term(key("12B"), key("1B")), 0.9);  // the wheel wraps
  EXPECT_DOUBLE_EQ(mix::harmonic_term(key("8A"), key("8B")), 0.85);
  EXPECT_DOUBLE_EQ(mix::harmonic_term(key("8A"), key("9B")), 0.55);
  EXPECT_DOUBLE_EQ(mix::harmonic_term(key("8A"), key("10A")), 0.45);
  EXPECT_NEAR(mix::harmonic_term(key("8A"), key("2A")), 0.05, 1e-12);  // a tritone away
  EXPECT_LT(mix::harmonic_term(key("8A"), key("2B")), mix::harmonic_term(key("8A"), key("10A")));
  // Percussive only (no key) on either side: relaxed.
  EXPECT_DOUBLE_EQ(mix::harmonic_term(std::nullopt, key("8A")), 0.8);
  EXPECT_DOUBLE_EQ(mix::harmonic_term(key("3B"), std::nullopt), 0.8);
}

TEST(EnergyTerm, DropsCostMoreThanRises) {
  EXPECT_DOUBLE_EQ(mix::energy_term(0.6, 0.6), 1.0);
  EXPECT_DOUBLE_EQ(mix::energy_term(0.5, 0.65), 1.0);  // a small lift is free
  EXPECT_NEAR(mix::energy_term(0.8, 0.4), 0.4, 1e-12);
  EXPECT_NEAR(mix::energy_term(0.4, 0.8), 1.0 - 0.75 * 0.25, 1e-12);
  EXPECT_GT(mix::energy_term(0.4, 0.8), mix::energy_term(0.8, 0.4));
  EXPECT_DOUBLE_EQ(mix::energy_term(1.0, 0.0), 0.0);
}

TEST(PhraseTerm, BoundariesAndMultiples) {
  EXPECT_DOUBLE_EQ(mix::phrase_alignment(0), 1.0);
  EXPECT_DOUBLE_EQ(mix::phrase_alignment(8), 0.75);
  EXPECT_DOUBLE_EQ(mix::phrase_alignment(16), 0.75);
  EXPECT_DOUBLE_EQ(mix::phrase_alignment(4), 0.5);
  EXPECT_DOUBLE_EQ(mix::phrase_alignment(3), 0.25);
  EXPECT_DOUBLE_EQ(mix::phrase_alignment(-1), 0.5);
}

TEST(PhraseTerm, RolesRankADjsOutroIntoIntro) {
  // A: outro, then a closing breakdown, then a section that skips the last drop, then a drop.
  EXPECT_DOUBLE_EQ(mix::exit_role("outro", true), 1.0);
  EXPECT_GT(mix::exit_role("outro", true), mix::exit_role("breakdown", true));
  EXPECT_GT(mix::exit_role("breakdown", true), mix::exit_role("breakdown", false));
  EXPECT_GT(mix::exit_role("breakdown", false), mix::exit_role("drop", false));
  EXPECT_DOUBLE_EQ(mix::exit_role("drop", true), 0.0);
  EXPECT_DOUBLE_EQ(mix::exit_role("", false), mix::kUnknownRole);
  // B: intro, then anything else, then a drop.
  EXPECT_DOUBLE_EQ(mix::entry_role("intro"), 1.0);
  EXPECT_GT(mix::entry_role("intro"), mix::entry_role("build"));
  EXPECT_GT(mix::entry_role("build"), mix::entry_role("drop"));
  EXPECT_DOUBLE_EQ(mix::entry_role("drop"), 0.0);
  // The term: the mean of alignment and the two roles' mean, in [0, 1].
  EXPECT_DOUBLE_EQ(mix::phrase_term(1, 1, 1), 1.0);
  EXPECT_DOUBLE_EQ(mix::phrase_term(0.25, 0, 0), 0.125);
  EXPECT_DOUBLE_EQ(mix::phrase_term(0.5, mix::kUnknownRole, mix::kUnknownRole), 0.5);
  // A perfectly aligned exit inside a drop loses to a worse aligned one in the outro.
  EXPECT_GT(mix::phrase_term(0.8, 1, 1), mix::phrase_term(1, 0, 1));
  EXPECT_GT(mix::phrase_term(0.8, 1, 1), mix::phrase_term(1, 1, 0));
}

TEST(CoverageTerm, MeanOfPlayedFractions) {
  EXPECT_DOUBLE_EQ(mix::coverage_term(1, 1), 1.0);
  EXPECT_DOUBLE_EQ(mix::coverage_term(0.5, 1), 0.75);
  EXPECT_DOUBLE_EQ(mix::coverage_term(-1, 2), 0.5);  // clamped
}

TEST(ClashTerm, TypesThatHandleTheLowsClashLess) {
  const double low = 0.8, mid = 0.5;
  const double xfade =
      mix::clash_term(TransitionType::crossfade, mix::FilterKind::none, low, low, mid, mid);
  const double swap =
      mix::clash_term(TransitionType::bass_swap, mix::FilterKind::none, low, low, mid, mid);
  const double hp =
      mix::clash_term(TransitionType::filter, mix::FilterKind::highpass, low, low, mid, mid);
  const double cut = mix::clash_term(TransitionType::cut, mix::FilterKind::none, 1, 1, 1, 1);
  EXPECT_NEAR(xfade, 1 - (0.64 + 0.5 * 0.25), 1e-12);
  EXPECT_DOUBLE_EQ(swap, hp);  // the renderer hands a filter's lows over as a bass swap's
  EXPECT_GT(hp, xfade);
  EXPECT_DOUBLE_EQ(cut, 1.0);
  // Two quiet tracks do not clash; two full ones clash completely.
  EXPECT_DOUBLE_EQ(mix::clash_term(TransitionType::crossfade, mix::FilterKind::none, 0, 0, 0, 0),
                   1);
  EXPECT_DOUBLE_EQ(mix::clash_term(TransitionType::mashup, mix::FilterKind::none, 1, 1, 1, 1), 0);
  // A low-pass sweep takes A's mids away rather than its lows.
  const double lp =
      mix::clash_term(TransitionType::filter, mix::FilterKind::lowpass, 0.2, 0.2, 0.9, 0.9);
  const double lp_x =
      mix::clash_term(TransitionType::crossfade, mix::FilterKind::none, 0.2, 0.2, 0.9, 0.9);
  EXPECT_GT(lp, lp_x);
}

TEST(Combine, WeightedMeanInUnitRange) {
  mix::Breakdown b;
  b.v = {1, 0, 1, 0, 1, 0};
  mix::Weights w;
  w.v = {1, 1, 1, 1, 1, 1};
  EXPECT_DOUBLE_EQ(mix::combine(b, w), 0.5);
  w.v = {2, 0, 0, 0, 0, 0};
  EXPECT_DOUBLE_EQ(mix::combine(b, w), 1.0);
  mix::Weights d, d3;
  for (int i = 0; i < mix::kTerms; ++i) d3[i] = 3 * d[i];
  b.v = {0.9, 0.4, 0.7, 0.2, 0.5, 0.8};
  EXPECT_NEAR(mix::combine(b, d), mix::combine(b, d3), 1e-12);
}

TEST(Weights, JsonRoundTripAndValidation) {
  mix::Weights w;
  w.v = {0.5, 2, 1, 1, 0, 3};
  const Json j = mix::weights_to_json(w);
  EXPECT_EQ(j.begin().key(), "schema");
  EXPECT_EQ(j["schema"], "djb.weights/1");
  const auto back = mix::weights_from_json(j, "w.json");
  for (int i = 0; i < mix::kTerms; ++i) EXPECT_DOUBLE_EQ(back[i], w[i]);

  Json partial = {{"schema", "djb.weights/1"}, {"weights", {{"clash", 4}}}};
  const auto p = mix::weights_from_json(partial, "w.json");
  EXPECT_DOUBLE_EQ(p[5], 4);
  EXPECT_DOUBLE_EQ(p[1], mix::Weights{}[1]);

  auto code = [](const Json& doc) {
    return testutil::exit_code_of([&] { mix::weights_from_json(doc, "w.json"); });
  };
  EXPECT_EQ(code({{"schema", "djb.weights/1"}, {"weights", {{"tempo", -1}}}}), audio::Exit::data);
  EXPECT_EQ(code({{"schema", "djb.weights/1"}, {"weights", {{"vibes", 1}}}}), audio::Exit::data);
  EXPECT_EQ(code({{"schema", "djb.weights/1"}, {"weights", {{"tempo", "1"}}}}), audio::Exit::data);
  EXPECT_EQ(code({{"schema", "djb.plan/1"}, {"weights", Json::object()}}), audio::Exit::data);
  Json zero = {{"schema", "djb.weights/1"}, {"weights", Json::object()}};
  for (const char* t : mix::kTermNames) zero["weights"][t] = 0;
  EXPECT_EQ(code(zero), audio::Exit::data);
}

TEST(Types, NamesRoundTrip) {
  for (auto t : {TransitionType::crossfade, TransitionType::bass_swap, TransitionType::cut,
                 TransitionType::filter, TransitionType::mashup, TransitionType::fade})
    EXPECT_EQ(*mix::parse_type(mix::type_name(t)), t);
  EXPECT_FALSE(mix::parse_type("scratch"));
}

TEST(Weights, HugeWeightsAreRefusedNotTurnedIntoZeroScores) {
  for (double huge : {1e308, 1e7}) {
    const Json doc = {{"schema", "djb.weights/1"}, {"weights", {{"tempo", huge}, {"key", huge}}}};
    EXPECT_EQ(testutil::exit_code_of([&] { mix::weights_from_json(doc, "w.json"); }),
              audio::Exit::data)
        << huge;
  }
  const Json fine = {{"schema", "djb.weights/1"}, {"weights", {{"tempo", 1e6}}}};
  EXPECT_EQ(testutil::exit_code_of([&] { mix::weights_from_json(fine, "w.json"); }),
            audio::Exit::ok);
}

}  // namespace
