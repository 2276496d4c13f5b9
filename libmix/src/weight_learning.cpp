#include "libmix/weight_learning.hpp"

#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "libaudio/error.hpp"
#include "libaudio/input_file.hpp"
#include "libaudio/version.hpp"

namespace mix {

using audio::Error;
using audio::Exit;
using audio::Json;

Feedback feedback_from_json(const Json& j, const std::string& subject) {
  audio::require_schema(j, "djb.feedback/1", subject, "record");
  const auto breakdown = j.find("breakdown");
  if (breakdown == j.end()) throw Error(Exit::data, subject, "missing \"breakdown\"");
  Feedback f;
  f.breakdown = breakdown_from_json(*breakdown, subject);
  const auto accepted = j.find("accepted");
  const auto rating = j.find("rating");
  const bool has_a = accepted != j.end() && !accepted->is_null();
  const bool has_r = rating != j.end() && !rating->is_null();
  if (has_a == has_r)
    throw Error(Exit::data, subject, "needs exactly one of \"accepted\" and \"rating\"");
  if (has_a) {
    if (!accepted->is_boolean()) throw Error(Exit::data, subject, "\"accepted\" is not true/false");
    f.target = accepted->get<bool>() ? 1 : 0;
  } else {
    if (!rating->is_number()) throw Error(Exit::data, subject, "\"rating\" is not a number");
    const double r = rating->get<double>();
    if (!(r >= 1 && r <= 5)) throw Error(Exit::data, subject, "\"rating\" is not in 1..5");
    f.target = (r - 1) / 4;
  }
  return f;
}

std::vector<Feedback> read_feedback(const std::string& path) {
  std::istringstream in(audio::read_input_text(path));
  const std::string name = path == "-" ? "stdin" : path;
  std::vector<Feedback> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string subject = name + " line " + std::to_string(number);
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded()) throw Error(Exit::data, subject, "not JSON");
    out.push_back(feedback_from_json(j, subject));
  }
  return out;
}

namespace {
double sigmoid(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

double loss_of(const std::vector<Feedback>& recs, const std::array<double, kTerms>& u, double bias,
               double* accuracy) {
  double loss = 0;
  int right = 0;
  for (const auto& r : recs) {
    double z = bias;
    for (int i = 0; i < kTerms; ++i) z += u[static_cast<std::size_t>(i)] * r.breakdown[i];
    const double p = std::clamp(sigmoid(z), 1e-12, 1 - 1e-12);
    loss -= r.target * std::log(p) + (1 - r.target) * std::log(1 - p);
    if ((p >= 0.5) == (r.target >= 0.5)) ++right;
  }
  if (accuracy) *accuracy = static_cast<double>(right) / static_cast<double>(recs.size());
  return loss / static_cast<double>(recs.size());
}
}  // namespace

LearnResult learn_weights(const std::vector<Feedback>& recs, const LearnOptions& o) {
  if (recs.size() < 2)
    throw Error(Exit::data, "", "need at least 2 feedback records to learn from");
  bool varied = false;
  for (const auto& r : recs) varied |= r.target != recs.front().target;
  if (!varied) throw Error(Exit::data, "", "every record has the same verdict: nothing to learn");

  std::array<double, kTerms> u = Weights{}.v;
  double bias = 0;
  // Start from the defaults, scaled to a reasonable logit range, with a bias that centres them.
  {
    double mean_z = 0;
    for (const auto& r : recs)
      for (int i = 0; i < kTerms; ++i) mean_z += u[static_cast<std::size_t>(i)] * r.breakdown[i];
    bias = -mean_z / static_cast<double>(recs.size());
  }
  LearnResult result;
  result.records = static_cast<int>(recs.size());
  result.initial_loss = loss_of(recs, u, bias, nullptr);
  const double n = static_cast<double>(recs.size());
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    std::array<double, kTerms> g{};
    double gb = 0;
    for (const auto& r : recs) {
      double z = bias;
      for (int i = 0; i < kTerms; ++i) z += u[static_cast<std::size_t>(i)] * r.breakdown[i];
      const double err = sigmoid(z) - r.target;
      for (int i = 0; i < kTerms; ++i) g[static_cast<std::size_t>(i)] += err * r.breakdown[i];
      gb += err;
    }
    for (int i = 0; i < kTerms; ++i) {
      auto& w = u[static_cast<std::size_t>(i)];
      w -= o.step * (g[static_cast<std::size_t>(i)] / n + o.l2 * w);
      w = std::max(0.0, w);  // projected: weights stay non-negative
    }
    bias -= o.step * gb / n;
  }
  result.log_loss = loss_of(recs, u, bias, &result.accuracy);
  double total = 0;
  for (double w : u) total += w;
  if (total <= 0)
    throw Error(Exit::data, "", "the feedback favours no term (every weight fitted 0)");
  for (int i = 0; i < kTerms; ++i)
    result.weights[i] = u[static_cast<std::size_t>(i)] * kTerms / total;
  return result;
}

Json learned_to_json(const LearnResult& r) {
  Json j = Json::object();
  j["schema"] = "djb.weights/1";
  j["toolkit_version"] = audio::kToolkitVersion;
  j["source"] = "learned";
  j["weights"] = weights_to_json(r.weights)["weights"];
  j["training"] = {{"records", r.records},
                   {"initial_log_loss", audio::round_to(r.initial_loss, 4)},
                   {"log_loss", audio::round_to(r.log_loss, 4)},
                   {"accuracy", audio::round_to(r.accuracy, 4)}};
  return j;
}

double pairwise_accuracy(const std::vector<Breakdown>& items, const std::vector<double>& truth,
                         const Weights& w) {
  long long pairs = 0, right = 0;
  std::vector<double> s;
  for (const auto& b : items) s.push_back(combine(b, w));
  for (std::size_t a = 0; a < items.size(); ++a)
    for (std::size_t b = a + 1; b < items.size(); ++b) {
      if (truth[a] == truth[b]) continue;
      ++pairs;
      if ((truth[a] > truth[b]) == (s[a] > s[b]) && s[a] != s[b]) ++right;
    }
  return pairs ? static_cast<double>(right) / static_cast<double>(pairs) : 0;
}

}  // namespace mix
