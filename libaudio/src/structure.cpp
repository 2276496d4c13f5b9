#include "libaudio/structure.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace audio {
namespace {

// Two sections are compared bar by bar at the best of the alignments up to this many bars
// apart: a boundary found two bars off (a pre-chorus's last bars taken into the chorus) must
// not hide that two choruses repeat. On the structure corpus's tuning half, 1 -> 2 took the
// bars labelled right from 0.939 to 0.974 (re-voiced unchanged); 4 lined up verses with
// choruses over a shared loop (re-voiced bars 0.961 -> 0.829).
constexpr int kAlignBars = 2;

// Bar activity: flux under this floor (silence, a held pad) counts as the floor.
constexpr double kActivityFloor = 0.01;

std::size_t clamp_index(double x, std::size_t n) {
  if (!(x > 0)) return 0;
  return std::min(n, static_cast<std::size_t>(x));
}

// Standardises each column of rows of N values (mean 0, deviation 1 over the rows).
template <std::size_t N>
void zscore_columns(std::vector<std::array<float, N>>& rows) {
  if (rows.empty()) return;
  const auto n = double(rows.size());
  for (std::size_t p = 0; p < N; ++p) {
    double mean = 0, var = 0;
    for (const auto& r : rows) mean += r[p];
    mean /= n;
    for (const auto& r : rows) var += (r[p] - mean) * (r[p] - mean);
    const double sd = std::sqrt(var / n) + 1e-6;
    for (auto& r : rows) r[p] = float((r[p] - mean) / sd);
  }
}

// Index of the beat whose start is nearest t.
std::size_t nearest_beat(const std::vector<double>& times, double t) {
  const auto it = std::lower_bound(times.begin(), times.end(), t);
  if (it == times.begin()) return 0;
  if (it == times.end()) return times.size() - 1;
  const auto i = static_cast<std::size_t>(it - times.begin());
  return t - times[i - 1] < times[i] - t ? i - 1 : i;
}

// Mean similarity of beat k of one section with beat k (+ shift) of the other.
double diagonal_similarity(const std::vector<float>& ssm, std::size_t n, std::size_t p0,
                           std::size_t p1, std::size_t q0, std::size_t q1, int max_shift) {
  const std::size_t len = std::min(p1 - p0, q1 - q0);
  if (len == 0) return 0;
  double best = 0;
  for (int s = -max_shift; s <= max_shift; ++s) {
    double sum = 0;
    std::size_t count = 0;
    for (std::size_t k = 0; k < len; ++k) {
      const long q = static_cast<long>(q0 + k) + s;
      if (q < 0 || q >= static_cast<long>(n)) continue;
      sum += ssm[(p0 + k) * n + static_cast<std::size_t>(q)];
      ++count;
    }
    if (count > len / 2) best = std::max(best, sum / double(count));
  }
  return best;
}

// Per bar: its similarity to the same bar of the best-matching repeat of its section (the
// alignment a bar either way that fits the two sections best), 0 when it has no repeat. A
// fill, a pickup or a last bar that the repeats do not share scores low.
std::vector<double> bar_repetition(const std::vector<StructureSection>& secs,
                                   const std::vector<float>& ssm, std::size_t n) {
  std::vector<double> out(n, 0.0);
  for (std::size_t k = 0; k < secs.size(); ++k)
    for (std::size_t j = 0; j < secs.size(); ++j) {
      if (j == k || secs[j].group != secs[k].group) continue;
      // A section longer than its repeat (a chorus played twice in a row) meets the repeat
      // again from its start: bar i against bar i mod the repeat's length.
      const int len = secs[k].bars, other = std::max(1, secs[j].bars);
      auto at = [&](int i, int shift) -> double {
        const long b = secs[k].first_bar + i, c = secs[j].first_bar + i % other + shift;
        if (b < 0 || c < 0 || b >= long(n) || c >= long(n)) return -1;
        return ssm[std::size_t(b) * n + std::size_t(c)];
      };
      int best_shift = 0;
      double best = -1;
      for (int shift = -1; shift <= 1; ++shift) {
        double sum = 0;
        int count = 0;
        for (int i = 0; i < len; ++i)
          if (const double v = at(i, shift); v >= 0) sum += v, ++count;
        if (count > len / 2 && sum / count > best) best = sum / count, best_shift = shift;
      }
      for (int i = 0; i < len; ++i) {
        const double v = at(i, best_shift);
        const auto b = std::size_t(secs[k].first_bar + i);
        if (v >= 0 && b < n) out[b] = std::max(out[b], v);
      }
    }
  return out;
}

}  // namespace

