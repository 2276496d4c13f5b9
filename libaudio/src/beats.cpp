#include "libaudio/beats.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "libaudio/harmonic_change.hpp"
#include "libaudio/time_warp.hpp"

namespace audio {
namespace {

// correct_swing_phase: the accent a third of a beat after the grid's beats must reach this
// share of the accent at them, and this multiple of the accent at two thirds and at the half.
constexpr double kSwingBeat = 0.5, kSwingOver = 2.0;

// correct_offbeat_phase: a segment of at least kOffbeatMinBeats beats moves half a beat when
// the log of the accent at its beats over that at its half beats is under kOffbeatAccent,
// the log of the harmonic change at the half beats over that at the beats, over two beats
// either side, is over kOffbeatHarmony, and over a bar either side it is still above 0 (a
// melody figure repeated every bar, the synthesizer's eighth-note arpeggio, can favour the
// half beats over two beats, never over whole bars). Chosen on the tuning halves of
// scripts/eval-real: MIDI beat F 0.772 -> 0.806, game soundtracks' beat F against the peers'
// consensus 0.806 -> 0.842. Without the accent bound (harmony weighed against accent) MIDI
// reached 0.834, but real recordings whose accent clearly prefers the beats moved off them;
// the bar-wide test alone (threshold 0.03) moved game tracks off the peers' beats (0.770).
constexpr double kOffbeatAccent = 0.1, kOffbeatHarmony = 0.1;
constexpr std::size_t kOffbeatMinBeats = 16;

struct Line {
  double a = 0, p = 0, sse = 0;
};

// Weighted least squares t = a + p k over points [i, j), from prefix sums.
struct Prefix {
  std::vector<double> w, k, t, kk, kt, tt;
  Prefix(const std::vector<double>& ks, const std::vector<double>& ts,
         const std::vector<double>& ws) {
    const std::size_t n = ks.size();
    for (auto* v : {&w, &k, &t, &kk, &kt, &tt}) v->assign(n + 1, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      // Relative to the first beat, so sums stay well conditioned on long tracks.
      const double x = ks[i] - ks[0], y = ts[i] - ts[0], q = ws[i];
      w[i + 1] = w[i] + q;
      k[i + 1] = k[i] + q * x;
      t[i + 1] = t[i] + q * y;
      kk[i + 1] = kk[i] + q * x * x;
      kt[i + 1] = kt[i] + q * x * y;
      tt[i + 1] = tt[i] + q * y * y;
    }
  }
  Line fit(std::size_t i, std::size_t j) const {
    const double n = w[j] - w[i], sk = k[j] - k[i], st = t[j] - t[i], skk = kk[j] - kk[i],
                 skt = kt[j] - kt[i], stt = tt[j] - tt[i];
    const double den = n * skk - sk * sk;
    Line l;
    if (den <= 0) return l;
    l.p = (n * skt - sk * st) / den;
    l.a = (st - l.p * sk) / n;
    l.sse = std::max(0.0, stt - 2 * l.a * st - 2 * l.p * skt + l.a * l.a * n + 2 * l.a * l.p * sk +
                              l.p * l.p * skk);
    return l;
  }
};

// A weighted line through (k, t), refitted without points more than `reject` periods off.
// It starts from the majority phase, not from a fit of all points: the slope is the median
// of the periods measured over spans of up to 32 tracked beats, the intercept the densest
// window of offsets t - slope * k, so a stretch tracked on the off-beat cannot tilt the
// line towards itself. (Beat-to-beat periods alone leave the slope a few tenths of a per
// cent out on jittery beats; over a long segment that tilts the window off the beats.)
Line robust_fit(const std::vector<double>& k, const std::vector<double>& t,
                const std::vector<double>& w, double reject) {
  Line l;
  const std::size_t n = k.size();
  if (n < 2) return l;
  const std::size_t span = std::clamp<std::size_t>(n / 8, 1, 32);
  std::vector<double> steps;
  for (std::size_t i = span; i < n; ++i)
    steps.push_back((t[i] - t[i - span]) / (k[i] - k[i - span]));
  std::nth_element(steps.begin(), steps.begin() + static_cast<long>(steps.size() / 2), steps.end());
  const double p0 = steps[steps.size() / 2];
  std::vector<std::pair<double, std::size_t>> offsets;
  for (std::size_t i = 0; i < n; ++i) offsets.push_back({t[i] - p0 * (k[i] - k[0]), i});
  std::sort(offsets.begin(), offsets.end());
  double best = -1, window = 0;
  std::size_t lo = 0, best_lo = 0, best_hi = 0;
  for (std::size_t hi = 0; hi < n; ++hi) {
    window += w[offsets[hi].second];
    while (offsets[hi].first - offsets[lo].first > 2 * reject * p0)
      window -= w[offsets[lo++].second];
    if (window > best) {
      best = window;
      best_lo = lo;
      best_hi = hi;
    }
  }
  std::vector<char> keep(n, 0);
  for (std::size_t i = best_lo; i <= best_hi; ++i) keep[offsets[i].second] = 1;
  for (int pass = 0; pass < 4; ++pass) {
    double sw = 0, sk = 0, st = 0, skk = 0, skt = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!keep[i]) continue;
      const double x = k[i] - k[0], y = t[i] - t[0], q = w[i];
      sw += q;
      sk += q * x;
      st += q * y;
      skk += q * x * x;
      skt += q * x * y;
    }
    const double den = sw * skk - sk * sk;
    if (den <= 0) break;
    l.p = (sw * skt - sk * st) / den;
    l.a = t[0] + (st - l.p * sk) / sw - l.p * k[0];  // back to absolute numbers
    double sse = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double r = t[i] - (l.a + l.p * k[i]);
      keep[i] = std::fabs(r) <= reject * l.p;
      if (keep[i]) sse += w[i] * r * r;
    }
    l.sse = sse;
  }
  return l;
}

