#include "libmix/transition_score.hpp"

#include <algorithm>
#include <cmath>

#include "libaudio/error.hpp"

namespace mix {

using audio::Error;
using audio::Exit;
using audio::Json;

namespace {
constexpr std::array<const char*, 6> kTypeNames = {"crossfade", "bass_swap", "cut",
                                                   "filter",    "mashup",    "fade"};
double clamp01(double x) {
  return std::clamp(x, 0.0, 1.0);
}
}  // namespace

const char* type_name(TransitionType type) {
  return kTypeNames[static_cast<std::size_t>(type)];
}

std::optional<TransitionType> parse_type(const std::string& name) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i)
    if (name == kTypeNames[i]) return static_cast<TransitionType>(i);
  return std::nullopt;
}

double combine(const Breakdown& b, const Weights& w) {
  double sum = 0, total = 0;
  for (int i = 0; i < kTerms; ++i) {
    sum += w[i] * b[i];
    total += w[i];
  }
  return total > 0 ? clamp01(sum / total) : 0;
}

Json breakdown_to_json(const Breakdown& b) {
  Json j = Json::object();
  for (int i = 0; i < kTerms; ++i)
    j[kTermNames[static_cast<std::size_t>(i)]] = audio::round_to(b[i], 3);
  return j;
}

Breakdown breakdown_from_json(const Json& j, const std::string& subject) {
  if (!j.is_object()) throw Error(Exit::data, subject, "\"breakdown\" is not an object");
  Breakdown b;
  for (int i = 0; i < kTerms; ++i) {
    const char* name = kTermNames[static_cast<std::size_t>(i)];
    const auto it = j.find(name);
    if (it == j.end() || !it->is_number())
      throw Error(Exit::data, subject, std::string("breakdown term \"") + name + "\" missing");
    const double v = it->get<double>();
    if (!std::isfinite(v) || v < 0 || v > 1)
      throw Error(Exit::data, subject,
                  std::string("breakdown term \"") + name + "\" not in [0, 1]");
    b[i] = v;
  }
  return b;
}

Json weights_to_json(const Weights& w) {
  Json j = Json::object();
  j["schema"] = "djb.weights/1";
  Json terms = Json::object();
  for (int i = 0; i < kTerms; ++i)
    terms[kTermNames[static_cast<std::size_t>(i)]] = audio::round_to(w[i], 4);
  j["weights"] = terms;
  return j;
}

Weights weights_from_json(const Json& j, const std::string& subject) {
  audio::require_schema(j, "djb.weights/1", subject, "document");
  const auto terms = j.find("weights");
  if (terms == j.end() || !terms->is_object())
    throw Error(Exit::data, subject, "missing \"weights\" object");
  Weights w;
  for (const auto& [name, value] : terms->items()) {
    int index = -1;
    for (int i = 0; i < kTerms; ++i)
      if (name == kTermNames[static_cast<std::size_t>(i)]) index = i;
    if (index < 0) throw Error(Exit::data, subject, "unknown weight \"" + name + "\"");
    // Weights are relative; a bound keeps their sum (and every score) a finite number.
    if (!value.is_number() || !(value.get<double>() >= 0 && value.get<double>() <= 1e6))
      throw Error(Exit::data, subject, "weight \"" + name + "\" is not a number from 0 to 1e6");
    w[index] = value.get<double>();
  }
  double total = 0;
  for (int i = 0; i < kTerms; ++i) total += w[i];
  if (total <= 0) throw Error(Exit::data, subject, "every weight is 0");
  return w;
}

Weights load_weights(const std::string& path) {
  return weights_from_json(audio::read_json_file(path), path);
}

double tempo_term(double difference, double b_multiplier) {
  const double d = std::abs(difference);
  double t;
  if (d <= kFreeStretch)
    t = 1.0 - 0.1 * d / kFreeStretch;
  else if (d <= kMaxStretch)
    t = 0.9 - 0.6 * (d - kFreeStretch) / (kMaxStretch - kFreeStretch);
  else
    t = 0;
  if (b_multiplier != 1.0) t *= 0.9;
  return clamp01(t);
}

// A cut lays no beat on another: at best what a fade gets, so where the tempi allow a
// beat-matched overlap the overlap wins unless it clashes or misses the phrases; less
// across a tempo jump the ear hears.
double cut_tempo_term(double bpm_a, double bpm_b) {
  if (bpm_a <= 0 || bpm_b <= 0) return kFadeTempoTerm;
  const double jump = std::abs(std::log(bpm_b / bpm_a));
  return std::clamp(kFadeTempoTerm - 5.0 * jump, 0.2, kFadeTempoTerm);
}

double harmonic_term(const std::optional<audio::Key>& a, const std::optional<audio::Key>& b) {
  if (!a || !b) return 0.8;
  switch (audio::key_relation(*a, *b)) {
    case audio::KeyRelation::same:
      return 1.0;
    case audio::KeyRelation::fifth_up:
    case audio::KeyRelation::fifth_down:
      return 0.9;
    case audio::KeyRelation::relative:
      return 0.85;
    case audio::KeyRelation::none:
      break;
  }
  int steps = std::abs(a->camelot_number() - b->camelot_number());
  steps = std::min(steps, 12 - steps);
  const bool same_letter = a->mode == b->mode;
  if (!same_letter && steps == 1) return 0.55;
  if (same_letter && steps == 2) return 0.45;
  return std::max(0.0, 0.35 - 0.05 * steps);
}

double energy_term(double before, double after) {
  const double jump = after - before;
  return clamp01(1.0 - 1.5 * std::max(0.0, -jump) - 0.75 * std::max(0.0, jump - 0.15));
}

double phrase_alignment(int bars) {
  if (bars < 0) return 0.5;
  if (bars == 0) return 1.0;
  if (bars % 8 == 0) return 0.75;
  if (bars % 4 == 0) return 0.5;
  return 0.25;
}

double exit_role(const std::string& label, bool after_last_drop) {
  if (label == "outro") return 1.0;
  if (label == "drop") return 0.0;
  if (label.empty()) return kUnknownRole;
  return after_last_drop ? 0.75 : 0.4;
}

double entry_role(const std::string& label) {
  if (label == "intro") return 1.0;
  if (label == "drop") return 0.0;
  return 0.5;
}

double phrase_term(double alignment, double role_a, double role_b) {
  return clamp01((alignment + (role_a + role_b) / 2) / 2);
}

double coverage_term(double played_a, double played_b) {
  return (clamp01(played_a) + clamp01(played_b)) / 2;
}

double clash_term(TransitionType type, FilterKind filter, double low_a, double low_b, double mid_a,
                  double mid_b) {
  double bass = clamp01(low_a) * clamp01(low_b);
  double mid = clamp01(mid_a) * clamp01(mid_b);
  switch (type) {
    case TransitionType::cut:
      return 1.0;
    // The lows overlap only around the swap: one bar's worth of a short overlap. A filter
    // transition hands the lows over the same way (djb-render brings B's in once A's are
    // gone); a low-pass sweep also takes A's mids away.
    case TransitionType::bass_swap:
      bass *= 0.15;
      break;
    case TransitionType::filter:
      bass *= 0.15;
      if (filter == FilterKind::lowpass) mid *= 0.5;
      break;
    default:
      break;
  }
  return clamp01(1.0 - (bass + 0.5 * mid));
}

}  // namespace mix