BeatFeatures beat_features(const OnsetFeatures& onsets, const TimbreFeatures& timbre,
                           const std::vector<double>& beats, double end_time) {
  BeatFeatures f;
  if (beats.empty()) return f;
  f.times = beats;
  const double last = beats.size() >= 2 ? beats.back() - beats[beats.size() - 2] : 0.5;
  const double close = std::min(end_time, beats.back() + last);
  const std::size_t n = beats.size();
  f.chroma.resize(n);
  f.timbre.resize(n);
  f.activity.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t0 = beats[i], t1 = i + 1 < n ? beats[i + 1] : std::max(close, t0 + 0.05);
    std::array<double, 12> c{};
    std::array<double, 3> flux{};
    std::size_t a = clamp_index(std::ceil(onsets.frame_at(t0)), onsets.frames());
    std::size_t b = clamp_index(std::ceil(onsets.frame_at(t1)), onsets.frames());
    for (std::size_t k = a; k < b; ++k) {
      for (int p = 0; p < 12; ++p) c[p] += onsets.chroma[k][p];
      flux[0] += onsets.low_flux[k];
      flux[1] += onsets.mid_flux[k];
      flux[2] += onsets.high_flux[k];
    }
    for (int r = 0; r < 3; ++r)
      f.activity[i][r] = float(std::log2(kActivityFloor + (b > a ? flux[r] / double(b - a) : 0.0)));
    double norm = 0;
    for (double v : c) norm += v * v;
    norm = std::sqrt(norm);
    for (int p = 0; p < 12; ++p) f.chroma[i][p] = norm > 1e-9 ? float(c[p] / norm) : 0.0f;

    std::array<double, kTimbreCoefficients> m{};
    a = clamp_index(std::ceil(timbre.frame_at(t0)), timbre.frames());
    b = clamp_index(std::ceil(timbre.frame_at(t1)), timbre.frames());
    if (a >= b && timbre.frames() > 0) {  // a beat shorter than a timbre frame
      a = std::min(a, timbre.frames() - 1);
      b = a + 1;
    }
    for (std::size_t k = a; k < b; ++k)
      for (int p = 0; p < kTimbreCoefficients; ++p) m[p] += timbre.coefficients[k][p];
    for (int p = 0; p < kTimbreCoefficients; ++p)
      f.timbre[i][p] = b > a ? float(m[p] / double(b - a)) : 0.0f;
  }
  // z-score each coefficient over the song: what matters is how a beat differs from the rest.
  zscore_columns(f.timbre);
  zscore_columns(f.activity);
  return f;
}

std::vector<float> self_similarity(const BeatFeatures& f, double chroma_weight) {
  const std::size_t n = f.chroma.size();
  std::vector<float> s(n * n);
  std::vector<double> tnorm(n);
  for (std::size_t i = 0; i < n; ++i) {
    double v = 0;
    for (float x : f.timbre[i]) v += double(x) * x;
    if (!f.activity.empty())
      for (float x : f.activity[i]) v += double(x) * x;
    tnorm[i] = std::sqrt(v) + 1e-9;
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i; j < n; ++j) {
      double c = 0, t = 0;
      for (int p = 0; p < 12; ++p) c += double(f.chroma[i][p]) * f.chroma[j][p];
      for (int p = 0; p < kTimbreCoefficients; ++p) t += double(f.timbre[i][p]) * f.timbre[j][p];
      if (!f.activity.empty())
        for (int r = 0; r < 3; ++r) t += double(f.activity[i][r]) * f.activity[j][r];
      const double v =
          chroma_weight * c + (1 - chroma_weight) * 0.5 * (1 + t / (tnorm[i] * tnorm[j]));
      s[i * n + j] = s[j * n + i] = float(v);
    }
  }
  return s;
}