// The period (frames) maximising the accent's autocorrelation at 4, 8, 16, ... periods
// within [first, last], each peak located to a fraction of a frame by a parabola, then a
// least-squares slope through them. 0 when no long lag fits or a peak strays.
double refine_period(const std::vector<float>& accent, std::size_t first, std::size_t last,
                     double period) {
  if (last <= first) return 0;
  const std::size_t n = last - first + 1;
  double mean = 0;
  for (std::size_t i = first; i <= last; ++i) mean += accent[i];
  mean /= static_cast<double>(n);
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = accent[first + i] - mean;
  auto r = [&](long lag) {
    double s = 0;
    for (std::size_t i = static_cast<std::size_t>(lag); i < n; ++i)
      s += x[i] * x[i - static_cast<std::size_t>(lag)];
    return s / static_cast<double>(n - static_cast<std::size_t>(lag));
  };
  double skt = 0, skk = 0;
  for (int k = 4; k * period < 0.5 * static_cast<double>(n); k *= 2) {
    const long c = std::lround(k * period);
    long best = c;
    double vbest = r(c);
    for (long lag = c - 3; lag <= c + 3; ++lag) {
      const double v = r(lag);
      if (v > vbest) {
        vbest = v;
        best = lag;
      }
    }
    const double a = r(best - 1), e = r(best + 1), d = a - 2 * vbest + e;
    const double tau = static_cast<double>(best) + (d < 0 ? 0.5 * (a - e) / d : 0.0);
    if (std::fabs(tau - k * period) > 2.5) return 0;
    skt += k * tau;
    skk += static_cast<double>(k) * k;
  }
  return skk > 0 ? skt / skk : 0;
}

// The beats [begin, end) of segment s in grid.beats.
std::pair<std::size_t, std::size_t> segment_beats(const BeatGrid& grid, std::size_t s) {
  const auto begin = static_cast<std::size_t>(grid.segments[s].first_beat);
  const std::size_t end = s + 1 < grid.segments.size()
                              ? static_cast<std::size_t>(grid.segments[s + 1].first_beat)
                              : grid.beats.size();
  return {begin, end};
}

// The grid's tempo and first beat are the longest segment's (its phase, unless constant).
void set_grid_from_longest(BeatGrid& grid) {
  if (grid.segments.empty()) return;
  std::size_t longest = 0;
  for (std::size_t s = 0; s < grid.segments.size(); ++s) {
    const TempoSegment& a = grid.segments[s];
    const TempoSegment& b = grid.segments[longest];
    if (a.end - a.start > b.end - b.start) longest = s;
  }
  grid.bpm = grid.segments[longest].bpm;
  grid.period = 60.0 / grid.bpm;
  grid.first_beat = grid.constant ? grid.beats.front() : grid.segments[longest].phase;
}

// Replaces each segment's least-squares period by refine_period's over the segment's frames,
// re-anchoring its phase on the tracked beats within it.
void refine_segments(BeatGrid& grid, const std::vector<BeatPoint>& points,
                     const std::vector<float>& accent, std::size_t first, std::size_t last,
                     const OnsetFeatures& f) {
  for (std::size_t s = 0; s < grid.segments.size(); ++s) {
    TempoSegment& seg = grid.segments[s];
    const auto [begin, end] = segment_beats(grid, s);
    const double period = 60.0 / seg.bpm;
    const auto lo =
        static_cast<std::size_t>(std::clamp(f.frame_at(seg.start - 0.5 * period),
                                            static_cast<double>(first), static_cast<double>(last)));
    const auto hi = static_cast<std::size_t>(std::clamp(
        f.frame_at(seg.end + 0.5 * period), static_cast<double>(first), static_cast<double>(last)));
    const double p_refined = refine_period(accent, lo, hi, period * f.frame_rate);
    if (p_refined <= 0) continue;
    const double p = p_refined / f.frame_rate;
    // The phase is the weighted median of the beats' offsets, not their mean: a breakdown
    // tracked a few tens of milliseconds off (pads, no kick) would pull a mean over the
    // whole track that far.
    std::vector<std::pair<double, double>> offsets;  // (offset, weight)
    double sw = 0;
    for (const BeatPoint& b : points) {
      if (b.position < seg.start - 0.5 * period || b.position > seg.end + 0.5 * period) continue;
      const double k = std::round((b.position - seg.start) / period);
      const double r = b.position - (seg.start + period * k);
      if (std::fabs(r) > 0.12 * period) continue;
      const double w = std::min(2.0, b.strength);
      sw += w;
      offsets.emplace_back(b.position - p * k, w);
    }
    if (sw <= 0) continue;
    std::sort(offsets.begin(), offsets.end());
    double a = offsets.back().first, below = 0;
    for (const auto& [offset, w] : offsets) {
      below += w;
      if (below >= 0.5 * sw) {
        a = offset;
        break;
      }
    }
    for (std::size_t i = begin; i < end; ++i)
      grid.beats[i] = a + p * static_cast<double>(i - begin);
    seg.bpm = 60.0 / p;
    seg.phase = a;
    seg.start = grid.beats[begin];
    seg.end = grid.beats[end - 1];
  }
}

