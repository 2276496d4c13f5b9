#include "libmix/transition_candidates.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>

namespace mix {

using audio::Json;

namespace {

constexpr double kMashupStretch = 0.03;
constexpr double kMashupEnergy = 1.3;

struct Ladder {
  TransitionType type;
  std::vector<int> bars;
};
// The order here is the tie-break order of equal scores: the plainest type first, so a bass
// swap or a filter is chosen only where it earns something (two bass lines to separate).
const std::vector<Ladder>& ladders() {
  static const std::vector<Ladder> l = {{TransitionType::crossfade, {32, 16, 8, 4, 2, 1}},
                                        {TransitionType::bass_swap, {32, 16, 8, 4}},
                                        {TransitionType::filter, {16, 8, 4, 2}},
                                        {TransitionType::mashup, {32, 16}}};
  return l;
}

// Sorted, de-duplicated downbeats nearest to each time in `times` within [lo, hi].
std::vector<double> snap(const MixTrack& t, const std::vector<double>& times, double lo,
                         double hi) {
  std::vector<double> out;
  for (double x : times) {
    const double d = t.downbeats[t.nearest_downbeat(x)];
    if (d >= lo - 1e-6 && d <= hi + 1e-6) out.push_back(d);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<double> exits_of(const MixTrack& a, double lo) {
  std::vector<double> times;
  for (std::size_t i = 1; i < a.phrases.size(); ++i) times.push_back(a.phrases[i].start);
  if (a.outro_start) times.push_back(*a.outro_start);
  if (a.mix_out) times.push_back(*a.mix_out);
  for (std::size_t i = 8; i < a.downbeats.size(); i += 8) times.push_back(a.downbeats[i]);
  return snap(a, times, lo, a.end_time() - a.bar_seconds());
}

std::vector<double> entries_of(const MixTrack& b) {
  const double start = b.start_time();
  const double hi = start + 0.5 * (b.end_time() - start);
  std::vector<double> times = {b.mix_in.value_or(start), start};
  for (const auto& p : b.phrases)
    if (p.start <= hi) times.push_back(p.start);
  if (b.first_drop && *b.first_drop <= hi) times.push_back(*b.first_drop);
  return snap(b, times, 0, hi);
}

// Per-phrase roles (transition_score.hpp) of A as the side that leaves, of B as the side
// that arrives.
std::vector<double> exit_roles(const MixTrack& a) {
  double last_drop_end = -1;
  for (const auto& p : a.phrases)
    if (p.label == "drop") last_drop_end = p.end;
  std::vector<double> roles;
  for (const auto& p : a.phrases)
    roles.push_back(exit_role(p.label, p.start >= last_drop_end - 0.05));
  return roles;
}

std::vector<double> entry_roles(const MixTrack& b) {
  std::vector<double> roles;
  for (const auto& p : b.phrases) roles.push_back(entry_role(p.label));
  return roles;
}

// Time-weighted mean of the per-phrase roles over [t0, t1).
double role_over(const MixTrack& t, const std::vector<double>& roles, double t0, double t1) {
  double sum = 0, covered = 0;
  for (std::size_t i = 0; i < t.phrases.size(); ++i) {
    const double o = std::min(t1, t.phrases[i].end) - std::max(t0, t.phrases[i].start);
    if (o > 0) sum += o * roles[i], covered += o;
  }
  return covered > 0 ? sum / covered : kUnknownRole;
}

std::optional<TempoPlan> plan_tempo(double bpm_a, double bpm_b) {
  double best_mult = 1, best = 1e300;
  for (double mult : {1.0, 2.0, 0.5}) {
    const double d = std::abs(std::log(bpm_a / (bpm_b * mult)));
    if (d < best - 1e-12) best = d, best_mult = mult;
  }
  TempoPlan p;
  p.b_multiplier = best_mult;
  const double b_eff = bpm_b * best_mult;
  if (std::abs(bpm_a / b_eff - 1) <= kFreeStretch) {
    p.target_bpm = bpm_a;
  } else {
    p.target_bpm = std::sqrt(bpm_a * b_eff);
  }
  p.stretch_a = *p.target_bpm / bpm_a;
  p.stretch_b = *p.target_bpm / b_eff;
  return p;
}

std::string fmt(const char* f, double a, double b, int bars, TransitionType type) {
  char buf[160];
  std::snprintf(buf, sizeof buf, f, type_name(type), a, b, bars);
  return buf;
}

// The generator behind both entry points: calls keep(c) for every candidate that passes the
// rules, reject(rule, candidate) for each one that does not.
template <class Keep, class Reject>
void generate(const MixTrack& a, const MixTrack& b, const CandidateOptions& o, Keep&& keep,
              Reject&& reject) {
  const double a_start = o.a_start.value_or(a.mix_in.value_or(a.start_time()));
  const double a_span = std::max(1e-3, a.end_time() - a_start);
  const double b_span = std::max(1e-3, b.end_time() - b.start_time());
  const double harmonic = harmonic_term(a.key, b.key);
  const double min_exit = o.min_exit.value_or(0);
  const bool beats = !a.beatless() && !b.beatless();

  // Energy around the switch: 4 bars (or 8 s without a grid) before A's exit / after B's
  // overlap.
  auto window = [](const MixTrack& t) { return t.beatless() ? 8.0 : 4 * t.bar_seconds(); };
  auto finish = [&](Candidate& c, double before, double after, double phrase) {
    c.breakdown[2] = energy_term(before, after);
    c.breakdown[1] = harmonic;
    c.breakdown[3] = phrase;
    c.breakdown[4] =
        coverage_term((c.exit + c.a_seconds - a_start) / a_span, (b.end_time() - c.entry) / b_span);
    c.score = combine(c.breakdown, o.weights);
  };

  if (beats) {
    const auto exits = exits_of(a, std::max(a_start + 0.5 * a_span, 0.0));
    const auto entries = entries_of(b);
    const auto tempo = plan_tempo(*a.bpm, *b.bpm);
    // The tempo terms and rules judge how far apart the tempi are, whoever is stretched.
    const double ms = std::abs(*a.bpm / (*b.bpm * tempo->b_multiplier) - 1);
    const bool meter_ok = a.meter == b.meter;
    const bool tempo_ok = ms <= kMaxStretch + 1e-12;
    const double tempo_t = tempo_term(ms, tempo->b_multiplier);
    const bool keys_ok = a.key && b.key && harmonically_compatible(*a.key, *b.key);
    // What depends on one side only is worked out once per (point, overlap length): the
    // band means and phrase alignment at the end of the overlap, B's level after it.
    struct Side {
      double seconds = 0, low = 0, mid = 0, energy = 0, phrase_end = 0, after = 0, role = 0;
    };
    const auto a_roles = exit_roles(a), b_roles = entry_roles(b);
    auto bar_index = [](int bars) {
      return static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(bars)));
    };  // 1, 2, 4, ..., 32 -> 0..5
    std::vector<std::array<Side, 6>> b_side(entries.size());
    for (std::size_t e = 0; e < entries.size(); ++e)
      for (int bars = 1; bars <= 32; bars *= 2) {
        Side& sd = b_side[e][bar_index(bars)];
        const double mix = bars * a.bar_seconds() / tempo->stretch_a;
        sd.seconds = mix * tempo->stretch_b;
        const double from = entries[e], to = from + sd.seconds;
        sd.low = b.mean_low(from, to);
        sd.mid = b.mean_mid(from, to);
        sd.energy = b.mean_energy(from, to);
        sd.phrase_end = phrase_alignment(b.bars_from_phrase(to));
        sd.after = b.mean_energy(to, to + window(b));
        sd.role = role_over(b, b_roles, from, to);
      }
    // A cut's role is the bar each side plays (A: is cut off; B: starts with).
    std::vector<double> entry_phrase, entry_energy, entry_cut_role;
    for (double entry : entries) {
      entry_phrase.push_back(phrase_alignment(b.bars_from_phrase(entry)));
      entry_energy.push_back(b.mean_energy(entry, entry + window(b)));
      entry_cut_role.push_back(role_over(b, b_roles, entry, entry + b.bar_seconds()));
    }
    std::array<Side, 6> a_side;
    for (double exit : exits) {
      const bool early = exit < min_exit - 1e-6;
      for (int bars = 1; bars <= 32; bars *= 2) {
        Side& sd = a_side[bar_index(bars)];
        sd.seconds = bars * a.bar_seconds();
        const double to = exit + sd.seconds;
        sd.low = a.mean_low(exit, to);
        sd.mid = a.mean_mid(exit, to);
        sd.energy = a.mean_energy(exit, to);
        sd.phrase_end = phrase_alignment(a.bars_from_phrase(to));
        sd.role = role_over(a, a_roles, exit, to);
      }
      const double exit_cut_role = role_over(a, a_roles, exit, exit + a.bar_seconds());
      const double before = a.mean_energy(exit - window(a), exit);
      const double ph_exit = phrase_alignment(a.bars_from_phrase(exit));
      for (std::size_t e = 0; e < entries.size(); ++e) {
        const double entry = entries[e];
        const double ph_entry = entry_phrase[e];
        // Cut: A stops on its downbeat, B starts on its own.
        {
          Candidate c;
          c.type = TransitionType::cut;
          c.exit = exit, c.entry = entry, c.overlap_bars = 0;
          if (early)
            reject("exit_too_early", c);
          else {
            c.breakdown[0] = cut_tempo_term(*a.bpm, *b.bpm * tempo->b_multiplier);
            c.breakdown[5] = 1.0;
            finish(c, before, entry_energy[e],
                   phrase_term((ph_exit + ph_entry) / 2, exit_cut_role, entry_cut_role[e]));
            keep(c);
          }
        }
        for (const auto& ladder : ladders()) {
          for (int bars : ladder.bars) {
            Candidate c;
            c.type = ladder.type;
            c.exit = exit, c.entry = entry, c.overlap_bars = bars;
            c.tempo = *tempo;
            c.a_seconds = bars * a.bar_seconds();
            c.mix_seconds = c.a_seconds / tempo->stretch_a;
            c.b_seconds = c.mix_seconds * tempo->stretch_b;
            if (!meter_ok) {
              reject("meter", c);
              continue;
            }
            if (!tempo_ok) {
              reject("tempo_range", c);
              continue;
            }
            if (early) {
              reject("exit_too_early", c);
              continue;
            }
            if (exit + c.a_seconds > a.end_time() + 0.05) {
              reject("a_too_short", c);
              continue;
            }
            if (entry + c.b_seconds > b.end_time() + 0.05) {
              reject("b_too_short", c);
              continue;
            }
            if (!a.steady(exit, exit + c.a_seconds) || !b.steady(entry, entry + c.b_seconds)) {
              reject("off_tempo", c);
              continue;
            }
            const Side& as = a_side[bar_index(bars)];
            const Side& bs = b_side[e][bar_index(bars)];
            const double low_a = as.low, low_b = bs.low, mid_a = as.mid, mid_b = bs.mid;
            if (c.type == TransitionType::mashup) {
              if (!keys_ok) {
                reject("mashup_key", c);
                continue;
              }
              if (tempo->b_multiplier != 1 || ms > kMashupStretch) {
                reject("mashup_tempo", c);
                continue;
              }
              if (as.energy + bs.energy > kMashupEnergy) {
                reject("mashup_energy", c);
                continue;
              }
            }
            if (c.type == TransitionType::filter)
              c.filter = low_a >= mid_a ? FilterKind::highpass : FilterKind::lowpass;
            c.breakdown[0] = tempo_t;
            c.breakdown[5] = clash_term(c.type, c.filter, low_a, low_b, mid_a, mid_b);
            const double alignment = (ph_exit + ph_entry + as.phrase_end + bs.phrase_end) / 4;
            finish(c, before, bs.after, phrase_term(alignment, as.role, bs.role));
            keep(c);
          }
        }
      }
    }
  } else {
    Candidate c;
    c.type = TransitionType::bass_swap;  // only to describe the rejection
    reject("no_beat_grid", c);
  }

  // The fallback: an equal-power fade at the end of A's music, no stretching.
  Candidate f;
  f.type = TransitionType::fade;
  const double a_end = a.end_time();
  f.exit = std::clamp(a_end - o.fade_seconds, std::min(min_exit, a_end), a_end);
  f.entry = b.mix_in.value_or(b.start_time());
  if (f.entry >= b.duration) f.entry = 0;
  double len = std::max(0.0, std::min(a_end - f.exit, b.duration - f.entry));
  f.a_seconds = f.b_seconds = f.mix_seconds = len;
  f.breakdown[0] = kFadeTempoTerm;
  f.breakdown[5] = clash_term(f.type, FilterKind::none, a.mean_low(f.exit, f.exit + len),
                              b.mean_low(f.entry, f.entry + len), a.mean_mid(f.exit, f.exit + len),
                              b.mean_mid(f.entry, f.entry + len));
  const double before = a.mean_energy(f.exit - window(a), f.exit);
  finish(f, before, b.mean_energy(f.entry + len, f.entry + len + window(b)), 0.5);
  keep(f);
}

std::string describe(const Candidate& c) {
  if (c.type == TransitionType::fade || !c.overlap_bars) return type_name(c.type);
  return fmt("%s exit %.3f entry %.3f over %d bars", c.exit, c.entry, *c.overlap_bars, c.type);
}

double r6(double x) {
  return audio::round_to(x, 6);
}
double r4(double x) {
  return audio::round_to(x, 4);
}

Json number_json(double x) {
  if (x == std::floor(x) && std::abs(x) < 1e9) return static_cast<long long>(x);
  return x;
}

}  // namespace

CandidateSet transition_candidates(const MixTrack& a, const MixTrack& b,
                                   const CandidateOptions& options) {
  CandidateSet set;
  generate(
      a, b, options, [&](const Candidate& c) { set.candidates.push_back(c); },
      [&](const char* rule, const Candidate& c) {
        for (auto& r : set.rejections)
          if (r.rule == rule) return void(++r.count);
        set.rejections.push_back({rule, 1, describe(c)});
      });
  std::stable_sort(set.candidates.begin(), set.candidates.end(),
                   [](const Candidate& x, const Candidate& y) { return x.score > y.score; });
  return set;
}

Candidate best_transition(const MixTrack& a, const MixTrack& b, const CandidateOptions& options) {
  Candidate best;
  bool any = false;
  generate(
      a, b, options,
      [&](const Candidate& c) {
        if (!any || c.score > best.score) best = c, any = true;
      },
      [](const char*, const Candidate&) {});
  return best;
}

Json candidate_to_json(const Candidate& c, const CandidateOptions& o) {
  Json j = Json::object();
  j["type"] = type_name(c.type);
  j["exit"] = audio::round_seconds(c.exit);
  j["entry"] = audio::round_seconds(c.entry);
  j["overlap_bars"] = c.overlap_bars ? Json(*c.overlap_bars) : Json();
  j["overlap"] = {{"a_seconds", r4(c.a_seconds)},
                  {"b_seconds", r4(c.b_seconds)},
                  {"mix_seconds", r4(c.mix_seconds)}};
  j["tempo"] = {{"target_bpm", c.tempo.target_bpm ? Json(r4(*c.tempo.target_bpm)) : Json()},
                {"stretch_a", r6(c.tempo.stretch_a)},
                {"stretch_b", r6(c.tempo.stretch_b)},
                {"b_multiplier", number_json(c.tempo.b_multiplier)}};
  Json p = Json::object();
  switch (c.type) {
    case TransitionType::crossfade:
    case TransitionType::fade:
      p["curve"] = "equal_power";
      break;
    case TransitionType::bass_swap:
      p["swap_bar"] = c.overlap_bars.value_or(0) / 2;
      p["shelf_hz"] = o.shelf_hz;
      break;
    case TransitionType::filter:
      if (c.filter == FilterKind::lowpass) {
        p["filter"] = "lowpass", p["from_hz"] = 20000, p["to_hz"] = 300;
      } else {
        p["filter"] = "highpass", p["from_hz"] = 20, p["to_hz"] = 1200;
      }
      break;
    case TransitionType::cut:
      p["fade_ms"] = o.fade_ms;
      break;
    case TransitionType::mashup:
      break;
  }
  j["params"] = p;
  j["score"] = audio::round_to(c.score, 4);
  j["breakdown"] = breakdown_to_json(c.breakdown);
  return j;
}

}  // namespace mix
