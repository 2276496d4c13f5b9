#include "libmix/set_planner.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>

#include "libaudio/batch.hpp"
#include "libaudio/error.hpp"
#include "libaudio/version.hpp"

namespace mix {

using audio::Error;
using audio::Exit;
using audio::Json;

const char* arc_name(Arc arc) {
  switch (arc) {
    case Arc::rise:
      return "rise";
    case Arc::peak:
      return "peak";
    case Arc::flat:
      break;
  }
  return "flat";
}

std::optional<Arc> parse_arc(const std::string& name) {
  if (name == "flat") return Arc::flat;
  if (name == "rise") return Arc::rise;
  if (name == "peak") return Arc::peak;
  return std::nullopt;
}

namespace {

// The arc term, precomputed: gain[t][k] is what track t earns at position k.
struct Scorer {
  const OrderProblem& p;
  int n;
  bool arc;
  std::vector<double> target;

  explicit Scorer(const OrderProblem& problem)
      : p(problem), n(static_cast<int>(problem.pair.size())) {
    arc = p.arc != Arc::flat && static_cast<int>(p.energy.size()) == n && n > 1 && p.arc_weight > 0;
    if (!arc) return;
    const auto [lo_it, hi_it] = std::minmax_element(p.energy.begin(), p.energy.end());
    const double lo = *lo_it, hi = *hi_it;
    target.resize(static_cast<std::size_t>(n));
    for (int k = 0; k < n; ++k) {
      const double x = static_cast<double>(k) / (n - 1);
      double t;
      if (p.arc == Arc::rise)
        t = x;
      else
        t = x <= 2.0 / 3 ? 1.5 * x : 1.0 - 1.5 * (x - 2.0 / 3);
      target[static_cast<std::size_t>(k)] = lo + (hi - lo) * t;
    }
  }
  double edge(int a, int b) const {
    if (a < 0 || b < 0) return 0;
    return p.pair[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)];
  }
  double gain(int t, int k) const {
    if (!arc) return 0;
    return p.arc_weight * (1.0 - std::abs(p.energy[static_cast<std::size_t>(t)] -
                                          target[static_cast<std::size_t>(k)]));
  }
  double total(const std::vector<int>& order) const {
    double s = 0;
    for (std::size_t k = 0; k < order.size(); ++k) {
      if (k + 1 < order.size()) s += edge(order[k], order[k + 1]);
      s += gain(order[k], static_cast<int>(k));
    }
    return s;
  }
};

constexpr double kEps = 1e-12;

// 2-opt and relocation, first improvement, until no move helps (or a generous pass cap).
void improve(const Scorer& s, std::vector<int>& o, bool fixed_first, bool fixed_last) {
  const int n = static_cast<int>(o.size());
  const int lo = fixed_first ? 1 : 0, hi = fixed_last ? n - 2 : n - 1;
  if (hi - lo < 1) return;
  auto at = [&](int k) { return k < 0 || k >= n ? -1 : o[static_cast<std::size_t>(k)]; };
  for (int pass = 0; pass < 1000; ++pass) {
    bool improved = false;
    // Segment reversal [i, j].
    for (int i = lo; i < hi; ++i) {
      double inner = 0;  // change of the edges inside the segment
      for (int j = i + 1; j <= hi; ++j) {
        inner += s.edge(at(j), at(j - 1)) - s.edge(at(j - 1), at(j));
        double d = inner + s.edge(at(i - 1), at(j)) + s.edge(at(i), at(j + 1)) -
                   s.edge(at(i - 1), at(i)) - s.edge(at(j), at(j + 1));
        if (s.arc)
          for (int k = i; k <= j; ++k) d += s.gain(at(i + j - k), k) - s.gain(at(k), k);
        if (d > kEps) {
          std::reverse(o.begin() + i, o.begin() + j + 1);
          improved = true;
          inner = 0;
          for (int k = i + 1; k <= j; ++k)
            inner += s.edge(at(k), at(k - 1)) - s.edge(at(k - 1), at(k));
        }
      }
    }
    // Block moves: the segment [i, j] moved, in its own direction, to between k - 1 and k
    // (a relocation is a block of one). Long blocks are capped on large sets.
    // With an arc every move costs O(n) more, so large sets move single tracks only.
    const int max_len =
        s.arc && n > 100 ? 1 : std::max(3, static_cast<int>(2.0e7 / (double(n) * n)));
    for (int i = lo; i <= hi; ++i) {
      for (int j = i; j <= hi && j - i < max_len; ++j) {
        const double cut =
            s.edge(at(i - 1), at(i)) + s.edge(at(j), at(j + 1)) - s.edge(at(i - 1), at(j + 1));
        for (int k = lo; k <= hi + 1; ++k) {
          if (k >= i && k <= j + 1) continue;
          double d =
              s.edge(at(k - 1), at(i)) + s.edge(at(j), at(k)) - s.edge(at(k - 1), at(k)) - cut;
          if (s.arc) {
            // Only the positions between the block and k change occupant.
            const int len = j - i + 1;
            if (k < i) {
              for (int q = k; q <= j; ++q)
                d += s.gain(q < k + len ? at(i + q - k) : at(q - len), q) - s.gain(at(q), q);
            } else {
              for (int q = i; q < k; ++q)
                d +=
                    s.gain(q < k - len ? at(q + len) : at(i + q - (k - len)), q) - s.gain(at(q), q);
            }
          }
          if (d > kEps) {
            if (k < i)
              std::rotate(o.begin() + k, o.begin() + i, o.begin() + j + 1);
            else
              std::rotate(o.begin() + i, o.begin() + j + 1, o.begin() + k);
            improved = true;
            break;
          }
        }
      }
    }
    if (!improved) break;
  }
}

std::vector<int> exact_order(const Scorer& s) {
  const int n = s.n;
  const std::size_t full = (std::size_t{1} << n) - 1;
  const double none = -1e300;
  std::vector<double> dp((full + 1) * static_cast<std::size_t>(n), none);
  std::vector<signed char> from(dp.size(), -1);
  auto idx = [n](std::size_t mask, int last) {
    return mask * static_cast<std::size_t>(n) + static_cast<std::size_t>(last);
  };
  for (int t = 0; t < n; ++t) {
    if (s.p.first && *s.p.first != t) continue;
    if (s.p.last && *s.p.last == t && n > 1) continue;
    dp[idx(std::size_t{1} << t, t)] = s.gain(t, 0);
  }
  for (std::size_t mask = 1; mask <= full; ++mask) {
    const int pos = std::popcount(mask);
    for (int last = 0; last < n; ++last) {
      const double cur = dp[idx(mask, last)];
      if (cur == none) continue;
      for (int j = 0; j < n; ++j) {
        if (mask & (std::size_t{1} << j)) continue;
        // A fixed last track only in the last position.
        if (s.p.last && *s.p.last == j && pos != n - 1) continue;
        const std::size_t next = mask | (std::size_t{1} << j);
        const double v = cur + s.edge(last, j) + s.gain(j, pos);
        if (v > dp[idx(next, j)] + kEps) {
          dp[idx(next, j)] = v;
          from[idx(next, j)] = static_cast<signed char>(last);
        }
      }
    }
  }
  int best = -1;
  for (int t = 0; t < n; ++t)
    if (dp[idx(full, t)] != none && (best < 0 || dp[idx(full, t)] > dp[idx(full, best)] + kEps))
      best = t;
  std::vector<int> order;
  std::size_t mask = full;
  for (int t = best; t >= 0;) {
    order.push_back(t);
    const int prev = from[idx(mask, t)];
    mask &= ~(std::size_t{1} << t);
    t = prev;
  }
  std::reverse(order.begin(), order.end());
  return order;
}

std::vector<int> beam_order(const Scorer& s, int width) {
  const int n = s.n;
  struct State {
    std::vector<int> seq;
    std::vector<char> used;
    double score = 0;
  };
  std::vector<State> beam(1);
  beam[0].used.assign(static_cast<std::size_t>(n), 0);
  struct Step {
    double score;
    int state, track;
  };
  std::vector<Step> steps;
  for (int pos = 0; pos < n; ++pos) {
    steps.clear();
    for (int b = 0; b < static_cast<int>(beam.size()); ++b) {
      const State& st = beam[static_cast<std::size_t>(b)];
      const int last = st.seq.empty() ? -1 : st.seq.back();
      for (int j = 0; j < n; ++j) {
        if (st.used[static_cast<std::size_t>(j)]) continue;
        if (pos == 0 && s.p.first && *s.p.first != j) continue;
        if (s.p.last && *s.p.last == j && pos != n - 1) continue;
        steps.push_back({st.score + s.edge(last, j) + s.gain(j, pos), b, j});
      }
    }
    const std::size_t keep = std::min(steps.size(), static_cast<std::size_t>(width));
    auto better = [](const Step& a, const Step& b) {
      if (a.score != b.score) return a.score > b.score;
      if (a.state != b.state) return a.state < b.state;
      return a.track < b.track;
    };
    std::partial_sort(steps.begin(), steps.begin() + static_cast<long>(keep), steps.end(), better);
    std::vector<State> next;
    next.reserve(keep);
    for (std::size_t k = 0; k < keep; ++k) {
      State st = beam[static_cast<std::size_t>(steps[k].state)];
      st.seq.push_back(steps[k].track);
      st.used[static_cast<std::size_t>(steps[k].track)] = 1;
      st.score = steps[k].score;
      next.push_back(std::move(st));
    }
    beam = std::move(next);
  }
  return beam.front().seq;
}

}  // namespace