// The strongest accent within `radius` frames of a time.
double accent_peak(const std::vector<float>& accent, const OnsetFeatures& f, double seconds,
                   long radius) {
  const long frames = static_cast<long>(accent.size()), c = std::lround(f.frame_at(seconds));
  double m = 0;
  for (long i = std::max(0L, c - radius); i <= std::min(frames - 1, c + radius); ++i)
    m = std::max(m, static_cast<double>(accent[static_cast<std::size_t>(i)]));
  return m;
}

// Moves segment s (its beats [begin, end) of the grid) later by `seconds`.
void shift_segment(BeatGrid& grid, std::size_t s, std::size_t begin, std::size_t end,
                   double seconds) {
  TempoSegment& seg = grid.segments[s];
  for (std::size_t i = begin; i < end; ++i) grid.beats[i] += seconds;
  seg.phase += seconds;
  seg.start = grid.beats[begin];
  seg.end = grid.beats[end - 1];
}

// Swing: a beat tracker can lock onto the swung off-beat, which in jazz, ragtime and
// shuffles is often louder than the beat (a ride or a piano's off-beat chord). The swung
// note follows the beat at two thirds of it (long-short), never at one third: so when, on
// this grid, the accent one third after the beats is as strong as at them and far stronger
// than at two thirds and at the half, the grid sits on the off-beats, and the beats are a
// third of a period later.
void correct_swing_phase(BeatGrid& grid, const std::vector<float>& accent, const OnsetFeatures& f) {
  auto at = [&](double seconds) { return accent_peak(accent, f, seconds, 1); };
  for (std::size_t s = 0; s < grid.segments.size(); ++s) {
    const auto [begin, end] = segment_beats(grid, s);
    if (end < begin + 8) continue;
    const double p = 60.0 / grid.segments[s].bpm;
    double on = 0, third = 0, two_thirds = 0, half = 0;
    for (std::size_t i = begin; i < end; ++i) {
      const double b = grid.beats[i];
      on += at(b);
      third += at(b + p / 3);
      two_thirds += at(b + 2 * p / 3);
      half += at(b + p / 2);
    }
    if (third < kSwingBeat * on || third < kSwingOver * std::max(two_thirds, half)) continue;
    shift_segment(grid, s, begin, end, p / 3);
  }
}

// Off-beat: a tracker can lock onto the half beat where syncopated accents (off-beat
// chords, a bass on the "and", pushed kicks) are as loud as the beat. Chords change on the
// beat, not half-way between: where the accent barely prefers the grid's beats to its half
// beats and the harmony changes clearly more at the half beats, the beats are half a period
// later (thresholds at kOffbeatAccent).
void correct_offbeat_phase(BeatGrid& grid, const std::vector<float>& accent,
                           const OnsetFeatures& f) {
  const long frames = static_cast<long>(accent.size());
  auto peak = [&](double seconds) { return accent_peak(accent, f, seconds, 2); };
  auto frame = [&](double seconds) {
    return std::clamp(std::lround(f.frame_at(seconds)), 0L, frames);
  };
  for (std::size_t s = 0; s < grid.segments.size(); ++s) {
    const auto [begin, end] = segment_beats(grid, s);
    if (end < begin + kOffbeatMinBeats) continue;
    const double p = 60.0 / grid.segments[s].bpm;
    std::vector<std::array<double, 12>> halves;  // chroma per half beat
    double on_accent = 0, half_accent = 0;
    for (std::size_t i = begin; i < end; ++i) {
      on_accent += peak(grid.beats[i]);
      half_accent += peak(grid.beats[i] + p / 2);
      for (int h = 0; h < 2; ++h) {
        std::array<double, 12> c{};
        for (long t = frame(grid.beats[i] + h * p / 2); t < frame(grid.beats[i] + (h + 1) * p / 2);
             ++t)
          for (std::size_t q = 0; q < 12; ++q) c[q] += f.chroma[static_cast<std::size_t>(t)][q];
        halves.push_back(c);
      }
    }
    // log(change at the half beats / change at the beats), the change measured over
    // `window` half beats either side; NaN when either is nothing.
    auto half_over_beat_change = [&](std::size_t window) {
      const std::vector<double> change = harmonic_change(halves, window);
      double on = 0, half = 0;
      for (std::size_t j = window; j + window + 1 < change.size(); j += 2) {
        on += change[j];
        half += change[j + 1];
      }
      return on > 0 && half > 0 ? std::log(half / on) : std::nan("");
    };
    if (!(on_accent > 0 && half_accent > 0) ||
        !(std::log(on_accent / half_accent) < kOffbeatAccent) ||
        !(half_over_beat_change(4) > kOffbeatHarmony) || !(half_over_beat_change(8) > 0))
      continue;
    shift_segment(grid, s, begin, end, p / 2);
  }
}

