// Learns the score weights from a person's verdicts on transitions (djb.feedback/1 records).
//
// A record holds the breakdown of a candidate it judged and the verdict: "accepted"
// (true/false) or "rating" (1..5, mapped to (rating - 1) / 4). The model is logistic:
// P(liked) = sigmoid(bias + sum_i u_i x_i) with x_i the six terms; it is fitted by plain
// full-batch gradient descent on the cross-entropy (soft targets for ratings) with a small
// L2 penalty, the u_i kept >= 0 (a term never counts against a transition) and starting
// from the default weights. Fixed step, fixed epochs, records in file order: the same
// feedback gives the same weights, bit for bit. Since the score is a weighted mean, only
// the weights' ratios matter; they are scaled to sum to 6 (the six defaults' scale).
#pragma once

#include <string>
#include <vector>

#include "libaudio/json_out.hpp"
#include "libmix/transition_score.hpp"

namespace mix {

struct Feedback {
  Breakdown breakdown;
  double target = 0;  // 0..1: 1 = accepted / top rating
};

// Parses one djb.feedback/1 record. Throws Error(data, subject).
Feedback feedback_from_json(const audio::Json& j, const std::string& subject);
// All records of a JSON Lines file ("-" = stdin); blank lines skipped.
std::vector<Feedback> read_feedback(const std::string& path);

struct LearnOptions {
  int epochs = 4000;
  double step = 0.5;
  double l2 = 1e-3;
};

struct LearnResult {
  Weights weights;
  double log_loss = 0;      // mean cross-entropy on the training records at the end
  double accuracy = 0;      // share of records on the right side of 0.5
  double initial_loss = 0;  // the same loss before fitting
  int records = 0;
};

// Throws Error(data) for fewer than 2 records or verdicts that are all the same.
LearnResult learn_weights(const std::vector<Feedback>& records, const LearnOptions& options = {});

// djb.weights/1 with "source": "learned" and the fit's figures.
audio::Json learned_to_json(const LearnResult& r);

// Share of pairs (a, b) with truth[a] != truth[b] that `w` orders the same way as truth.
double pairwise_accuracy(const std::vector<Breakdown>& items, const std::vector<double>& truth,
                         const Weights& w);

}  // namespace mix