double order_objective(const OrderProblem& p, const std::vector<int>& order) {
  return Scorer(p).total(order);
}

std::vector<int> greedy_order(const OrderProblem& p) {
  const Scorer s(p);
  const int n = s.n;
  std::vector<int> order;
  std::vector<char> used(static_cast<std::size_t>(n), 0);
  auto allowed = [&](int j, int pos) {
    if (used[static_cast<std::size_t>(j)]) return false;
    if (p.last && *p.last == j && pos != n - 1) return false;
    return true;
  };
  if (n == 0) return order;
  // Start: the fixed first track, else the start of the best-scoring pair.
  int start = -1;
  if (p.first)
    start = *p.first;
  else {
    double best = -1e300;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        if (i != j && allowed(i, 0) && allowed(j, 1) && s.edge(i, j) + s.gain(i, 0) > best + kEps)
          best = s.edge(i, j) + s.gain(i, 0), start = i;
    if (start < 0) start = p.last && *p.last == 0 && n > 1 ? 1 : 0;
  }
  order.push_back(start);
  used[static_cast<std::size_t>(start)] = 1;
  for (int pos = 1; pos < n; ++pos) {
    int pick = -1;
    double best = -1e300;
    for (int j = 0; j < n; ++j) {
      if (!allowed(j, pos)) continue;
      const double v = s.edge(order.back(), j) + s.gain(j, pos);
      if (v > best + kEps) best = v, pick = j;
    }
    order.push_back(pick);
    used[static_cast<std::size_t>(pick)] = 1;
  }
  return order;
}

