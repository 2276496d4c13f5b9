#include "libmix/set_planner.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <numeric>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libmix/mix_fixture.hpp"
#include "test_util.hpp"

namespace {

using mix::OrderProblem;

using testutil::Lcg;

OrderProblem random_problem(int n, std::uint64_t seed) {
  Lcg r{seed};
  OrderProblem p;
  p.pair.assign(n, std::vector<double>(n, 0));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (i != j) p.pair[i][j] = r.next();
  return p;
}

double brute_force(const OrderProblem& p) {
  std::vector<int> o(p.pair.size());
  std::iota(o.begin(), o.end(), 0);
  double best = -1e300;
  do {
    if (p.first && o.front() != *p.first) continue;
    if (p.last && o.back() != *p.last) continue;
    best = std::max(best, mix::order_objective(p, o));
  } while (std::next_permutation(o.begin(), o.end()));
  return best;
}

bool is_permutation_of_all(const std::vector<int>& o, int n) {
  std::vector<int> s = o;
  std::sort(s.begin(), s.end());
  std::vector<int> want(n);
  std::iota(want.begin(), want.end(), 0);
  return s == want;
}

// Greedy's trap: the best single pair (0 -> 1) leads into a dead end, while the best set
// starts elsewhere and reaches 0 -> 1 last.
TEST(SetPlanner, BeatsGreedyWhereGreedyIsTrapped) {
  OrderProblem p;
  p.pair = {{0, 0.95, 0.2, 0.2},  //
            {0.1, 0, 0.1, 0.1},
            {0.2, 0.2, 0, 0.9},
            {0.9, 0.2, 0.2, 0}};
  const auto greedy = mix::greedy_order(p);
  EXPECT_EQ(greedy.front(), 0);  // it takes the best pair first...
  const double g = mix::order_objective(p, greedy);
  const auto r = mix::plan_order(p);
  EXPECT_EQ(r.method, "exact");
  EXPECT_EQ(r.order, (std::vector<int>{2, 3, 0, 1}));
  EXPECT_NEAR(r.objective, 0.9 + 0.9 + 0.95, 1e-12);
  EXPECT_GT(r.objective, g + 0.5);  // ...and loses by 0.8
  std::printf("greedy %.3f, exact %.3f\n", g, r.objective);

  // The same trap inside a set too large for the exact search: beam search + 2-opt.
  mix::OrderOptions big;
  big.exact_limit = 2;
  const auto b = mix::plan_order(p, big);
  EXPECT_NE(b.method, "exact");
  EXPECT_NEAR(b.objective, r.objective, 1e-12);
}

TEST(SetPlanner, ExactSearchIsOptimal) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    auto p = random_problem(7, seed);
    EXPECT_NEAR(mix::plan_order(p).objective, brute_force(p), 1e-12) << seed;
    p.first = 3;
    p.last = 5;
    const auto r = mix::plan_order(p);
    EXPECT_EQ(r.order.front(), 3);
    EXPECT_EQ(r.order.back(), 5);
    EXPECT_NEAR(r.objective, brute_force(p), 1e-12) << seed;
  }
}

TEST(SetPlanner, BeamAndTwoOptBeatGreedyOnLargerSets) {
  // A planted best chain (every step 0.9) hidden among weak pairs (below 0.5), with a few
  // strong shortcuts (0.95) that lead greedy astray.
  const int n = 60;
  Lcg r{7};
  std::vector<int> chain(n);
  std::iota(chain.begin(), chain.end(), 0);
  for (int i = n - 1; i > 0; --i) std::swap(chain[i], chain[static_cast<int>(r.next() * (i + 1))]);
  OrderProblem p;
  p.pair.assign(n, std::vector<double>(n, 0));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (i != j) p.pair[i][j] = 0.5 * r.next();
  for (int k = 0; k + 1 < n; ++k) p.pair[chain[k]][chain[k + 1]] = 0.9;
  for (int k = 0; k + 3 < n; k += 5) p.pair[chain[k]][chain[k + 3]] = 0.95;
  const double planted = mix::order_objective(p, chain);
  const double greedy = mix::order_objective(p, mix::greedy_order(p));
  const auto res = mix::plan_order(p);
  ASSERT_TRUE(is_permutation_of_all(res.order, n));
  std::printf("60 tracks: greedy %.3f, %s %.3f, planted chain %.3f\n", greedy, res.method.c_str(),
              res.objective, planted);
  EXPECT_GT(res.objective, greedy + 1.0);
  EXPECT_GE(res.objective, planted - 1e-9);
  // Random sets: never worse than greedy.
  for (std::uint64_t seed = 11; seed <= 14; ++seed) {
    auto q = random_problem(40, seed);
    const auto o = mix::plan_order(q);
    EXPECT_GE(o.objective, mix::order_objective(q, mix::greedy_order(q)) - 1e-12);
    EXPECT_TRUE(is_permutation_of_all(o.order, 40));
  }
}