std::vector<double> checkerboard_novelty(const std::vector<float>& ssm, std::size_t n, int half) {
  std::vector<double> out(n, 0.0);
  if (half < 1) return out;
  const double sigma = 0.5 * half;
  std::vector<double> g(static_cast<std::size_t>(2 * half));
  for (int a = -half; a < half; ++a)
    g[static_cast<std::size_t>(a + half)] = std::exp(-0.5 * std::pow((a + 0.5) / sigma, 2));
  double full = 0;
  for (double a : g)
    for (double b : g) full += a * b;
  full /= 2;  // the same-side half
  for (std::size_t i = 0; i < n; ++i) {
    double sum = 0, weight_pos = 0, weight_neg = 0;
    for (int a = -half; a < half; ++a) {
      const long r = static_cast<long>(i) + a;
      if (r < 0 || r >= static_cast<long>(n)) continue;
      for (int b = -half; b < half; ++b) {
        const long c = static_cast<long>(i) + b;
        if (c < 0 || c >= static_cast<long>(n)) continue;
        const double w =
            g[static_cast<std::size_t>(a + half)] * g[static_cast<std::size_t>(b + half)];
        const bool same = (a < 0) == (b < 0);
        const double v = ssm[static_cast<std::size_t>(r) * n + static_cast<std::size_t>(c)];
        sum += same ? w * v : -w * v;
        (same ? weight_pos : weight_neg) += w;
      }
    }
    // Normalised by the whole kernel, so that near the ends, where part of it falls outside,
    // the novelty fades instead of being made of a bar or two.
    (void)weight_neg;
    (void)weight_pos;
    out[i] = std::max(0.0, sum / full);
  }
  return out;
}