// Carries the first segment's grid back towards `from` and the last one's on towards `to`
// (frames), a beat at a time while an onset (accent over `threshold`) lies within a tenth
// of a period of the next grid position.
void extend_grid(BeatGrid& grid, const std::vector<float>& accent, float threshold,
                 const OnsetFeatures& f, std::size_t from, std::size_t to) {
  if (grid.beats.empty() || grid.segments.empty()) return;
  auto onset_near = [&](double t, double period) {
    const double c = f.frame_at(t), w = 0.1 * period * f.frame_rate + 1;
    const long lo = std::max(static_cast<long>(from), static_cast<long>(std::floor(c - w)));
    const long hi = std::min(static_cast<long>(to), static_cast<long>(std::ceil(c + w)));
    for (long i = lo; i <= hi; ++i)
      if (accent[static_cast<std::size_t>(i)] >= threshold) return true;
    return false;
  };
  TempoSegment& head = grid.segments.front();
  const double p0 = 60.0 / head.bpm;
  std::vector<double> before;
  for (double t = grid.beats.front() - p0; t >= -0.1 * p0 && onset_near(t, p0); t -= p0)
    before.push_back(t);
  std::reverse(before.begin(), before.end());
  grid.beats.insert(grid.beats.begin(), before.begin(), before.end());
  for (TempoSegment& s : grid.segments) s.first_beat += static_cast<int>(before.size());
  head.first_beat = 0;
  head.start = grid.beats.front();
  if (grid.constant) grid.first_beat = grid.beats.front();
  TempoSegment& tail = grid.segments.back();
  const double p1 = 60.0 / tail.bpm;
  for (double t = grid.beats.back() + p1; onset_near(t, p1); t += p1) grid.beats.push_back(t);
  tail.end = grid.beats.back();
}

// Live playing drifts: a band without a click speeds up and settles back, and the straight
// lines of the grid then sit up to half a beat off the beats. Where the tracked beats stray
// from a segment's line smoothly and far, the segment's beats follow them: each moves by a
// local linear fit over time (tricube weights, kDriftWindow periods either side) of the
// tracked beats' offsets from the line. The offsets are taken to the nearest line beat and
// unwrapped along the track, so a stretch the line misses by nearly half a beat is still
// followed. Runs before the swing and off-beat corrections, which then move whole segments.
// Not followed:
//  - a segment where the tracking jumps (more than kDriftJump of a period a beat) between
//    two stretches of 8 beats or more: the tracker changed its metrical position (an intro
//    on the off-beat, a middle on a swung off-beat a third of a beat early), and following
//    both would tear the segment apart; shorter stumbles are left out of the fit;
//  - a segment whose drift varies by less than kDriftRms (RMS about its median): a steady
//    segment keeps its exact grid, which averages out the tracker's jitter;
//  - a segment whose moved beats would find no more accent than the line's (kDriftGain): a
//    tracker wandering off a steady beat strays from the line too, but the onsets stay on it.
// Chosen on the tuning halves of scripts/eval-real. The drift corpus (MIDI renderings swung
// +-3 % over 20 s): beat F 0.443 -> 0.638. Following every stretch near the line gave 0.689
// there but moved a game recording's grid (80 BPM, its middle tracked on the swung off-beat)
// off the beat at both ends; without the accent test 9 MIDI renderings and 15 game recordings
// moved (MIDI beat F 0.819 -> 0.814); as chosen, no figure of the other tuning halves moves. An
// RMS of 12 or 20 ms, or jumps of 0.06 of a period, moved beats of the synthesizer's tracks;
// at 30 ms and 0.12 its corpus is unchanged.
constexpr double kDriftWindow = 6;    // periods either side
constexpr double kDriftRms = 0.03;    // seconds
constexpr double kDriftJump = 0.12;   // periods a beat
constexpr double kDriftMoved = 0.03;  // seconds: beats moved this far are checked ...
constexpr double kDriftGain = 1.1;    // ... for this much more accent where they move to

// The tracked beats near a segment's line beats [first, last): their times and their offsets
// from the nearest line beat, unwrapped along the track (a steady slide past half a period
// stays one slide).
struct LineOffsets {
  std::vector<double> time, offset;
  std::vector<bool> use;  // the points the drift follows
};

LineOffsets line_offsets(const std::vector<BeatPoint>& points,
                         std::vector<double>::const_iterator first,
                         std::vector<double>::const_iterator last, double period) {
  LineOffsets o;
  for (const BeatPoint& b : points) {
    const double t = b.position;
    if (t < *first - 0.5 * period || t > *(last - 1) + 0.5 * period) continue;
    const auto next = std::lower_bound(first, last, t);
    double r = std::numeric_limits<double>::infinity();
    if (next != last) r = t - *next;
    if (next != first && std::fabs(t - *(next - 1)) < std::fabs(r)) r = t - *(next - 1);
    if (!o.offset.empty()) r += period * std::round((o.offset.back() - r) / period);
    o.time.push_back(t);
    o.offset.push_back(r);
  }
  o.use.assign(o.offset.size(), true);
  return o;
}

// Splits the offsets into pieces at jumps (kDriftJump) and keeps `use` for the longest piece
// only. False when another piece holds 8 points or more: the tracker then sat at another
// metrical position for a while (a swung off-beat, a breakdown's late pads), and following
// it would tear the segment's beats apart.
bool keep_longest_piece(LineOffsets& o, double period) {
  const std::size_t n = o.offset.size();
  std::vector<std::size_t> piece(n, 0);
  for (std::size_t j = 1; j < n; ++j) {
    const double gap = std::max(1.0, std::round((o.time[j] - o.time[j - 1]) / period));
    piece[j] =
        piece[j - 1] + (std::fabs(o.offset[j] - o.offset[j - 1]) > kDriftJump * period * gap);
  }
  std::vector<std::size_t> size(piece.back() + 1, 0);
  for (std::size_t q : piece) ++size[q];
  const auto longest =
      static_cast<std::size_t>(std::max_element(size.begin(), size.end()) - size.begin());
  for (std::size_t q = 0; q < size.size(); ++q)
    if (q != longest && size[q] >= 8) return false;
  for (std::size_t j = 0; j < n; ++j) o.use[j] = piece[j] == longest;
  return true;
}