TEST(SetPlanner, ConstraintsHoldInEveryMethod) {
  for (int exact_limit : {12, 2}) {
    auto p = random_problem(9, 3);
    mix::OrderOptions o;
    o.exact_limit = exact_limit;
    p.first = 4;
    p.last = 0;
    const auto r = mix::plan_order(p, o);
    EXPECT_EQ(r.order.front(), 4);
    EXPECT_EQ(r.order.back(), 0);
    EXPECT_TRUE(is_permutation_of_all(r.order, 9));
    p.first.reset();
    p.last.reset();
    p.keep_order = true;
    EXPECT_EQ(mix::plan_order(p, o).order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  }
}

TEST(SetPlanner, EnergyArcs) {
  // All transitions equal: only the arc decides.
  const int n = 7;
  OrderProblem p;
  p.pair.assign(n, std::vector<double>(n, 0.5));
  p.energy = {0.5, 0.2, 0.9, 0.4, 0.7, 0.3, 0.8};
  p.arc = mix::Arc::rise;
  for (int exact_limit : {12, 2}) {
    mix::OrderOptions o;
    o.exact_limit = exact_limit;
    const auto rise = mix::plan_order(p, o);
    for (int k = 1; k < n; ++k)
      EXPECT_LT(p.energy[rise.order[k - 1]], p.energy[rise.order[k]]) << exact_limit;
  }
  p.arc = mix::Arc::peak;
  const auto peak = mix::plan_order(p);
  EXPECT_EQ(peak.order[4], 2);  // the highest level at two thirds of the set
  EXPECT_LT(p.energy[peak.order.front()], p.energy[peak.order[4]]);
  EXPECT_LT(p.energy[peak.order.back()], p.energy[peak.order[4]]);
}

mix::MixTrack track(const std::string& path, double bpm, const std::string& key, int level,
                    const std::string& sha) {
  fixture::TrackSpec s;
  s.path = path;
  s.sha256 = sha;
  s.bpm = bpm;
  s.key = key;
  s.level = level;
  s.sections = {{"intro", 16}, {"drop", 16}, {"breakdown", 8}, {"drop", 16}, {"outro", 16}};
  return mix::from_analysis(fixture::analysis(s), path);
}

TEST(SetPlan, PlayRangesTransitionsAndDurationAgree) {
  std::vector<mix::MixTrack> tracks = {
      track("a.wav", 124, "8A", 6, "a"), track("b.wav", 125, "9A", 7, "b"),
      track("c.wav", 126, "10A", 8, "c"), track("d.wav", 123, "8B", 5, "d")};
  mix::SetOptions o;
  o.jobs = 2;
  const auto plan = mix::plan_set(tracks, o);
  ASSERT_EQ(plan.tracks.size(), 4u);
  ASSERT_EQ(plan.transitions.size(), 3u);
  double total = 0, score = 0;
  for (std::size_t k = 0; k < plan.tracks.size(); ++k) {
    const auto& pt = plan.tracks[k];
    total += pt.play_end - pt.play_start;
    if (k == 0) {
      EXPECT_DOUBLE_EQ(pt.play_start, mix::opener_start(tracks[pt.input]).time);
    } else {
      const auto& in = plan.transitions[k - 1];
      EXPECT_DOUBLE_EQ(pt.play_start, in.entry);
      if (k < plan.transitions.size()) {
        // A track hands over only after it has fully arrived.
        EXPECT_GE(plan.transitions[k].exit, in.entry + in.b_seconds - 1e-9);
      }
    }
    if (k < plan.transitions.size()) {
      const auto& out = plan.transitions[k];
      EXPECT_DOUBLE_EQ(pt.play_end, out.exit + out.a_seconds);
      total -= out.a_seconds + out.b_seconds - out.mix_seconds;
      score += out.score;
    } else {
      EXPECT_DOUBLE_EQ(pt.play_end, tracks[pt.input].end_time());
    }
  }
  EXPECT_NEAR(plan.duration, total, 1e-9);
  EXPECT_NEAR(plan.score, score / 3, 1e-12);
  const auto j = mix::plan_to_json(tracks, plan, o);
  EXPECT_EQ(j.begin().key(), "schema");
  EXPECT_EQ(j["schema"], "djb.plan/1");
  EXPECT_EQ(j["transitions"][1]["from"], 1);
  EXPECT_EQ(j["transitions"][1]["to"], 2);
  EXPECT_EQ(j["tracks"][0]["index"], 0);
  // Deterministic, whatever the threads.
  o.jobs = 1;
  EXPECT_EQ(mix::plan_to_json(tracks, mix::plan_set(tracks, o), o).dump(), j.dump());
}

TEST(SetPlan, EachTrackLeavesInItsOutroIntoTheNextOnesIntro) {
  // Outros as djb-analyze reports them (17 bars with the tail bar), a long last drop: the
  // plan mixes out of each outro, and the next track's drop comes after the overlap.
  auto make = [](const char* path, double bpm, const char* key) {
    fixture::TrackSpec s;
    s.path = path;
    s.bpm = bpm;
    s.key = key;
    s.sections = {{"intro", 16}, {"drop", 16}, {"breakdown", 8}, {"drop", 32}, {"outro", 17}};
    audio::Json doc = fixture::analysis(s);
    for (auto& bar : doc["energy"]["bars"]) bar["energy"] = bar["low"] = bar["mid"] = 0.5;
    return mix::from_analysis(doc, path);
  };
  std::vector<mix::MixTrack> tracks = {make("a.wav", 124, "8A"), make("b.wav", 125, "9A"),
                                       make("c.wav", 126, "8A")};
  mix::SetOptions o;
  o.jobs = 1;
  const auto plan = mix::plan_set(tracks, o);
  ASSERT_EQ(plan.transitions.size(), 2u);
  for (std::size_t k = 0; k < plan.transitions.size(); ++k) {
    const auto& t = plan.transitions[k];
    const auto& a = tracks[plan.tracks[k].input];
    const auto& b = tracks[plan.tracks[k + 1].input];
    EXPECT_GE(t.exit, *a.outro_start - 1e-6) << k;
    EXPECT_LE(t.entry + t.b_seconds, *b.first_drop + 1e-6) << k;
  }
}

TEST(SetPlan, OneTrackAndLengthLimit) {
  std::vector<mix::MixTrack> one = {track("a.wav", 124, "8A", 6, "a")};
  const auto p1 = mix::plan_set(one, {});
  ASSERT_EQ(p1.tracks.size(), 1u);
  EXPECT_TRUE(p1.transitions.empty());
  EXPECT_NEAR(p1.duration, one[0].end_time() - *one[0].mix_in, 1e-9);
  const auto j = mix::plan_to_json(one, p1, {});
  EXPECT_TRUE(j["transitions"].empty());

  std::vector<mix::MixTrack> three = {track("a.wav", 124, "8A", 6, "a"),
                                      track("b.wav", 124, "8A", 6, "b"),
                                      track("c.wav", 124, "8A", 6, "c")};
  mix::SetOptions o;
  o.keep_order = true;
  const double full = mix::plan_set(three, o).duration;
  o.max_length = full - 1;
  const auto cut = mix::plan_set(three, o);
  EXPECT_EQ(cut.dropped_for_length, 1);
  EXPECT_LE(cut.duration, full - 1);
  EXPECT_EQ(cut.tracks.size(), 2u);
  EXPECT_EQ(cut.tracks.back().input, 1);
  o.keep_order = false;
  o.last = 2;
  const auto keep_last = mix::plan_set(three, o);
  EXPECT_EQ(keep_last.tracks.back().input, 2);
  o.first = 2;
  EXPECT_THROW(mix::plan_set(three, o), audio::Error);
}

// The opener plays from its beginning: a music start a few bars in (a count-in) is where it
// starts; one far in (a long quiet intro that analysis did not call music) is not, and the
// plan says why either way. The closer plays to its end.
TEST(SetPlan, OpenerPlaysItsIntroAndCloserPlaysToItsEnd) {
  auto with_music_start = [](double mix_in) {
    mix::MixTrack t = track("a.wav", 120, "8A", 6, "a");  // 2 s bars
    t.audible_start = 0.3;
    t.mix_in = mix_in;
    return t;
  };
  const mix::OpenerStart near = mix::opener_start(with_music_start(4.3));
  EXPECT_DOUBLE_EQ(near.time, 4.3);
  EXPECT_NE(near.reason.find("music start"), std::string::npos) << near.reason;
  const mix::OpenerStart far = mix::opener_start(with_music_start(0.3 + 8 * 2.0 + 2.0));
  EXPECT_DOUBLE_EQ(far.time, 0.3);
  EXPECT_NE(far.reason.find("audible start"), std::string::npos) << far.reason;
  EXPECT_DOUBLE_EQ(mix::opener_start(with_music_start(0.3)).time, 0.3);

  std::vector<mix::MixTrack> tracks = {with_music_start(150.0), track("b.wav", 121, "9A", 7, "b")};
  mix::SetOptions o;
  o.keep_order = true;
  const auto plan = mix::plan_set(tracks, o);
  EXPECT_DOUBLE_EQ(plan.tracks.front().play_start, 0.3);
  EXPECT_DOUBLE_EQ(plan.tracks.back().play_end, tracks[1].end_time());
  const auto j = mix::plan_to_json(tracks, plan, o);
  EXPECT_EQ(j["tracks"][0]["play"]["start_reason"], mix::opener_start(tracks[0]).reason);
  EXPECT_NE(j["tracks"][1]["play"]["end_reason"].get<std::string>().find("end"), std::string::npos);
}

}  // namespace
