#include "libmix/transition_candidates.hpp"

#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "libmix/mix_fixture.hpp"

namespace {

using mix::Candidate;
using mix::TransitionType;

mix::MixTrack track(const fixture::TrackSpec& s) {
  return mix::from_analysis(fixture::analysis(s), s.path);
}

fixture::TrackSpec spec(const std::string& path, double bpm, const std::string& key) {
  fixture::TrackSpec s;
  s.path = path;
  s.bpm = bpm;
  s.key = key;
  s.sections = {{"intro", 16}, {"drop", 16}, {"breakdown", 8}, {"drop", 16}, {"outro", 16}};
  return s;
}

// The track with every bar's bands equal: only where a candidate sits in the phrases (and
// how much it plays) tells two candidates apart.
mix::MixTrack flat(const fixture::TrackSpec& s) {
  audio::Json doc = fixture::analysis(s);
  for (auto& bar : doc["energy"]["bars"]) bar["energy"] = bar["low"] = bar["mid"] = 0.5;
  return mix::from_analysis(doc, s.path);
}

const Candidate* find(const mix::CandidateSet& set, TransitionType type, double exit, double entry,
                      int bars) {
  for (const auto& c : set.candidates)
    if (c.type == type && std::abs(c.exit - exit) < 1e-6 && std::abs(c.entry - entry) < 1e-6 &&
        c.overlap_bars == bars)
      return &c;
  return nullptr;
}

bool on_downbeat(const mix::MixTrack& t, double x) {
  return std::abs(t.downbeats[t.nearest_downbeat(x)] - x) < 1e-9;
}

bool has_rule(const mix::CandidateSet& set, const std::string& rule) {
  for (const auto& r : set.rejections)
    if (r.rule == rule) return r.count > 0 && !r.example.empty();
  return false;
}

int count_type(const mix::CandidateSet& set, TransitionType t) {
  int n = 0;
  for (const auto& c : set.candidates) n += c.type == t;
  return n;
}

TEST(Candidates, CompatibleTracksMixOnTheGridWithTheContractsTempoPlan) {
  const auto a = track(spec("a.wav", 124, "8A"));
  const auto b = track(spec("b.wav", 126, "9A"));
  const auto set = mix::transition_candidates(a, b);
  ASSERT_FALSE(set.candidates.empty());
  EXPECT_NE(set.candidates[0].type, TransitionType::fade);
  for (std::size_t i = 1; i < set.candidates.size(); ++i)
    EXPECT_GE(set.candidates[i - 1].score, set.candidates[i].score);
  std::set<TransitionType> types;
  for (const Candidate& c : set.candidates) {
    types.insert(c.type);
    EXPECT_GE(c.score, 0);
    EXPECT_LE(c.score, 1);
    if (c.type == TransitionType::fade) continue;
    EXPECT_TRUE(on_downbeat(a, c.exit)) << c.exit;
    EXPECT_TRUE(on_downbeat(b, c.entry)) << c.entry;
    EXPECT_GE(c.exit, 0.5 * a.end_time() - 1e-9);  // A plays at least half its music
    if (c.type == TransitionType::cut) {
      EXPECT_EQ(*c.overlap_bars, 0);
      EXPECT_EQ(c.a_seconds + c.b_seconds + c.mix_seconds, 0);
      continue;
    }
    // djb.plan/1: a / stretch_a = b / stretch_b = mix; bpm_A x stretch_a = target =
    // bpm_B x multiplier x stretch_b; both ends inside their tracks.
    EXPECT_NEAR(c.a_seconds / c.tempo.stretch_a, c.mix_seconds, 1e-9);
    EXPECT_NEAR(c.b_seconds / c.tempo.stretch_b, c.mix_seconds, 1e-9);
    EXPECT_NEAR(124 * c.tempo.stretch_a, *c.tempo.target_bpm, 1e-9);
    EXPECT_NEAR(126 * c.tempo.b_multiplier * c.tempo.stretch_b, *c.tempo.target_bpm, 1e-9);
    EXPECT_NEAR(c.a_seconds, *c.overlap_bars * a.bar_seconds(), 1e-9);
    EXPECT_LE(c.exit + c.a_seconds, a.end_time() + 0.05);
    EXPECT_LE(c.entry + c.b_seconds, b.end_time() + 0.05);
    // Within 5 %: A keeps its tempo and B follows.
    EXPECT_DOUBLE_EQ(c.tempo.stretch_a, 1.0);
  }
  for (auto t : {TransitionType::crossfade, TransitionType::bass_swap, TransitionType::cut,
                 TransitionType::filter, TransitionType::mashup, TransitionType::fade})
    EXPECT_TRUE(types.count(t)) << mix::type_name(t);
  // The best of all is what best_transition picks.
  const Candidate best = mix::best_transition(a, b);
  EXPECT_EQ(best.type, set.candidates[0].type);
  EXPECT_DOUBLE_EQ(best.score, set.candidates[0].score);
  EXPECT_DOUBLE_EQ(best.exit, set.candidates[0].exit);
  EXPECT_DOUBLE_EQ(best.entry, set.candidates[0].entry);
  // Same input, same bytes.
  EXPECT_EQ(mix::candidate_to_json(set.candidates[0]).dump(),
            mix::candidate_to_json(mix::transition_candidates(a, b).candidates[0]).dump());
}

TEST(Candidates, BeyondEightPercentOnlyCutAndFadeRemain) {
  const auto a = track(spec("a.wav", 124, "8A"));
  const auto b = track(spec("b.wav", 140, "8A"));
  const auto set = mix::transition_candidates(a, b);
  EXPECT_TRUE(has_rule(set, "tempo_range"));
  for (const auto& c : set.candidates)
    EXPECT_TRUE(c.type == TransitionType::cut || c.type == TransitionType::fade);
  EXPECT_GT(count_type(set, TransitionType::cut), 0);
  EXPECT_EQ(count_type(set, TransitionType::fade), 1);
}

TEST(Candidates, BetweenFiveAndEightPercentBothTracksMeetHalfWay) {
  const auto a = track(spec("a.wav", 124, "8A"));
  const auto b = track(spec("b.wav", 132, "8A"));  // 6.5 %
  const auto best = mix::best_transition(a, b);
  ASSERT_TRUE(best.tempo.target_bpm);
  EXPECT_NEAR(*best.tempo.target_bpm, std::sqrt(124.0 * 132.0), 1e-9);
  EXPECT_GT(best.tempo.stretch_a, 1.0);
  EXPECT_LT(best.tempo.stretch_b, 1.0);
  EXPECT_LT(std::abs(best.tempo.stretch_a - 1), 0.05);  // each side moves less than 5 %
}

TEST(Candidates, HalfTimeTrackIsCountedAtDoubleSpeed) {
  const auto a = track(spec("a.wav", 128, "8A"));
  const auto b = track(spec("b.wav", 64.5, "8A"));
  const auto best = mix::best_transition(a, b);
  ASSERT_NE(best.type, TransitionType::fade);
  if (best.type != TransitionType::cut) {  // a cut keeps both tempi
    EXPECT_EQ(best.tempo.b_multiplier, 2);
    EXPECT_NEAR(64.5 * 2 * best.tempo.stretch_b, 128, 1e-9);
    EXPECT_NEAR(best.b_seconds, best.a_seconds * 128 / 129.0, 1e-9);
  }
  const auto set = mix::transition_candidates(a, b);
  EXPECT_GT(count_type(set, TransitionType::bass_swap), 0);
  // A half-time mashup is not "truly compatible".
  EXPECT_EQ(count_type(set, TransitionType::mashup), 0);
  EXPECT_TRUE(has_rule(set, "mashup_tempo"));
}

TEST(Candidates, MashupNeedsCompatibleKeysAndRoom) {
  auto quiet = spec("a.wav", 124, "8A");
  quiet.energy_scale = 0.6;
  auto quiet_b = spec("b.wav", 124, "8B");
  quiet_b.energy_scale = 0.6;
  auto set = mix::transition_candidates(track(quiet), track(quiet_b));
  EXPECT_GT(count_type(set, TransitionType::mashup), 0);

  auto clash = spec("c.wav", 124, "2B");
  clash.energy_scale = 0.6;
  set = mix::transition_candidates(track(quiet), track(clash));
  EXPECT_EQ(count_type(set, TransitionType::mashup), 0);
  EXPECT_TRUE(has_rule(set, "mashup_key"));

  auto loud = spec("a.wav", 124, "8A"), loud_b = spec("b.wav", 124, "8A");
  loud.energy_scale = loud_b.energy_scale = 1.2;
  set = mix::transition_candidates(track(loud), track(loud_b));
  EXPECT_TRUE(has_rule(set, "mashup_energy"));
}

TEST(Candidates, BeatlessTrackFallsBackToAFade) {
  const auto a = track(spec("a.wav", 124, "8A"));
  const auto pad = mix::from_analysis(fixture::beatless(spec("pad.wav", 124, "")), "pad");
  for (const auto& [x, y] : {std::pair{&a, &pad}, std::pair{&pad, &a}}) {
    const auto set = mix::transition_candidates(*x, *y);
    ASSERT_EQ(set.candidates.size(), 1u);
    const Candidate& f = set.candidates[0];
    EXPECT_EQ(f.type, TransitionType::fade);
    EXPECT_FALSE(f.overlap_bars);
    EXPECT_DOUBLE_EQ(f.tempo.stretch_a, 1);
    EXPECT_DOUBLE_EQ(f.tempo.stretch_b, 1);
    EXPECT_FALSE(f.tempo.target_bpm);
    EXPECT_DOUBLE_EQ(f.mix_seconds, 8);
    EXPECT_NEAR(f.exit + f.a_seconds, x->end_time(), 1e-9);
    EXPECT_TRUE(has_rule(set, "no_beat_grid"));
    const auto j = mix::candidate_to_json(f);
    EXPECT_TRUE(j["overlap_bars"].is_null());
    EXPECT_EQ(j["params"]["curve"], "equal_power");
    EXPECT_DOUBLE_EQ(j["breakdown"]["tempo"].get<double>(), mix::kFadeTempoTerm);
    EXPECT_DOUBLE_EQ(j["breakdown"]["harmonic"].get<double>(), 0.8);  // no key: relaxed
  }
}

TEST(Candidates, MinExitIsAHardRule) {
  const auto a = track(spec("a.wav", 124, "8A"));
  const auto b = track(spec("b.wav", 124, "8A"));
  mix::CandidateOptions o;
  o.min_exit = a.end_time() - 10 * a.bar_seconds();
  const auto set = mix::transition_candidates(a, b, o);
  EXPECT_TRUE(has_rule(set, "exit_too_early"));
  for (const auto& c : set.candidates) EXPECT_GE(c.exit, *o.min_exit - 1e-9);
  // Past the end of A's music nothing but a zero-length fade is left, and it still exists.
  o.min_exit = a.duration;
  const auto late = mix::transition_candidates(a, b, o);
  ASSERT_EQ(late.candidates.size(), 1u);
  EXPECT_EQ(late.candidates[0].type, TransitionType::fade);
  EXPECT_DOUBLE_EQ(late.candidates[0].mix_seconds, 0);
}

TEST(Candidates, ParamsPerTypeAsTheRendererReadsThem) {
  const auto a = track(spec("a.wav", 124, "8A"));
  const auto b = track(spec("b.wav", 124, "8A"));
  const auto set = mix::transition_candidates(a, b);
  bool seen_swap = false, seen_cut = false, seen_filter = false;
  for (const auto& c : set.candidates) {
    const auto j = mix::candidate_to_json(c);
    EXPECT_EQ(j.begin().key(), "type");
    if (c.type == TransitionType::bass_swap && !seen_swap) {
      seen_swap = true;
      EXPECT_EQ(j["params"]["swap_bar"], *c.overlap_bars / 2);
      EXPECT_EQ(j["params"]["shelf_hz"], 180);
    }
    if (c.type == TransitionType::cut && !seen_cut) {
      seen_cut = true;
      EXPECT_EQ(j["params"]["fade_ms"], 8);
      EXPECT_EQ(j["overlap"]["mix_seconds"], 0.0);
    }
    if (c.type == TransitionType::filter && !seen_filter) {
      seen_filter = true;
      const std::string f = j["params"]["filter"];
      EXPECT_TRUE(f == "highpass" || f == "lowpass");
      EXPECT_TRUE(j["params"].contains("from_hz") && j["params"].contains("to_hz"));
    }
    if (c.type == TransitionType::mashup) {
      EXPECT_TRUE(j["params"].empty());
    }
  }
  EXPECT_TRUE(seen_swap && seen_cut && seen_filter);
}

TEST(Candidates, BassHeavyOverlapPrefersBassSwapToCrossfade) {
  // Same positions, same length: only the clash term differs, in bass_swap's favour.
  const auto a = track(spec("a.wav", 124, "8A"));
  const auto b = track(spec("b.wav", 124, "8A"));
  const auto set = mix::transition_candidates(a, b);
  for (const auto& s : set.candidates) {
    if (s.type != TransitionType::bass_swap) continue;
    for (const auto& x : set.candidates)
      if (x.type == TransitionType::crossfade && x.exit == s.exit && x.entry == s.entry &&
          x.overlap_bars == s.overlap_bars) {
        EXPECT_GE(s.breakdown[5], x.breakdown[5]);
        EXPECT_GE(s.score, x.score);
      }
  }
}

TEST(Candidates, DroppingIntoALowerEnergyTrackScoresLower) {
  // Tracks that hit hard throughout; the same positions into a copy that hits half as hard:
  // the energy term falls everywhere.
  auto full = [](const std::string& path, double scale) {
    auto s = spec(path, 124, "8A");
    s.sections = {{"drop", 16}, {"drop", 16}, {"drop", 16}, {"drop", 16}};
    s.energy_scale = scale;
    return track(s);
  };
  const auto a = full("a.wav", 1);
  const auto same = mix::transition_candidates(a, full("b.wav", 1));
  const auto low = mix::transition_candidates(a, full("c.wav", 0.5));
  int compared = 0;
  for (const auto& s : same.candidates)
    for (const auto& w : low.candidates)
      if (s.type == w.type && s.exit == w.exit && s.entry == w.entry &&
          s.overlap_bars == w.overlap_bars) {
        ++compared;
        EXPECT_NEAR(s.breakdown[2], 1.0, 1e-9);
        EXPECT_NEAR(w.breakdown[2], 1 - 1.5 * 0.4, 1e-9);  // 0.8 -> 0.4
      }
  EXPECT_GT(compared, 50);
}

TEST(Candidates, AnExitInAsOutroBeatsOneOfTheSameLengthInItsLastDrop) {
  // The outro as djb-analyze reports it, with the tail bar: an overlap from its start ends one
  // bar before the track's end, while one from 16 bars into the last drop ends on the outro.
  auto s = spec("a.wav", 124, "8A");
  s.sections = {{"intro", 16}, {"drop", 16}, {"breakdown", 8}, {"drop", 32}, {"outro", 17}};
  const auto a = flat(s);
  const auto b = flat(spec("b.wav", 124, "8A"));
  const double bar = a.bar_seconds();
  const auto set = mix::transition_candidates(a, b);
  for (auto type : {TransitionType::crossfade, TransitionType::bass_swap}) {
    const Candidate* outro = find(set, type, 72 * bar, 0, 16);
    const Candidate* drop = find(set, type, 56 * bar, 0, 16);
    ASSERT_TRUE(outro && drop) << mix::type_name(type);
    EXPECT_GT(outro->breakdown[3], drop->breakdown[3]) << mix::type_name(type);
    EXPECT_GT(outro->score, drop->score) << mix::type_name(type);
  }
  // And the best of all leaves A in its outro.
  const Candidate best = mix::best_transition(a, b);
  EXPECT_GE(best.exit, 72 * bar - 1e-6);
  EXPECT_EQ(best.entry, 0);
}

TEST(Candidates, AnEntryAtBsIntroBeatsOneInItsDrop) {
  // B's intro is 8 bars: 16 bars from its start end mid-phrase, 16 from its drop on the
  // breakdown, so alignment alone would enter B in its drop.
  auto sb = spec("b.wav", 124, "8A");
  sb.sections = {{"intro", 8}, {"drop", 16}, {"breakdown", 8}, {"drop", 16}, {"outro", 16}};
  const auto a = flat(spec("a.wav", 124, "8A"));
  const auto b = flat(sb);
  const double exit = 56 * a.bar_seconds();  // A's outro
  const auto set = mix::transition_candidates(a, b);
  for (auto type : {TransitionType::crossfade, TransitionType::bass_swap}) {
    const Candidate* intro = find(set, type, exit, 0, 16);
    const Candidate* drop = find(set, type, exit, *b.first_drop, 16);
    ASSERT_TRUE(intro && drop) << mix::type_name(type);
    EXPECT_GT(intro->breakdown[3], drop->breakdown[3]) << mix::type_name(type);
    EXPECT_GT(intro->score, drop->score) << mix::type_name(type);
  }
  // A cut into B's drop is worse than one into its intro for the same reason.
  const Candidate* cut_intro = find(set, TransitionType::cut, exit, 0, 0);
  const Candidate* cut_drop = find(set, TransitionType::cut, exit, *b.first_drop, 0);
  ASSERT_TRUE(cut_intro && cut_drop);
  EXPECT_GT(cut_intro->breakdown[3], cut_drop->breakdown[3]);
}

// B opens with a 16-bar intro at another tempo (analysis tempo_segments): no overlap takes
// any of it in, since A's steady beats would drift against it.
TEST(Candidates, OverlapsStayOutOfAnOffTempoIntro) {
  const auto a = track(spec("a.wav", 124, "8A"));
  audio::Json doc = fixture::analysis(spec("b.wav", 126, "9A"));
  const double bar = 4 * 60.0 / 126;
  doc["tempo_segments"] = audio::Json::array(
      {{{"start", 0.0}, {"end", 16 * bar - 0.5}, {"bpm", 131.0}, {"phase", 0.0}},
       {{"start", 16 * bar}, {"end", 80 * bar}, {"bpm", 126.0}, {"phase", 16 * bar}}});
  const auto b = mix::from_analysis(doc, "b.wav");
  EXPECT_FALSE(b.steady(15 * bar, 17 * bar));
  EXPECT_TRUE(b.steady(16 * bar, 24 * bar));
  const auto set = mix::transition_candidates(a, b);
  EXPECT_TRUE(has_rule(set, "off_tempo"));
  for (const Candidate& c : set.candidates) {
    if (c.type != TransitionType::fade && c.overlap_bars && *c.overlap_bars > 0) {
      EXPECT_GE(c.entry, 16 * bar - 1e-6) << mix::candidate_to_json(c).dump();
    }
  }
}

}  // namespace