// The local linear fit of the used offsets at time t (tricube weights over kDriftWindow
// periods either side); NaN with fewer than 4 points there.
double drift_at(const LineOffsets& o, double t, double period) {
  const double radius = (kDriftWindow + 1) * period;
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  int count = 0;
  const auto lo = std::lower_bound(o.time.begin(), o.time.end(), t - radius) - o.time.begin();
  for (auto j = static_cast<std::size_t>(lo); j < o.time.size() && o.time[j] < t + radius; ++j) {
    if (!o.use[j]) continue;
    const double x = (o.time[j] - t) / period, u = std::fabs(o.time[j] - t) / radius;
    const double w = std::pow(1 - u * u * u, 3), y = o.offset[j];
    sw += w, sx += w * x, sy += w * y, sxx += w * x * x, sxy += w * x * y;
    ++count;
  }
  if (count < 4) return std::numeric_limits<double>::quiet_NaN();
  const double det = sw * sxx - sx * sx;
  return det > 1e-9 * sw * sw ? (sy * sxx - sx * sxy) / det : sy / sw;
}

// NaN entries take the nearest values, interpolated between two.
void fill_gaps(std::vector<double>& v) {
  const std::size_t n = v.size();
  std::size_t prev = n;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(v[i])) continue;
    for (std::size_t j = prev == n ? 0 : prev + 1; j < i; ++j)
      v[j] = prev == n ? v[i]
                       : v[prev] + (v[i] - v[prev]) * static_cast<double>(j - prev) /
                                       static_cast<double>(i - prev);
    prev = i;
  }
  if (prev == n) return;
  for (std::size_t j = prev + 1; j < n; ++j) v[j] = v[prev];
}

// The drift of segment s's beats [begin, end) (empty when the segment is steady).
std::vector<double> segment_drift(const BeatGrid& grid, std::size_t begin, std::size_t end,
                                  double period, const std::vector<BeatPoint>& points) {
  const auto first = grid.beats.begin() + static_cast<long>(begin);
  LineOffsets o = line_offsets(points, first, grid.beats.begin() + static_cast<long>(end), period);
  if (o.offset.size() < 8) return {};
  if (!keep_longest_piece(o, period)) return {};
  // Once more without the tracker's stray beats (a tenth of a period off the fit).
  for (std::size_t j = 0; j < o.time.size(); ++j) {
    if (!o.use[j]) continue;
    const double v = drift_at(o, o.time[j], period);
    o.use[j] = std::isnan(v) || std::fabs(o.offset[j] - v) <= 0.1 * period;
  }
  std::vector<double> drift, known;
  for (std::size_t i = begin; i < end; ++i) {
    drift.push_back(drift_at(o, grid.beats[i], period));
    if (!std::isnan(drift.back())) known.push_back(drift.back());
  }
  if (known.size() < 8) return {};
  std::nth_element(known.begin(), known.begin() + static_cast<long>(known.size() / 2), known.end());
  const double median = known[known.size() / 2];
  double ss = 0;
  for (double v : known) ss += (v - median) * (v - median);
  if (std::sqrt(ss / static_cast<double>(known.size())) < kDriftRms) return {};
  fill_gaps(drift);
  return drift;
}

void follow_drift(BeatGrid& grid, const std::vector<BeatPoint>& points,
                  const std::vector<float>& accent, const OnsetFeatures& f) {
  bool moved = false;
  for (std::size_t s = 0; s < grid.segments.size(); ++s) {
    const auto [begin, end] = segment_beats(grid, s);
    if (end - begin < 8) continue;
    const std::vector<double> drift =
        segment_drift(grid, begin, end, 60.0 / grid.segments[s].bpm, points);
    if (drift.empty()) continue;
    // A tracker that wanders off a steady beat also strays from the line; then the line's
    // beats, not the tracked ones, sit on the onsets. Follow only where the moved beats find
    // clearly more accent than the line's.
    double on_line = 0, moved_to = 0;
    for (std::size_t i = begin; i < end; ++i) {
      if (std::fabs(drift[i - begin]) < kDriftMoved) continue;
      on_line += accent_peak(accent, f, grid.beats[i], 2);
      moved_to += accent_peak(accent, f, grid.beats[i] + drift[i - begin], 2);
    }
    if (!(moved_to > kDriftGain * on_line)) continue;
    for (std::size_t i = begin; i < end; ++i) grid.beats[i] += drift[i - begin];
    grid.segments[s].start = grid.beats[begin];
    grid.segments[s].end = grid.beats[end - 1];
    moved = true;
  }
  // Drift never reorders beats.
  if (moved)
    for (std::size_t i = 1; i < grid.beats.size(); ++i)
      grid.beats[i] = std::max(grid.beats[i], grid.beats[i - 1] + 1e-3);
}

}  // namespace

const double kRiseLatency = 0.5;