OrderResult plan_order(const OrderProblem& p, const OrderOptions& options) {
  const Scorer s(p);
  const int n = s.n;
  OrderResult r;
  if (p.keep_order || n <= 1) {
    r.order.resize(static_cast<std::size_t>(n));
    std::iota(r.order.begin(), r.order.end(), 0);
    r.method = "keep_order";
  } else if (n <= std::min(options.exact_limit, 20)) {
    r.order = exact_order(s);
    r.method = "exact";
  } else {
    int width = options.beam_width;
    if (width <= 0) width = static_cast<int>(std::clamp(4.0e6 / (double(n) * n), 8.0, 256.0));
    auto beam = beam_order(s, width);
    improve(s, beam, p.first.has_value(), p.last.has_value());
    auto greedy = greedy_order(p);
    improve(s, greedy, p.first.has_value(), p.last.has_value());
    if (s.total(greedy) > s.total(beam) + kEps)
      r.order = greedy, r.method = "greedy+2opt";
    else
      r.order = beam, r.method = "beam+2opt";
  }
  r.objective = s.total(r.order);
  return r;
}

OpenerStart opener_start(const MixTrack& t) {
  const double audible = t.audible_start.value_or(0);
  const double bar = t.beatless() ? 2.0 : t.bar_seconds();
  char text[200];
  if (t.mix_in && *t.mix_in <= audible + kOpenerMaxSkipBars * bar + 1e-6) {
    if (*t.mix_in <= audible + 0.05) return {*t.mix_in, "the opener plays from its start"};
    std::snprintf(text, sizeof text,
                  "the opener plays from its music start (%.1f s, %.0f bars of lead-in skipped)",
                  *t.mix_in, (*t.mix_in - audible) / bar);
    return {*t.mix_in, text};
  }
  if (t.mix_in)
    std::snprintf(text, sizeof text,
                  "the opener plays from its audible start: its music start (%.1f s) lies over "
                  "%d bars in, and an opener's intro is played, not skipped",
                  *t.mix_in, kOpenerMaxSkipBars);
  else
    std::snprintf(text, sizeof text, "the opener plays from its audible start (no music start)");
  return {audible, text};
}