void label_sections(std::vector<StructureSection>& secs, const std::vector<float>& ssm,
                    const std::vector<double>& beat_times, const StructureOptions& options,
                    const std::vector<float>& arrangement) {
  const std::size_t m = secs.size(), n = beat_times.size();
  if (m == 0) return;
  std::vector<std::size_t> b0(m), b1(m);
  for (std::size_t k = 0; k < m; ++k) {
    b0[k] = n ? nearest_beat(beat_times, secs[k].start) : 0;
    b1[k] = n ? nearest_beat(beat_times, secs[k].end) : 0;
    if (n && secs[k].end >= beat_times.back()) b1[k] = n;
    b1[k] = std::max(b1[k], b0[k]);
  }
  // Similarity of every pair, then groups (union-find over pairs that repeat each other).
  std::vector<double> sim(m * m, 0.0), same_arrangement(m * m, 1.0);
  for (std::size_t a = 0; a < m; ++a)
    for (std::size_t b = a + 1; b < m; ++b) {
      sim[a * m + b] = sim[b * m + a] =
          diagonal_similarity(ssm, n, b0[a], b1[a], b0[b], b1[b], kAlignBars);
      if (!arrangement.empty())
        same_arrangement[a * m + b] = same_arrangement[b * m + a] =
            diagonal_similarity(arrangement, n, b0[a], b1[a], b0[b], b1[b], kAlignBars);
    }
  std::vector<std::size_t> parent(m);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (std::size_t a = 0; a < m; ++a)
    for (std::size_t b = a + 1; b < m; ++b)
      if (sim[a * m + b] >= options.group_similarity &&
          same_arrangement[a * m + b] >= options.group_arrangement &&
          std::fabs(secs[a].energy - secs[b].energy) <= options.group_energy)
        parent[find(b)] = find(a);
  // Group numbers in order of first appearance.
  std::vector<int> number(m, -1);
  int groups = 0;
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t r = find(k);
    if (number[r] < 0) number[r] = groups++;
    secs[k].group = number[r];
  }
  // Sections per group and their mean energy (a group emptied by a move keeps 0 and 0).
  std::vector<int> count;
  std::vector<double> energy;
  auto tally = [&] {
    count.assign(static_cast<std::size_t>(groups), 0);
    energy.assign(static_cast<std::size_t>(groups), 0.0);
    for (const auto& s : secs) {
      ++count[static_cast<std::size_t>(s.group)];
      energy[static_cast<std::size_t>(s.group)] += s.energy;
    }
    for (int g = 0; g < groups; ++g)
      if (count[static_cast<std::size_t>(g)])
        energy[static_cast<std::size_t>(g)] /= count[static_cast<std::size_t>(g)];
    for (auto& s : secs) s.repeats = count[static_cast<std::size_t>(s.group)];
  };
  tally();
  for (std::size_t k = 0; k < m; ++k) {
    double best = 0;
    for (std::size_t j = 0; j < m; ++j)
      if (j != k) best = std::max(best, sim[k * m + j]);
    secs[k].repetition = best;
  }
  // The chorus: the loud, repeated group. A repeated group well below the loudest section is
  // no chorus (a quiet intro and outro often play the same), so salience gates repetition.
  double loudest = 0;
  for (const auto& s : secs) loudest = std::max(loudest, s.energy);
  int chorus = -1;
  double chorus_score = -1;
  for (int g = 0; g < groups; ++g) {
    const auto gi = static_cast<std::size_t>(g);
    if (count[gi] < 2 || energy[gi] < loudest - options.chorus_salience) continue;
    const double score = energy[gi] + 0.05 * (count[gi] - 2);
    if (score > chorus_score) {
      chorus_score = score;
      chorus = g;
    }
  }
  if (chorus < 0 && m >= 2) {
    // Nothing loud repeats exactly: the loudest section past the first, and the sections
    // nearly as similar to it and as loud, are the chorus.
    std::size_t best = 1;
    for (std::size_t k = 1; k < m; ++k)
      if (secs[k].energy > secs[best].energy) best = k;
    chorus = secs[best].group;
    for (std::size_t k = 0; k < m; ++k)
      if (k != best && secs[k].group != chorus &&
          sim[k * m + best] >= options.group_similarity - 0.1 &&
          same_arrangement[k * m + best] >= options.group_arrangement - 0.1 &&
          std::fabs(secs[k].energy - secs[best].energy) <= options.group_energy &&
          count[static_cast<std::size_t>(secs[k].group)] == 1)
        secs[k].group = chorus;
    tally();
  }
  std::size_t first_chorus = m;
  for (std::size_t k = 0; k < m && first_chorus == m; ++k)
    if (secs[k].group == chorus) first_chorus = k;
  const double chorus_energy = chorus >= 0 ? energy[static_cast<std::size_t>(chorus)] : 0;
  for (std::size_t k = 0; k < m; ++k) {
    StructureSection& s = secs[k];
    if (s.group == chorus) {
      s.label = "chorus";
    } else if (s.repeats >= 2) {
      s.label = "verse";
    } else if (k == 0 && m > 1) {
      s.label = "intro";
    } else if (k + 1 == m && m > 1) {
      s.label = "outro";
    } else if (chorus >= 0 && s.energy < 0.5 * chorus_energy) {
      s.label = "breakdown";
    } else if (chorus >= 0 && k < first_chorus) {
      s.label = "verse";  // what leads into the first chorus, if not the intro, is a verse
    } else {
      s.label = chorus >= 0 ? "bridge" : "verse";
    }
  }
  // A clearly loudest chorus is the climax.
  if (chorus >= 0 && count[static_cast<std::size_t>(chorus)] >= 2) {
    std::size_t top = m;
    double others = 0;
    for (std::size_t k = 0; k < m; ++k)
      if (secs[k].group == chorus && (top == m || secs[k].energy > secs[top].energy)) top = k;
    for (std::size_t k = 0; k < m; ++k)
      if (secs[k].group == chorus && k != top) others = std::max(others, secs[k].energy);
    if (secs[top].energy > others + 0.08) secs[top].label = "climax";
  }
}