std::vector<BeatPoint> track_beats(const std::vector<float>& accent, double frame_rate,
                                   double period_frames, const BeatOptions& options) {
  const std::size_t n = accent.size();
  std::vector<BeatPoint> beats;
  if (n == 0 || period_frames < 2) return beats;
  // Normalise so the tightness means the same for loud and quiet tracks.
  double mean = 0, var = 0;
  for (float v : accent) mean += v;
  mean /= static_cast<double>(n);
  for (float v : accent) var += (v - mean) * (v - mean);
  const double sd = std::sqrt(var / static_cast<double>(n));
  if (sd <= 0) return beats;
  std::vector<double> local(n);
  for (std::size_t i = 0; i < n; ++i) local[i] = accent[i] / sd;
  const std::vector<double> period = tempo_curve(accent, frame_rate, period_frames, 12, false);

  std::vector<double> score(n);
  std::vector<long> back(n, -1);
  for (std::size_t t = 0; t < n; ++t) {
    const double p = period[t];
    const long from = static_cast<long>(t) - static_cast<long>(std::lround(2 * p)),
               to = static_cast<long>(t) - static_cast<long>(std::lround(p / 2));
    double best = 0;
    long arg = -1;
    for (long s = std::max(0L, from); s <= to; ++s) {
      const double d = std::log(static_cast<double>(static_cast<long>(t) - s) / p);
      const double v = score[static_cast<std::size_t>(s)] - options.tightness * d * d;
      if (arg < 0 || v > best) {
        best = v;
        arg = s;
      }
    }
    score[t] = local[t] + (arg >= 0 ? best : 0.0);
    back[t] = arg;
  }
  // The last beat: the best score within the final period.
  const auto last_from =
      static_cast<std::size_t>(std::max(0L, static_cast<long>(n) - std::lround(period.back())));
  std::size_t end = last_from;
  for (std::size_t t = last_from; t < n; ++t)
    if (score[t] > score[end]) end = t;
  std::vector<long> frames;
  for (long t = static_cast<long>(end); t >= 0; t = back[static_cast<std::size_t>(t)])
    frames.push_back(t);
  std::reverse(frames.begin(), frames.end());
  auto a = [&](long i) { return static_cast<double>(accent[static_cast<std::size_t>(i)]); };
  const long last = static_cast<long>(n) - 1;
  for (long b : frames) {
    // The attack's peak within a frame of the beat, then back to where it rose through half
    // of that peak (linear interpolation between the frames around the crossing).
    long j = b;
    for (long x = std::max(0L, b - 2); x <= std::min(last, b + 2); ++x)
      if (a(x) > a(j)) j = x;
    const double half = 0.5 * a(j);
    long x = j;
    while (x > 0 && x > j - 2 && a(x - 1) >= half) --x;
    double pos = static_cast<double>(x);
    if (x > 0 && a(x - 1) < half && a(x) > a(x - 1))
      pos = static_cast<double>(x - 1) + (half - a(x - 1)) / (a(x) - a(x - 1));
    beats.push_back({pos, std::max(a(j), 1e-6)});
  }
  return beats;
}