namespace {

double track_energy(const MixTrack& t) {
  if (t.energy_level > 0) return t.energy_level / 10.0;
  return t.mean_energy(0, t.duration);
}

// The transitions of an order, left to right, and the play ranges they imply.
SetPlan realise(const std::vector<MixTrack>& tracks, const std::vector<int>& order,
                const SetOptions& options) {
  SetPlan plan;
  const std::size_t n = order.size();
  const OpenerStart opener = opener_start(tracks[static_cast<std::size_t>(order[0])]);
  double start = opener.time;
  std::string start_reason = opener.reason;
  std::optional<double> min_exit;
  for (std::size_t k = 0; k < n; ++k) {
    const MixTrack& a = tracks[static_cast<std::size_t>(order[k])];
    PlannedTrack pt{order[k], start, a.end_time(), start_reason, ""};
    if (k + 1 == n) {
      pt.end_reason = a.audible_end ? "the closer plays to its audible end (the last frame "
                                      "above the silence threshold)"
                                    : "the closer plays to its end";
    } else {
      CandidateOptions o = options.candidates;
      o.min_exit = min_exit;
      o.a_start = start;
      const Candidate c = best_transition(a, tracks[static_cast<std::size_t>(order[k + 1])], o);
      pt.play_end = c.exit + c.a_seconds;
      pt.end_reason = "the end of its transition into the next track";
      start = c.entry;
      start_reason = "its entry in the transition from the previous track";
      min_exit = c.entry + c.b_seconds;
      plan.transitions.push_back(c);
    }
    plan.tracks.push_back(pt);
  }
  double total = 0;
  for (const auto& t : plan.tracks) total += std::max(0.0, t.play_end - t.play_start);
  double score = 0;
  for (const auto& c : plan.transitions) {
    total -= c.a_seconds + c.b_seconds - c.mix_seconds;
    score += c.score;
  }
  plan.duration = total;
  plan.score = plan.transitions.empty() ? 0 : score / static_cast<double>(plan.transitions.size());
  return plan;
}

}  // namespace

SetPlan plan_set(const std::vector<MixTrack>& tracks, const SetOptions& options) {
  const int n = static_cast<int>(tracks.size());
  if (n == 0) throw Error(Exit::data, "", "no tracks to plan");
  for (auto f : {options.first, options.last})
    if (f && (*f < 0 || *f >= n)) throw Error(Exit::usage, "", "fixed track out of range");
  if (options.first && options.last && *options.first == *options.last && n > 1)
    throw Error(Exit::usage, "--last", "the same track cannot be first and last");

  OrderProblem p;
  p.pair.assign(static_cast<std::size_t>(n), std::vector<double>(static_cast<std::size_t>(n), 0));
  if (!options.keep_order && n > 1) {
    int rows_done = 0;
    audio::parallel_ordered<std::vector<double>>(
        static_cast<std::size_t>(n), options.jobs,
        [&](std::size_t i) {
          std::vector<double> row(static_cast<std::size_t>(n), 0);
          for (std::size_t j = 0; j < row.size(); ++j)
            if (j != i) row[j] = best_transition(tracks[i], tracks[j], options.candidates).score;
          return row;
        },
        [&](std::size_t i, std::vector<double>& row) {
          p.pair[i] = std::move(row);
          if (options.on_row) options.on_row(++rows_done, n);
        });
  }
  for (const auto& t : tracks) p.energy.push_back(track_energy(t));
  p.arc = options.arc;
  p.first = options.first;
  p.last = options.last;
  p.keep_order = options.keep_order;
  const OrderResult r = plan_order(p, options.order);

  std::vector<int> order = r.order;
  SetPlan plan = realise(tracks, order, options);
  int dropped = 0;
  while (options.max_length && plan.duration > *options.max_length + 1e-9 && order.size() > 1) {
    // Drop the last track, or the one before a fixed last track (never the first).
    std::size_t victim = order.size() - 1;
    if (options.last && order.back() == *options.last) {
      if (order.size() <= 2) break;
      victim = order.size() - 2;
    }
    order.erase(order.begin() + static_cast<long>(victim));
    ++dropped;
    plan = realise(tracks, order, options);
  }
  plan.method = r.method;
  plan.dropped_for_length = dropped;
  return plan;
}