std::vector<double> repetition_novelty(const std::vector<float>& ssm, std::size_t n, int embed,
                                       int smooth) {
  std::vector<double> out(n, 0.0);
  if (n < 4) return out;
  // Delay-embedded similarity: a bar and the next embed - 1 bars against another such run.
  std::vector<float> e(n * n, 0.0f);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double sum = 0;
      int count = 0;
      for (int k = 0; k < embed && i + k < n && j + k < n; ++k, ++count)
        sum += ssm[(i + k) * n + j + k];
      e[i * n + j] = float(sum / std::max(1, count));
    }
  // Mutual nearest neighbours (away from the diagonal): the recurrence plot.
  const std::size_t kappa = std::max<std::size_t>(2, n / 10);
  std::vector<float> row_cut(n), col_cut(n), tmp;
  for (std::size_t i = 0; i < n; ++i) {
    tmp.clear();
    for (std::size_t j = 0; j < n; ++j)
      if ((i > j ? i - j : j - i) >= 2) tmp.push_back(e[i * n + j]);
    if (tmp.size() < kappa) {
      row_cut[i] = 2;
      continue;
    }
    std::nth_element(tmp.begin(), tmp.begin() + long(kappa - 1), tmp.end(), std::greater<>());
    row_cut[i] = tmp[kappa - 1];
  }
  col_cut = row_cut;  // e is symmetric
  // Lag matrix (circular), smoothed along time, and the distance between neighbours.
  std::vector<float> lag(n * n, 0.0f);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t l = 1; l < n; ++l) {
      const std::size_t j = (i + l) % n;
      const float v = e[i * n + j];
      if ((i > j ? i - j : j - i) >= 2 && v >= row_cut[i] && v >= col_cut[j] && v > 0.6f)
        lag[i * n + l] = 1.0f;
    }
  std::vector<double> g;
  for (int k = -2 * smooth; k <= 2 * smooth; ++k)
    g.push_back(std::exp(-0.5 * k * k / double(smooth * smooth)));
  std::vector<float> p(n * n, 0.0f);
  for (std::size_t i = 0; i < n; ++i)
    for (int k = -2 * smooth; k <= 2 * smooth; ++k) {
      const long r = long(i) + k;
      if (r < 0 || r >= long(n)) continue;
      const double w = g[static_cast<std::size_t>(k + 2 * smooth)];
      for (std::size_t l = 0; l < n; ++l) p[i * n + l] += float(w * lag[std::size_t(r) * n + l]);
    }
  for (std::size_t i = 1; i < n; ++i) {
    double d = 0;
    for (std::size_t l = 0; l < n; ++l) {
      const double x = p[i * n + l] - p[(i - 1) * n + l];
      d += x * x;
    }
    out[i] = d;
  }
  return out;
}

namespace {

// snap_boundaries_to_phrases moves a boundary only to a bar whose novelty is this share of
// its own. Chosen on the tuning halves of scripts/eval-structure-real: at 0.3 weak bars took
// boundaries (shared-loop songs' clips in a chorus 14 -> 13 of 16), at 0.7 too few moved
// (re-voiced songs' boundary F at 0.5 s 0.917 -> 0.908).
constexpr double kSnapShare = 0.5;

// A chorus played twice in a row reads as one section twice as long as its repeats
// elsewhere, which never lets a clip or a cue start at the second one. A chorus exactly
// k >= 2 times as long as the shortest chorus of its group (of 8 bars or more) is k choruses.
bool split_repeated_choruses(std::vector<StructureSection>& secs, const BarGrid& grid,
                             const std::vector<double>& bar_novelty) {
  std::vector<int> shortest;
  for (const auto& s : secs) {
    if (s.label != "chorus") continue;
    if (shortest.size() <= std::size_t(s.group)) shortest.resize(std::size_t(s.group) + 1, 0);
    int& m = shortest[std::size_t(s.group)];
    m = m == 0 ? s.bars : std::min(m, s.bars);
  }
  bool changed = false;
  std::vector<StructureSection> out;
  for (const auto& s : secs) {
    const int unit = s.label == "chorus" ? shortest[std::size_t(s.group)] : 0;
    if (unit < 8 || s.bars < 2 * unit || s.bars % unit != 0) {
      out.push_back(s);
      continue;
    }
    for (int b = 0; b < s.bars; b += unit) {
      StructureSection part = s;
      part.first_bar = s.first_bar + b;
      part.bars = unit;
      part.start = grid.starts[std::size_t(part.first_bar)];
      part.end = grid.starts[std::size_t(part.first_bar + unit)];
      part.novelty = bar_novelty[std::size_t(part.first_bar)];
      out.push_back(part);
    }
    changed = true;
  }
  secs = out;
  return changed;
}

// Whether the bar chroma changes at most kPairedBarRatio as much at one parity of bar lines
// as at the other. Slow songs read at twice their tempo (72 BPM as 144) score 0.03-0.10;
// the re-voiced and structure corpora, 0.33 and up.
constexpr double kPairedBarRatio = 0.2;

bool changes_on_alternate_bars(const BeatFeatures& bf) {
  double change[2] = {0, 0};
  for (std::size_t k = 1; k < bf.chroma.size(); ++k) {
    double c = 0;
    for (int p = 0; p < 12; ++p) c += double(bf.chroma[k - 1][p]) * bf.chroma[k][p];
    change[k % 2] += 1 - c;
  }
  const double most = std::max(change[0], change[1]);
  return most > 0 && std::min(change[0], change[1]) < kPairedBarRatio * most;
}

}  // namespace