BeatGrid fit_beat_grid(const std::vector<BeatPoint>& points, double period_guess,
                       const BeatOptions& options) {
  BeatGrid g;
  if (points.size() < 4 || period_guess <= 0) return g;
  // Weights: strength relative to the median beat, capped, so a few huge hits cannot
  // dominate and weak beats (breakdowns) still count a little.
  std::vector<double> strengths;
  for (const BeatPoint& b : points) strengths.push_back(b.strength);
  std::nth_element(strengths.begin(), strengths.begin() + static_cast<long>(strengths.size() / 2),
                   strengths.end());
  const double median = std::max(1e-9, strengths[strengths.size() / 2]);
  // Beat numbers: a gap of n periods counts n; a beat closer than half a period to the
  // previous one is a spurious extra and is dropped.
  std::vector<double> k{0}, t{points[0].position}, w{std::min(2.0, points[0].strength / median)};
  for (std::size_t i = 1; i < points.size(); ++i) {
    const double gap = points[i].position - t.back();
    const double steps = std::round(gap / period_guess);
    if (steps < 1) continue;
    // A beat about half-way (under 3/4 of a period) whose successor is a period after the
    // previous beat is an extra: skip it rather than count it.
    if (gap < 0.75 * period_guess && i + 1 < points.size() &&
        std::fabs(points[i + 1].position - t.back() - period_guess) < 0.25 * period_guess)
      continue;
    k.push_back(k.back() + steps);
    t.push_back(points[i].position);
    w.push_back(std::clamp(points[i].strength / median, 0.05, 2.0));
  }
  // Drop beats far off a line through their 8 neighbours on each side (a tracker that
  // briefly follows an off-beat must not look like a tempo change).
  {
    std::vector<double> k2, t2, w2;
    const std::size_t n = k.size();
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<double> nk, nt, nw;
      for (std::size_t j = i >= 8 ? i - 8 : 0; j < std::min(n, i + 9); ++j) {
        if (j == i) continue;
        nk.push_back(k[j]);
        nt.push_back(t[j]);
        nw.push_back(w[j]);
      }
      const Line l = robust_fit(nk, nt, nw, 0.2);
      if (l.p > 0 && std::fabs(t[i] - (l.a + l.p * k[i])) > 0.2 * l.p) continue;
      k2.push_back(k[i]);
      t2.push_back(t[i]);
      w2.push_back(w[i]);
    }
    k.swap(k2);
    t.swap(t2);
    w.swap(w2);
  }
  const std::size_t n = k.size();
  if (n < 4) return g;
  // Penalised least-squares segmentation, boundaries on every 4th tracked beat.
  const Prefix pre(k, t, w);
  const std::size_t min_len = static_cast<std::size_t>(std::max(4, options.min_segment_beats));
  std::vector<std::size_t> cuts{0};
  if (n >= 2 * min_len) {
    std::vector<std::size_t> nodes;
    for (std::size_t i = 0; i < n; i += 4) nodes.push_back(i);
    if (nodes.back() != n) nodes.push_back(n);
    const std::size_t m = nodes.size();
    std::vector<double> cost(m, std::numeric_limits<double>::infinity());
    std::vector<std::size_t> from(m, 0);
    cost[0] = 0;
    for (std::size_t j = 1; j < m; ++j) {
      for (std::size_t i = 0; i < j; ++i) {
        if (nodes[j] - nodes[i] < min_len && !(i == 0 && j == m - 1)) continue;
        const double c = cost[i] + pre.fit(nodes[i], nodes[j]).sse + options.segment_penalty;
        if (c < cost[j]) {
          cost[j] = c;
          from[j] = i;
        }
      }
    }
    std::vector<std::size_t> path;
    for (std::size_t j = m - 1; j > 0; j = from[j]) path.push_back(nodes[j]);
    cuts.clear();
    cuts.push_back(0);
    for (auto it = path.rbegin(); it != path.rend(); ++it) cuts.push_back(*it);
    cuts.pop_back();
  }
  cuts.push_back(n);
  // Robust line per segment; neighbours within 0.5 % of each other's tempo are merged (a
  // phase slip of the tracker is not a tempo change).
  struct Seg {
    std::size_t i, j;
    Line line;
  };
  auto fit_range = [&](std::size_t i, std::size_t j) {
    auto part = [&](const std::vector<double>& v) {
      return std::vector<double>(v.begin() + static_cast<long>(i),
                                 v.begin() + static_cast<long>(j));
    };
    return robust_fit(part(k), part(t), part(w), 0.12);
  };
  std::vector<Seg> segs;
  for (std::size_t s = 0; s + 1 < cuts.size(); ++s)
    segs.push_back({cuts[s], cuts[s + 1], fit_range(cuts[s], cuts[s + 1])});
  // Not every split is a tempo change. Merge (and refit robustly, so the majority phase
  // wins) until neither holds: two neighbours within 0.5 % of each other's tempo (a phase
  // slip of the tracker), or a segment between two that agree within 0.3 % (the tracker
  // drifting from a wrong phase back to the right one over a few bars).
  auto merge = [&](std::size_t from, std::size_t to) {  // segments [from, to]
    segs[from].j = segs[to].j;
    segs[from].line = fit_range(segs[from].i, segs[from].j);
    segs.erase(segs.begin() + static_cast<long>(from) + 1,
               segs.begin() + static_cast<long>(to) + 1);
  };
  auto close = [&](std::size_t a, std::size_t b, double tolerance) {
    return std::fabs(segs[a].line.p / segs[b].line.p - 1) < tolerance;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t s = 1; s + 1 < segs.size() && !changed; ++s) {
      if (close(s - 1, s + 1, 0.003)) {
        merge(s - 1, s + 1);
        changed = true;
      }
    }
    for (std::size_t s = 0; s + 1 < segs.size() && !changed; ++s) {
      if (close(s, s + 1, 0.005)) {
        merge(s, s + 1);
        changed = true;
      }
    }
  }
  // Boundaries were searched on every 4th beat: move each by up to 6 beats to where the two
  // lines fit best.
  for (std::size_t s = 0; s + 1 < segs.size(); ++s) {
    Seg &a = segs[s], &b = segs[s + 1];
    std::size_t best = a.j;
    double best_sse = pre.fit(a.i, a.j).sse + pre.fit(b.i, b.j).sse;
    for (std::size_t c = a.j > 6 ? a.j - 6 : 0; c <= a.j + 6 && c < b.j; ++c) {
      if (c < a.i + 4 || c + 4 > b.j) continue;
      const double sse = pre.fit(a.i, c).sse + pre.fit(c, b.j).sse;
      if (sse < best_sse) {
        best_sse = sse;
        best = c;
      }
    }
    if (best != a.j) {
      a.j = best;
      b.i = best;
      a.line = fit_range(a.i, a.j);
      b.line = fit_range(b.i, b.j);
    }
  }
  g.found = true;
  g.constant = segs.size() == 1;
  double sse = 0;
  std::size_t longest = 0;
  for (std::size_t s = 0; s < segs.size(); ++s) {
    const Seg& seg = segs[s];
    sse += seg.line.sse;
    TempoSegment ts;
    ts.first_beat = static_cast<int>(g.beats.size());
    // The last grid beat of a segment stops short of the next segment's first beat.
    const double k_end = k[seg.j - 1];
    for (double b = k[seg.i]; b <= k_end + 0.5; b += 1) {
      const double time = seg.line.a + seg.line.p * b;
      if (!g.beats.empty() && time <= g.beats.back() + 0.5 * seg.line.p) continue;
      g.beats.push_back(time);
    }
    ts.start = g.beats[static_cast<std::size_t>(ts.first_beat)];
    ts.end = g.beats.back();
    ts.bpm = 60.0 / seg.line.p;
    ts.phase = ts.start;
    g.segments.push_back(ts);
    if (ts.end - ts.start > g.segments[longest].end - g.segments[longest].start) longest = s;
  }
  g.bpm = g.segments[longest].bpm;
  g.period = 60.0 / g.bpm;
  g.first_beat = g.segments[longest].phase;
  if (g.constant) g.first_beat = g.beats.front();
  g.residual = std::sqrt(sse / std::max(1e-9, pre.w[n]));
  return g;
}

