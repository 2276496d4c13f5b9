#include "libaudio/tempo.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "libaudio/error.hpp"

namespace audio {
namespace {

// Thresholds of the metrical-level test (see tempo.hpp).
constexpr double kMinSubdivision = 0.2, kMaxSubdivision = 0.85, kMaxFiner = 0.6;
// Below this mean autocorrelation over four beat periods there is no pulse: white noise and
// speech-like syllables stay under 0.1, the sparsest groove measured is above 0.4.
constexpr double kMinPeriodicity = 0.2;
// The 99th percentile of onset strength (log-flux summed over the bank) under which the
// material has no attacks: pads and drones stay under 2; grooves at full level reach 20+,
// and still 4 when played 35 dB down (log compression shrinks quiet attacks).
constexpr double kMinOnsetStrength = 3.0;
constexpr double kSilencePower = 1e-9;  // -90 dBFS mean square

std::vector<float> max_filter(const std::vector<float>& a, int radius) {
  const long n = static_cast<long>(a.size());
  std::vector<float> out(a.size());
  for (long i = 0; i < n; ++i) {
    float m = 0;
    for (long j = std::max(0L, i - radius); j <= std::min(n - 1, i + radius); ++j)
      m = std::max(m, a[static_cast<std::size_t>(j)]);
    out[static_cast<std::size_t>(i)] = m;
  }
  return out;
}

// Accent minus its local mean (about a second), half-wave rectified: what periodicity sees.
std::vector<float> novelty(const std::vector<float>& a, int half_window) {
  const std::size_t n = a.size();
  std::vector<double> prefix(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + a[i];
  std::vector<float> out(n);
  const std::size_t h = static_cast<std::size_t>(half_window);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t lo = i >= h ? i - h : 0, hi = std::min(n, i + h + 1);
    const double mean = (prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo);
    out[i] = static_cast<float>(std::max(0.0, a[i] - mean));
  }
  return out;
}

// Normalised autocorrelation (lag 0 = 1), unbiased by the overlap length.
std::vector<double> autocorrelation(const std::vector<float>& x, int max_lag) {
  const std::size_t n = x.size();
  std::vector<double> r(static_cast<std::size_t>(max_lag) + 1, 0.0);
  double mean = 0;
  for (float v : x) mean += v;
  mean /= static_cast<double>(std::max<std::size_t>(1, n));
  std::vector<float> c(n);
  for (std::size_t i = 0; i < n; ++i) c[i] = static_cast<float>(x[i] - mean);
  for (int lag = 0; lag <= max_lag && static_cast<std::size_t>(lag) < n; ++lag) {
    double s = 0;
    const std::size_t L = static_cast<std::size_t>(lag);
    for (std::size_t i = L; i < n; ++i) s += static_cast<double>(c[i]) * c[i - L];
    r[L] = s / static_cast<double>(n - L);
  }
  if (r[0] > 0) {
    const double r0 = r[0];
    for (double& v : r) v /= r0;
  }
  return r;
}

double interpolate(const std::vector<double>& r, double x) {
  if (x < 0) return 0;
  const auto i = static_cast<std::size_t>(x);
  if (i + 1 >= r.size()) return 0;
  const double f = x - static_cast<double>(i);
  return r[i] * (1 - f) + r[i + 1] * f;
}

double comb(const std::vector<double>& r, double period) {
  double c = 0;
  for (int k = 1; k <= 4; ++k) c += interpolate(r, k * period);
  return c / 4;
}

struct Pattern {
  double beat = 0, half = 0, third1 = 0, third2 = 0, quarter = 0, sixth = 0;
  double low_beat = 0, low_half = 0;  // the kick/bass band alone
};

// Mean accent at the beats of `period` and at their subdivisions, with the beat phase chosen
// per block of 8 beats (so a slightly wrong period or a drifting tempo does not smear it).
Pattern measure_pattern(const std::vector<float>& m, const std::vector<float>& low, double period) {
  const long n = static_cast<long>(m.size());
  auto at = [n](const std::vector<float>& x, double pos) -> double {
    const long i = std::lround(pos);
    return i >= 0 && i < n ? x[static_cast<std::size_t>(i)] : 0.0;
  };
  auto v = [&](double pos) { return at(m, pos); };
  const int block_beats = std::max(1, std::min(8, static_cast<int>(n / period)));
  const double block = block_beats * period;
  const int steps = std::max(1, static_cast<int>(std::ceil(period)));
  Pattern p;
  for (double start = 0; start + block <= static_cast<double>(n) + 0.5; start += block) {
    double best = -1, phase = start;
    for (int s = 0; s < steps; ++s) {
      const double ph = start + s * period / steps;
      double sum = 0;
      for (int k = 0; k < block_beats; ++k) sum += v(ph + k * period);
      if (sum > best) {
        best = sum;
        phase = ph;
      }
    }
    for (int k = 0; k < block_beats; ++k) {
      const double b = phase + k * period;
      p.beat += v(b);
      p.half += v(b + period / 2);
      p.third1 += v(b + period / 3);
      p.third2 += v(b + 2 * period / 3);
      p.quarter += 0.5 * (v(b + period / 4) + v(b + 3 * period / 4));
      p.sixth += 0.5 * (v(b + period / 6) + v(b + 5 * period / 6));
      p.low_beat += at(low, b);
      p.low_half += at(low, b + period / 2);
    }
  }
  return p;
}

struct Level {
  double bpm = 0, period = 0, comb = 0;
  double subdivision = 0, finer = 0, low_sub = 0, violation = 0, total = 0;
};

double subdivision_ratio(const Pattern& p) {
  return p.beat > 0 ? std::max({p.half, p.third1, p.third2}) / p.beat : 0;
}

// `slower` is the pattern at twice the period: it tells whether alternate beats of this
// level are systematically weaker (then an unsubdivided level is a subdivision itself).
void judge(Level& l, const Pattern& p, const Pattern& slower) {
  l.subdivision = subdivision_ratio(p);
  const bool binary = p.half >= 0.5 * (p.third1 + p.third2);
  const double sub = binary ? p.half : 0.5 * (p.third1 + p.third2);
  // Without subdivisions there is nothing finer to compare (a bare click track).
  l.finer = (binary ? p.quarter : p.sixth) / std::max(sub, kMinSubdivision * p.beat + 1e-9);
  const double alternate =
      std::clamp((kMaxSubdivision - subdivision_ratio(slower)) / (1 - kMaxSubdivision), 0.0, 1.0);
  // A kick as strong on the half beat as on the beat: the beat is twice as fast.
  l.low_sub = p.low_beat > 0 ? p.low_half / p.low_beat : 0;
  l.violation = std::max(0.0, l.low_sub - kMaxSubdivision) / (1 - kMaxSubdivision) +
                alternate * std::max(0.0, kMinSubdivision - l.subdivision) / kMinSubdivision +
                std::max(0.0, l.subdivision - kMaxSubdivision) / (1 - kMaxSubdivision) +
                std::max(0.0, l.finer - kMaxFiner) / (1 - kMaxFiner);
}

}  // namespace

std::vector<float> beat_accent(const OnsetFeatures& f) {
  std::vector<float> a(f.frames());
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = f.strength[i] + 2.0f * f.low_flux[i];
  return a;
}

namespace {

TempoEstimate estimate_in_range(const OnsetFeatures& f, const TempoOptions& o) {
  TempoEstimate est;
  const double fps = f.frame_rate;
  const std::size_t n = f.frames();
  double peak_power = 0;
  for (std::size_t i = 0; i < n; ++i)
    peak_power = std::max(peak_power, static_cast<double>(f.low[i] + f.mid[i] + f.high[i]));
  if (n == 0 || peak_power < kSilencePower) {
    est.reason = "silence";
    return est;
  }
  const std::vector<float> accent = beat_accent(f);
  const std::vector<float> nov = novelty(accent, static_cast<int>(std::lround(fps / 2)));
  // Attacks: the 99th percentile of onset strength (a loud frame a second or so).
  std::vector<float> sorted(f.strength);
  const auto q = static_cast<long>(0.99 * static_cast<double>(n - 1));
  std::nth_element(sorted.begin(), sorted.begin() + q, sorted.end());
  if (sorted[static_cast<std::size_t>(q)] < kMinOnsetStrength) {
    est.reason = "no onsets";
    return est;
  }
  const double max_period = 60.0 * fps / o.min_bpm;
  const int max_lag = static_cast<int>(std::ceil(4 * max_period)) + 2;
  const std::vector<double> r = autocorrelation(nov, max_lag);

  // Comb peaks over the range, on a 0.1 % tempo grid, refined by parabolic interpolation.
  std::vector<Level> peaks;
  {
    std::vector<double> grid, score;
    for (double bpm = o.min_bpm; bpm <= o.max_bpm; bpm *= 1.001) {
      grid.push_back(bpm);
      score.push_back(comb(r, 60.0 * fps / bpm));
    }
    for (std::size_t i = 1; i + 1 < grid.size(); ++i) {
      if (score[i] > score[i - 1] && score[i] >= score[i + 1]) {
        const double a = score[i - 1], b = score[i], c = score[i + 1];
        const double d = a - 2 * b + c;
        const double off = d < 0 ? 0.5 * (a - c) / d : 0;
        Level l;
        l.bpm = grid[i] * std::pow(1.001, off);
        l.period = 60.0 * fps / l.bpm;
        l.comb = comb(r, l.period);
        peaks.push_back(l);
      }
    }
  }
  if (peaks.empty()) {
    est.reason = "no periodic pulse";
    return est;
  }
  std::sort(peaks.begin(), peaks.end(), [](const Level& a, const Level& b) {
    return a.comb != b.comb ? a.comb > b.comb : a.bpm < b.bpm;
  });
  if (peaks.front().comb < kMinPeriodicity) {
    est.reason = "no periodic pulse";
    return est;
  }
  // The candidates: the strongest comb peaks, and the metrical relatives of the best one
  // (each moved to the comb peak nearest to it, if one lies within 2 %).
  std::vector<Level> cands;
  auto add = [&](double bpm) {
    if (bpm < o.min_bpm * 0.999 || bpm > o.max_bpm * 1.001) return;
    for (const Level& p : peaks) {
      if (std::fabs(p.bpm / bpm - 1) < 0.02) {
        bpm = p.bpm;
        break;
      }
    }
    for (const Level& c : cands)
      if (std::fabs(c.bpm / bpm - 1) < 0.015) return;
    Level l;
    l.bpm = bpm;
    l.period = 60.0 * fps / bpm;
    l.comb = comb(r, l.period);
    cands.push_back(l);
  };
  for (std::size_t i = 0; i < peaks.size() && i < 3; ++i) add(peaks[i].bpm);
  const double best = peaks.front().bpm;
  for (double ratio : {0.5, 2.0, 1.0 / 3, 3.0, 2.0 / 3, 1.5}) add(best * ratio);

  const std::vector<float> m = max_filter(accent, 1), low = max_filter(f.low_flux, 1);
  const double top_comb = peaks.front().comb;
  // The comb at any period, extending the autocorrelation when a period is longer than the
  // range needed (octave relatives outside the range).
  std::vector<double> r_long;
  auto comb_at = [&](double period) {
    if (4 * period + 2 < static_cast<double>(r.size())) return comb(r, period);
    if (r_long.empty()) r_long = autocorrelation(nov, static_cast<int>(std::ceil(4 * period)) + 2);
    if (4 * period + 2 >= static_cast<double>(r_long.size()))
      r_long = autocorrelation(nov, static_cast<int>(std::ceil(4 * period)) + 2);
    return comb(r_long, period);
  };
  for (Level& l : cands) {
    judge(l, measure_pattern(m, low, l.period), measure_pattern(m, low, 2 * l.period));
    const double lp = std::log2(l.bpm / o.prior_bpm) / o.prior_octaves;
    l.total = -l.violation + 0.5 * l.comb / top_comb - 0.05 * lp * lp;
  }
  std::sort(cands.begin(), cands.end(), [](const Level& a, const Level& b) {
    return a.total != b.total ? a.total > b.total : a.bpm < b.bpm;
  });
  // A range can exclude the real beat level (clicks at 120 with --bpm-range 40-90): when no
  // candidate in it is a valid level, find a valid level an octave or two outside and report
  // its octave inside the range (60 there), rather than an unrelated 2/3 level.
  if (cands.front().violation > 0.25) {
    double best_total = cands.front().total;
    std::size_t pick = 0;
    for (std::size_t i = 0; i < cands.size(); ++i) {
      for (double factor : {2.0, 0.5, 4.0, 0.25}) {
        Level l;
        l.bpm = cands[i].bpm * factor;
        if (l.bpm < 20 || l.bpm > 400) continue;
        l.period = 60.0 * fps / l.bpm;
        l.comb = comb_at(l.period);
        judge(l, measure_pattern(m, low, l.period), measure_pattern(m, low, 2 * l.period));
        l.total = -l.violation + 0.5 * l.comb / top_comb;
        if (l.violation < cands.front().violation - 0.25 && l.total > best_total) {
          best_total = l.total;
          pick = i;
        }
      }
    }
    if (pick != 0) {
      cands[pick].total = cands.front().total + 0.01;
      std::stable_sort(cands.begin(), cands.end(),
                       [](const Level& a, const Level& b) { return a.total > b.total; });
    }
  }
  const Level& win = cands.front();
  est.found = true;
  est.bpm = win.bpm;
  est.period_frames = win.period;
  // Confidence: how periodic the accent is, times how clearly the level beat the others.
  const double margin = cands.size() > 1 ? win.total - cands[1].total : 1.0;
  const double periodic = std::clamp((win.comb - kMinPeriodicity) / 0.3, 0.0, 1.0);
  const double clear = 1.0 - std::exp(-std::max(0.0, margin) / 0.15);
  est.confidence = std::clamp(periodic * clear * (1.0 - std::min(1.0, win.violation)), 0.0, 1.0);
  for (std::size_t i = 1;
       i < cands.size() && static_cast<int>(est.alternatives.size()) < o.max_alternatives; ++i) {
    est.alternatives.push_back({cands[i].bpm, std::exp(3.0 * (cands[i].total - win.total))});
  }
  return est;
}

}  // namespace

TempoEstimate estimate_tempo(const OnsetFeatures& f, const TempoOptions& o) {
  if (!(o.min_bpm >= 20 && o.max_bpm <= 400 && o.min_bpm < o.max_bpm))
    throw Error(Exit::usage, "", "invalid tempo range");
  TempoEstimate in_range = estimate_in_range(f, o);
  const TempoOptions defaults;
  TempoOptions wide = o;
  wide.min_bpm = std::min(o.min_bpm, defaults.min_bpm);
  wide.max_bpm = std::max(o.max_bpm, defaults.max_bpm);
  if (wide.min_bpm == o.min_bpm && wide.max_bpm == o.max_bpm) return in_range;
  if (!in_range.found && in_range.reason != "no periodic pulse") return in_range;
  // A narrowed range states which octave the user wants, not that the beat is another
  // metrical level: D&B at 174 with 60-120 is 87, never the 2/3 level 116. So the beat is
  // found over the wide range, and its octave inside the narrow one is reported when there
  // is one.
  const TempoEstimate all = estimate_in_range(f, wide);
  if (!all.found) return in_range;
  if (!in_range.found) {
    char text[120];
    std::snprintf(text, sizeof text, "the beat (%.1f BPM) has no octave in the range %g-%g",
                  all.bpm, o.min_bpm, o.max_bpm);
    in_range.reason = text;
    return in_range;
  }
  for (double factor : {1.0, 0.5, 2.0, 0.25, 4.0}) {
    const double bpm = all.bpm * factor;
    if (bpm < o.min_bpm || bpm > o.max_bpm) continue;
    if (std::fabs(in_range.bpm / bpm - 1) < 0.02) return in_range;
    TempoEstimate folded = all;
    folded.bpm = bpm;
    folded.period_frames = all.period_frames / factor;
    folded.alternatives.clear();
    folded.alternatives.push_back({in_range.bpm, 0.5});
    for (const TempoCandidate& c : in_range.alternatives) {
      if (static_cast<int>(folded.alternatives.size()) >= o.max_alternatives) break;
      if (std::fabs(c.bpm / bpm - 1) >= 0.02) folded.alternatives.push_back({c.bpm, c.score * 0.5});
    }
    return folded;
  }
  return in_range;  // no octave of the beat fits (a range narrower than an octave)
}

void parse_bpm_range(const std::string& text, TempoOptions& options) {
  double lo = 0, hi = 0;
  char dash = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%lf%c%lf%n", &lo, &dash, &hi, &used) != 3 || dash != '-' ||
      static_cast<std::size_t>(used) != text.size() || !(lo >= 20 && hi <= 400 && lo < hi)) {
    throw Error(Exit::usage, "",
                "--bpm-range must be MIN-MAX with 20 <= MIN < MAX <= 400: " + text);
  }
  options.min_bpm = lo;
  options.max_bpm = hi;
}

}  // namespace audio