void snap_boundaries_to_phrases(std::vector<std::size_t>& cuts, const std::vector<double>& novelty,
                                std::size_t min_bars) {
  auto phrase = [](std::size_t bars) { return bars % 4 == 0 ? 2 : bars % 2 == 0 ? 1 : 0; };
  // The phrase fit of the sections from cuts[from - 1] to cuts[to + 1], with cuts[from..to]
  // moved by `shift` bars; -1 when a moved boundary breaks the gap or the novelty rule.
  auto fit = [&](std::size_t from, std::size_t to, int shift) {
    int total = 0;
    std::size_t prev = cuts[from - 1];
    for (std::size_t c = from; c <= to + 1; ++c) {
      const bool moved = c <= to;
      const std::size_t k =
          moved ? static_cast<std::size_t>(static_cast<long>(cuts[c]) + shift) : cuts[c];
      if (k < prev + min_bars) return -1;
      if (moved && shift != 0 && novelty[k] < kSnapShare * novelty[cuts[c]]) return -1;
      total += phrase(k - prev);
      prev = k;
    }
    return total;
  };
  for (std::size_t c = 1; c + 1 < cuts.size(); ++c) {
    std::size_t best_to = c;
    int best_shift = 0, best_gain = 0;
    for (std::size_t to = c; to + 1 < cuts.size(); ++to) {
      const int now = fit(c, to, 0);
      for (const int shift : {-1, 1}) {
        const int moved = fit(c, to, shift);
        if (moved - now > best_gain) {
          best_gain = moved - now;
          best_shift = shift;
          best_to = to;
        }
      }
    }
    for (std::size_t k = c; best_shift != 0 && k <= best_to; ++k)
      cuts[k] = static_cast<std::size_t>(static_cast<long>(cuts[k]) + best_shift);
  }
}