// The extra weight of the kick/bass band in the beat tracker's accent (analyze_beats).
constexpr float kBeatLowWeight = 0.5f;

namespace {

BeatGrid beats_of(const OnsetFeatures& f, const TempoEstimate& tempo, const BeatOptions& options) {
  // The beats follow the onset strength with the low band counted 1.5 times, not the
  // tempo's 3 times (beat_accent): in real arrangements the bass often plays syncopated
  // figures (anticipations, swung eighths) that a kick-weighted accent pulls the phase onto
  // (MIDI tuning half: beat F 0.688 -> 0.735). Without any extra weight (0.756) a
  // breakbeat's snares and off-beat hats took the phase half a beat off.
  const std::vector<float> accent = beat_accent(f, kBeatLowWeight);
  const std::vector<BeatPoint> tracked =
      track_beats(accent, f.frame_rate, tempo.period_frames, options);
  // The active part: from the first to the last frame whose accent reaches a tenth of the
  // track's loud onsets (95th percentile), so no beats are invented in lead-in silence.
  std::vector<float> sorted(accent);
  const auto q = static_cast<long>(0.95 * static_cast<double>(sorted.size() - 1));
  std::nth_element(sorted.begin(), sorted.begin() + q, sorted.end());
  const float threshold = 0.1f * sorted[static_cast<std::size_t>(q)];
  std::size_t first = 0, last = accent.size() - 1;
  while (first < accent.size() && accent[first] < threshold) ++first;
  while (last > first && accent[last] < threshold) --last;
  const double margin = 0.25 * tempo.period_frames;
  std::vector<BeatPoint> points;
  for (const BeatPoint& b : tracked) {
    const double pos = b.position;
    if (pos < static_cast<double>(first) - margin || pos > static_cast<double>(last) + margin)
      continue;
    points.push_back({f.time(pos + kRiseLatency), b.strength});
  }
  // The ends: a beat needs an onset of at least a quarter of the typical beat's strength
  // (a note-off click or a fade's splatter in the tail is not one).
  float beat_floor = threshold;
  if (!points.empty()) {
    std::vector<double> s;
    for (const BeatPoint& b : points) s.push_back(b.strength);
    std::nth_element(s.begin(), s.begin() + static_cast<long>(s.size() / 2), s.end());
    beat_floor = std::max(threshold, static_cast<float>(0.25 * s[s.size() / 2]));
    while (!points.empty() && points.back().strength < beat_floor) points.pop_back();
    std::size_t lead = 0;
    while (lead < points.size() && points[lead].strength < beat_floor) ++lead;
    points.erase(points.begin(), points.begin() + static_cast<long>(lead));
  }
  BeatGrid grid = fit_beat_grid(points, tempo.period_frames / f.frame_rate, options);
  if (!grid.found) return grid;
  refine_segments(grid, points, accent, first, last, f);
  follow_drift(grid, points, accent, f);
  correct_swing_phase(grid, accent, f);
  correct_offbeat_phase(grid, accent, f);
  set_grid_from_longest(grid);  // after both: they move the segments' tempi and phases
  // The tracker may lose the phase where the music is thin (a kick-and-hats intro whose
  // off-beat hats are louder than its on-beat ones); those beats are dropped as outliers,
  // and the grid, which holds there too, is carried out to the first and last onsets.
  extend_grid(grid, accent, beat_floor, f, first, last);
  // A beat right at the start may come out a few milliseconds before it; report it at 0
  // (first_beat and the segment phases keep the exact grid).
  for (double& b : grid.beats) b = std::max(0.0, b);
  return grid;
}

}  // namespace

BeatGrid analyze_beats(const OnsetFeatures& f, const TempoEstimate& tempo,
                       const BeatOptions& options) {
  if (!tempo.found || f.frames() == 0) return {};
  if (tempo.warp.identity()) return beats_of(f, tempo, options);
  // A drifting tempo: the beats are found in the steady time the tempo was estimated in, and
  // carried back.
  const OnsetFeatures steady = warp_features(f, tempo.warp);
  BeatGrid g = beats_of(steady, tempo, options);
  auto real = [&](double seconds) { return f.time(tempo.warp.to_real(steady.frame_at(seconds))); };
  for (double& b : g.beats) b = std::max(0.0, real(b));
  for (std::size_t i = 0; i < g.segments.size(); ++i) {
    TempoSegment& s = g.segments[i];
    s.start = real(s.start);
    s.end = real(s.end);
    s.phase = real(s.phase);
    if (const auto [begin, end] = segment_beats(g, i); end > begin + 1)
      s.bpm = 60.0 * static_cast<double>(end - 1 - begin) / (g.beats[end - 1] - g.beats[begin]);
  }
  g.first_beat = real(g.first_beat);
  g.constant = false;  // no one straight grid holds
  set_grid_from_longest(g);
  return g;
}

}  // namespace audio
