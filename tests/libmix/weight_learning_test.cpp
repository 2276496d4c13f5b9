#include "libmix/weight_learning.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "test_util.hpp"

namespace {

using audio::Json;

using testutil::Lcg;

mix::Breakdown random_breakdown(Lcg& r) {
  mix::Breakdown b;
  for (int i = 0; i < mix::kTerms; ++i) b[i] = 0.2 + 0.8 * r.next();
  return b;
}

double utility(const mix::Breakdown& b, const mix::Weights& w) {
  return mix::combine(b, w);
}

// A listener who cares about harmony and clashing bass lines above all and hardly at all
// about tempo glides or coverage: unlike the defaults.
mix::Weights hidden() {
  mix::Weights w;
  w.v = {0.2, 3.0, 0.3, 0.4, 0.05, 2.5};
  return w;
}

TEST(WeightLearning, LearnedWeightsRankHeldOutPairsBetterThanTheDefaults) {
  Lcg r{2024};
  const mix::Weights truth = hidden();
  // Training: accept/reject decisions, noisy (logistic in the hidden utility).
  std::vector<mix::Feedback> train;
  for (int i = 0; i < 800; ++i) {
    mix::Feedback f;
    f.breakdown = random_breakdown(r);
    const double p = 1 / (1 + std::exp(-25 * (utility(f.breakdown, truth) - 0.6)));
    f.target = r.next() < p ? 1 : 0;
    train.push_back(f);
  }
  // Held out: other candidates, ranked by the hidden utility.
  std::vector<mix::Breakdown> test;
  std::vector<double> truth_scores;
  for (int i = 0; i < 300; ++i) {
    test.push_back(random_breakdown(r));
    truth_scores.push_back(utility(test.back(), truth));
  }
  const auto learned = mix::learn_weights(train);
  const double acc_default = mix::pairwise_accuracy(test, truth_scores, mix::Weights{});
  const double acc_learned = mix::pairwise_accuracy(test, truth_scores, learned.weights);
  std::printf("held-out pairwise ranking accuracy: defaults %.3f, learned %.3f\n", acc_default,
              acc_learned);
  std::printf("learned weights:");
  for (int i = 0; i < mix::kTerms; ++i)
    std::printf(" %s %.3f", mix::kTermNames[i], learned.weights[i]);
  std::printf("\ntraining log loss %.4f -> %.4f, accuracy %.3f\n", learned.initial_loss,
              learned.log_loss, learned.accuracy);
  EXPECT_GT(acc_learned, acc_default + 0.05);
  EXPECT_GT(acc_learned, 0.9);
  EXPECT_LT(learned.log_loss, learned.initial_loss);
  // The terms the listener cares about come out on top.
  EXPECT_GT(learned.weights[1], learned.weights[0]);
  EXPECT_GT(learned.weights[5], learned.weights[4]);
  double sum = 0;
  for (int i = 0; i < mix::kTerms; ++i) {
    EXPECT_GE(learned.weights[i], 0);
    sum += learned.weights[i];
  }
  EXPECT_NEAR(sum, 6, 1e-9);
  // Bit-for-bit the same from the same feedback.
  EXPECT_EQ(mix::learned_to_json(mix::learn_weights(train)).dump(),
            mix::learned_to_json(learned).dump());
}

TEST(WeightLearning, RatingsWorkAsSoftTargets) {
  Lcg r{99};
  const mix::Weights truth = hidden();
  std::vector<mix::Feedback> train;
  for (int i = 0; i < 400; ++i) {
    mix::Feedback f;
    f.breakdown = random_breakdown(r);
    const double u = utility(f.breakdown, truth);
    const double rating = std::clamp(std::round(1 + 4 * (u - 0.35) / 0.5), 1.0, 5.0);
    f.target = (rating - 1) / 4;
    train.push_back(f);
  }
  std::vector<mix::Breakdown> test;
  std::vector<double> truth_scores;
  for (int i = 0; i < 200; ++i) {
    test.push_back(random_breakdown(r));
    truth_scores.push_back(utility(test.back(), truth));
  }
  const auto learned = mix::learn_weights(train);
  EXPECT_GT(mix::pairwise_accuracy(test, truth_scores, learned.weights),
            mix::pairwise_accuracy(test, truth_scores, mix::Weights{}));
}

TEST(WeightLearning, FeedbackRecords) {
  Json rec = {{"schema", "djb.feedback/1"},
              {"breakdown",
               {{"tempo", 1},
                {"harmonic", 0.9},
                {"energy", 0.5},
                {"phrase", 1},
                {"coverage", 0.7},
                {"clash", 0.3}}},
              {"accepted", true}};
  auto f = mix::feedback_from_json(rec, "x");
  EXPECT_DOUBLE_EQ(f.target, 1);
  EXPECT_DOUBLE_EQ(f.breakdown[5], 0.3);
  rec.erase("accepted");
  rec["rating"] = 4;
  EXPECT_DOUBLE_EQ(mix::feedback_from_json(rec, "x").target, 0.75);
  auto code = [](const Json& j) {
    return testutil::exit_code_of([&] { mix::feedback_from_json(j, "x"); });
  };
  Json both = rec;
  both["accepted"] = false;
  EXPECT_EQ(code(both), audio::Exit::data);
  Json bad_rating = rec;
  bad_rating["rating"] = 9;
  EXPECT_EQ(code(bad_rating), audio::Exit::data);
  Json no_term = rec;
  no_term["breakdown"].erase("clash");
  EXPECT_EQ(code(no_term), audio::Exit::data);
  Json other = rec;
  other["schema"] = "djb.plan/1";
  EXPECT_EQ(code(other), audio::Exit::data);

  testutil::TempDir dir;
  const auto path = dir / "f.jsonl";
  {
    std::ofstream out(path);
    out << rec.dump() << "\n\n" << rec.dump() << "\n";
  }
  EXPECT_EQ(mix::read_feedback(path).size(), 2u);
  // Nothing to learn from one verdict.
  std::vector<mix::Feedback> same(5, f);
  EXPECT_THROW(mix::learn_weights(same), audio::Error);
  EXPECT_THROW(mix::learn_weights({f}), audio::Error);
}

}  // namespace