Structure analyze_structure(const OnsetFeatures& onsets, const TimbreFeatures& timbre,
                            const Rhythm& rhythm, const EnergyCurve& energy,
                            const StructureOptions& options) {
  (void)rhythm;
  Structure st;
  const BarGrid& grid = energy.grid;
  st.bar_starts = grid.starts;
  for (const EnergyBar& b : energy.bars) st.bar_energy.push_back(b.energy);
  const std::size_t bars = grid.bars();
  if (bars == 0) return st;
  st.bar_novelty.assign(bars + 1, 0.0);

  const double end_time = onsets.time(double(onsets.frames()));
  // Bar-synchronous features: the beats of a bar averaged, so a bar played at any tempo
  // is one vector, and the pattern inside a bar (kick on 1, snare on 2) does not count.
  const std::vector<double> bar_times(grid.starts.begin(), grid.starts.end() - 1);
  const BeatFeatures bf = beat_features(onsets, timbre, bar_times, end_time);
  const std::size_t n = bf.times.size();
  const std::vector<float> ssm = self_similarity(bf, 0.5);
  // Chords that change only at every other bar line: the bars are half bars (a slow song
  // read at twice its tempo) or the harmony moves in two-bar steps. Either way a section
  // spans twice as many of these bars, so the kernel and the shortest section double.
  StructureOptions opt = options;
  if (changes_on_alternate_bars(bf)) {
    opt.kernel_bars *= 2;
    opt.min_section_bars *= 2;
  }
  // The chords change inside a section (bar by bar), so harmony would blur the checkerboard:
  // it sees timbre (what plays, how loud); repetition (below and in the labels) sees both.
  const std::vector<float> timbre_ssm = self_similarity(bf, 0.0);
  std::vector<double> cb = checkerboard_novelty(timbre_ssm, n, opt.kernel_bars);
  std::vector<double> rep = repetition_novelty(ssm, n, 1, 1);
  auto normalise = [&](std::vector<double>& v) {
    double top = 0;
    for (std::size_t k = 1; k < v.size(); ++k) top = std::max(top, v[k]);
    for (double& x : v) x = top > 0 ? x / top : 0;
  };
  normalise(cb);
  normalise(rep);
  for (std::size_t k = 1; k < bars; ++k) st.bar_novelty[k] = 0.5 * cb[k] + 0.5 * rep[k];
  normalise(st.bar_novelty);
  st.bar_novelty[0] = 1;

  // Peaks, strongest first, kept apart by min_section_bars (also from the ends).
  std::vector<std::size_t> cand;
  for (std::size_t k = 1; k < bars; ++k) {
    const double v = st.bar_novelty[k];
    if (v < opt.threshold) continue;
    bool peak = true;
    for (std::size_t j = k > 2 ? k - 2 : 1; j <= std::min(bars - 1, k + 2); ++j)
      if (j != k && (st.bar_novelty[j] > v || (st.bar_novelty[j] == v && j < k))) peak = false;
    if (peak) cand.push_back(k);
  }
  std::sort(cand.begin(), cand.end(), [&](std::size_t a, std::size_t b) {
    return st.bar_novelty[a] != st.bar_novelty[b] ? st.bar_novelty[a] > st.bar_novelty[b] : a < b;
  });
  std::vector<std::size_t> cuts{0, bars};
  const auto gap = static_cast<std::size_t>(std::max(1, opt.min_section_bars));
  for (std::size_t k : cand) {
    bool ok = true;
    for (std::size_t c : cuts)
      if ((k > c ? k - c : c - k) < gap) ok = false;
    if (ok) cuts.push_back(k);
  }
  std::sort(cuts.begin(), cuts.end());
  snap_boundaries_to_phrases(cuts, st.bar_novelty, gap);
  for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
    StructureSection s;
    s.first_bar = static_cast<int>(cuts[c]);
    s.bars = static_cast<int>(cuts[c + 1] - cuts[c]);
    s.start = grid.starts[cuts[c]];
    s.end = grid.starts[cuts[c + 1]];
    double e = 0;
    for (std::size_t b = cuts[c]; b < cuts[c + 1]; ++b) e += st.bar_energy[b];
    s.energy = e / s.bars;
    s.novelty = st.bar_novelty[cuts[c]];
    st.sections.push_back(s);
  }
  label_sections(st.sections, ssm, bf.times, opt, timbre_ssm);
  // A section followed by its own repeat is one section (a chord cycle played twice), but
  // only when the arrangement goes on unchanged: a verse and a chorus over one chord loop
  // repeat each other's harmony, and the change in what plays is what parts them.
  std::vector<StructureSection> merged;
  for (const StructureSection& s : st.sections) {
    if (!merged.empty() && merged.back().group == s.group && merged.back().label == s.label &&
        cb[static_cast<std::size_t>(s.first_bar)] < opt.merge_arrangement &&
        std::fabs(merged.back().energy - s.energy) < opt.merge_energy) {
      StructureSection& m = merged.back();
      m.energy = (m.energy * m.bars + s.energy * s.bars) / (m.bars + s.bars);
      m.bars += s.bars;
      m.end = s.end;
      continue;
    }
    merged.push_back(s);
  }
  if (merged.size() != st.sections.size()) {
    st.sections = merged;
    label_sections(st.sections, ssm, bf.times, opt, timbre_ssm);
  }
  if (split_repeated_choruses(st.sections, grid, st.bar_novelty))
    label_sections(st.sections, ssm, bf.times, opt, timbre_ssm);
  st.bar_repetition = bar_repetition(st.sections, ssm, n);
  return st;
}

Json sections_json(const std::vector<StructureSection>& sections) {
  Json a = Json::array();
  for (const auto& s : sections) {
    Json j;
    j["label"] = s.label;
    j["start"] = round_seconds(s.start);
    j["end"] = round_seconds(s.end);
    j["bars"] = s.bars;
    j["group"] = s.group;
    j["repeats"] = s.repeats;
    j["repetition"] = round_to(s.repetition, 3);
    j["energy"] = round_to(s.energy, 3);
    a.push_back(j);
  }
  return a;
}

}  // namespace audio