Json plan_to_json(const std::vector<MixTrack>& tracks, const SetPlan& plan,
                  const SetOptions& options) {
  Json doc = Json::object();
  doc["schema"] = "djb.plan/1";
  doc["toolkit_version"] = audio::kToolkitVersion;
  auto fixed = [&](const std::optional<int>& i) {
    return i ? Json(tracks[static_cast<std::size_t>(*i)].path) : Json();
  };
  doc["options"] = {{"keep_order", options.keep_order},
                    {"arc", arc_name(options.arc)},
                    {"first", fixed(options.first)},
                    {"last", fixed(options.last)},
                    {"max_length", options.max_length ? Json(*options.max_length) : Json()},
                    {"weights", options.weights_name}};
  Json list = Json::array();
  for (std::size_t k = 0; k < plan.tracks.size(); ++k) {
    const MixTrack& t = tracks[static_cast<std::size_t>(plan.tracks[k].input)];
    Json j = Json::object();
    j["index"] = k;
    j["input"] = audio::input_record(t.path, t.sha256);
    j["analysis_version"] = t.analysis_version;
    j["title"] = t.title;
    j["artist"] = t.artist ? Json(*t.artist) : Json();
    j["duration"] = audio::round_seconds(t.duration);
    const bool beats = !t.beatless();
    j["bpm"] = beats ? Json(*t.bpm) : Json();
    j["beat_grid"] = beats ? t.source_beat_grid : Json();
    Json downbeats = Json::array();
    if (beats)
      for (double d : t.downbeats) downbeats.push_back(d);
    j["downbeats"] = downbeats;
    j["downbeats_guessed"] = beats && t.bars_guessed;
    j["key"] = t.key ? Json{{"name", t.key_name}, {"camelot", t.camelot}} : Json();
    j["loudness"] = {{"integrated_lufs", t.integrated_lufs ? Json(*t.integrated_lufs) : Json()},
                     {"true_peak_dbtp", t.true_peak_dbtp ? Json(*t.true_peak_dbtp) : Json()}};
    j["play"] = {{"start", audio::round_seconds(plan.tracks[k].play_start)},
                 {"end", audio::round_seconds(plan.tracks[k].play_end)},
                 {"start_reason", plan.tracks[k].start_reason},
                 {"end_reason", plan.tracks[k].end_reason}};
    j["energy_level"] = t.energy_level > 0 ? Json(t.energy_level) : Json();
    list.push_back(j);
  }
  doc["tracks"] = list;
  Json transitions = Json::array();
  for (std::size_t k = 0; k < plan.transitions.size(); ++k) {
    Json j = Json::object();
    j["from"] = k;
    j["to"] = k + 1;
    const Json c = candidate_to_json(plan.transitions[k], options.candidates);
    for (const auto& [key, value] : c.items()) j[key] = value;
    transitions.push_back(j);
  }
  doc["transitions"] = transitions;
  doc["score"] = audio::round_to(plan.score, 4);
  doc["duration"] = audio::round_seconds(plan.duration);
  doc["search"] = plan.method;
  doc["dropped_for_length"] = plan.dropped_for_length;
  return doc;
}

}  // namespace mix
