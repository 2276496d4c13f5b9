#include "libaudio/time_warp.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace audio {

std::vector<double> tempo_curve(const std::vector<float>& accent, double fps, double period,
                                double window_seconds, bool fine) {
  const std::size_t n = accent.size();
  const auto window = static_cast<std::size_t>(window_seconds * fps),
             hop = static_cast<std::size_t>(2 * fps);
  if (n < 2 * window) return std::vector<double>(n, period);
  // Accent minus its mean over the window, as periodicity wants.
  std::vector<double> centres, periods;
  const int lo = static_cast<int>(std::floor(period / 1.12)),
            hi = static_cast<int>(std::ceil(period * 1.12));
  std::vector<double> c(window);
  for (std::size_t start = 0; start + window <= n; start += hop) {
    double mean = 0;
    for (std::size_t i = 0; i < window; ++i) mean += accent[start + i];
    mean /= static_cast<double>(window);
    double energy = 0;
    for (std::size_t i = 0; i < window; ++i) {
      c[i] = accent[start + i] - mean;
      energy += c[i] * c[i];
    }
    double best_period = period;
    if (energy > 0) {
      // Integer-lag autocorrelation up to 4 * hi, then the comb on lags lo..hi.
      const std::size_t max_lag =
          std::min<std::size_t>(4 * static_cast<std::size_t>(hi) + 1, window - 1);
      std::vector<double> r(max_lag + 1, 0.0);
      for (std::size_t lag = 0; lag <= max_lag; ++lag) {
        double s = 0;
        for (std::size_t i = lag; i < window; ++i) s += c[i] * c[i - lag];
        r[lag] = s / static_cast<double>(window - lag);
      }
      auto at = [&](double x) {
        const auto i = static_cast<std::size_t>(x);
        if (i + 1 > max_lag) return 0.0;
        const double f = x - static_cast<double>(i);
        return r[i] * (1 - f) + r[i + 1] * f;
      };
      double best = -std::numeric_limits<double>::infinity();
      auto comb = [&](double p) {
        double s = 0;
        for (int k = 1; k <= 4; ++k) s += at(k * p);
        return s;
      };
      // Quarter-frame steps: fine enough that the comb's peak is found to ~0.3 %.
      for (double p = lo; p <= hi; p += 0.25) {
        const double s = comb(p);
        if (s > best) {
          best = s;
          best_period = p;
        }
      }
      if (fine && best_period > lo && best_period < hi) {
        const double a = comb(best_period - 0.25), c = comb(best_period + 0.25);
        const double d = a - 2 * best + c;
        if (d < 0) best_period += 0.25 * 0.5 * (a - c) / d;
      }
    }
    centres.push_back(static_cast<double>(start) + static_cast<double>(window) / 2);
    periods.push_back(best_period);
  }
  std::vector<double> smooth(periods);
  for (std::size_t i = 0; i < periods.size() && !fine; ++i) {
    std::vector<double> w;
    for (std::size_t j = i >= 2 ? i - 2 : 0; j <= std::min(periods.size() - 1, i + 2); ++j)
      w.push_back(periods[j]);
    std::nth_element(w.begin(), w.begin() + static_cast<long>(w.size() / 2), w.end());
    smooth[i] = w[w.size() / 2];
  }
  std::vector<double> curve(n);
  std::size_t j = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(i);
    while (j + 1 < centres.size() && centres[j + 1] <= x) ++j;
    if (x <= centres.front()) {
      curve[i] = smooth.front();
    } else if (j + 1 >= centres.size()) {
      curve[i] = smooth.back();
    } else {
      const double f = (x - centres[j]) / (centres[j + 1] - centres[j]);
      curve[i] = smooth[j] * (1 - f) + smooth[j + 1] * f;
    }
  }
  return curve;
}

double TimeWarp::to_warped(double frame) const {
  if (identity()) return frame;
  const double last = static_cast<double>(warped_.size() - 1);
  const double x = std::clamp(frame, 0.0, last - 1e-9);
  const auto i = static_cast<std::size_t>(x);
  const double rate = warped_[i + 1] - warped_[i];
  return warped_[i] + (frame - static_cast<double>(i)) * rate;
}

double TimeWarp::to_real(double warped_frame) const {
  if (identity()) return warped_frame;
  // The segment [i, i + 1] holding warped_frame (the first or last one beyond the ends).
  const auto it = std::upper_bound(warped_.begin() + 1, warped_.end() - 1, warped_frame);
  const auto i = static_cast<std::size_t>(it - warped_.begin()) - 1;
  const double rate = warped_[i + 1] - warped_[i];
  return static_cast<double>(i) + (warped_frame - warped_[i]) / rate;
}

// A band's drift moves the tempo by a few percent over tens of seconds; 8 s windows follow
// it where the beat tracker's 12 s ones would halve it. kSteadyDeviation: see the header.
constexpr double kWarpWindow = 8, kSteadyDeviation = 0.004;

namespace {

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// The mean of |v|, its largest fifth left out (a fade's or a breakdown's few stray windows).
double trimmed_mean_deviation(std::vector<double> v) {
  for (double& x : v) x = std::fabs(x);
  std::sort(v.begin(), v.end());
  const std::size_t keep = std::max<std::size_t>(1, v.size() * 4 / 5);
  double sum = 0;
  for (std::size_t i = 0; i < keep; ++i) sum += v[i];
  return sum / static_cast<double>(keep);
}

// How far the log period strays from steady, where one tempo change between two sections
// does not count (the beat grid's tempo segments follow those): the trimmed mean deviation
// from the median of each side of the split that fits two constants best.
double drift_deviation(const std::vector<double>& log_period) {
  const std::size_t m = log_period.size();
  std::vector<double> sum(m + 1, 0.0), squares(m + 1, 0.0);
  for (std::size_t i = 0; i < m; ++i) {
    sum[i + 1] = sum[i] + log_period[i];
    squares[i + 1] = squares[i] + log_period[i] * log_period[i];
  }
  auto sse = [&](std::size_t a, std::size_t b) {
    const double k = static_cast<double>(b - a), s = sum[b] - sum[a];
    return squares[b] - squares[a] - s * s / k;
  };
  std::size_t split = m;
  double best = sse(0, m);
  for (std::size_t c = std::max<std::size_t>(1, m / 8); c + m / 8 < m; ++c)
    if (const double e = sse(0, c) + sse(c, m); e < best) best = e, split = c;
  std::vector<double> deviation;
  for (auto [a, b] : {std::pair{std::size_t{0}, split}, std::pair{split, m}}) {
    if (a == b) continue;
    const std::vector<double> side(log_period.begin() + static_cast<long>(a),
                                   log_period.begin() + static_cast<long>(b));
    const double centre = median(side);
    for (double x : side) deviation.push_back(x - centre);
  }
  return trimmed_mean_deviation(deviation);
}

// Each real frame's value at its nearest warped frame of `out` (the larger where two meet);
// frames no real one reached take the smaller of their neighbours.
template <typename T, typename Max, typename Min>
std::vector<T> resample(const std::vector<T>& in, const std::vector<long>& to, std::size_t m,
                        Max larger, Min smaller) {
  std::vector<T> out(m);
  std::vector<bool> set(m, false);
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto u = static_cast<std::size_t>(to[i]);
    out[u] = set[u] ? larger(out[u], in[i]) : in[i];
    set[u] = true;
  }
  for (std::size_t u = 0; u < m; ++u) {
    if (set[u]) continue;
    const T& before = u > 0 ? out[u - 1] : out[u + 1];
    const T& after = u + 1 < m && set[u + 1] ? out[u + 1] : before;
    out[u] = smaller(before, after);
  }
  return out;
}

// Where each real frame goes among the m frames of steady time.
std::vector<long> nearest_frames(const TimeWarp& w, std::size_t n, std::size_t& m) {
  m = static_cast<std::size_t>(std::max(2L, std::lround(w.to_warped(static_cast<double>(n)))));
  std::vector<long> to(n);
  for (std::size_t i = 0; i < n; ++i)
    to[i] =
        std::clamp(std::lround(w.to_warped(static_cast<double>(i))), 0L, static_cast<long>(m) - 1);
  return to;
}

// The warp that flattens `curve` (the mean period keeps the warped track as long).
std::vector<double> flattening(const std::vector<double>& curve) {
  const std::size_t n = curve.size();
  double inverse = 0;
  for (double p : curve) inverse += 1.0 / p;
  const double mean = static_cast<double>(n) / inverse;
  std::vector<double> warped(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) warped[i + 1] = warped[i] + mean / curve[i];
  return warped;
}

}  // namespace

TimeWarp steadying_warp(const std::vector<float>& accent, double fps, double period_frames) {
  const std::vector<double> curve = tempo_curve(accent, fps, period_frames, kWarpWindow, true);
  const std::size_t n = curve.size();
  if (n < 2) return {};
  // The curve every hop (its windows' step) is enough to judge it.
  const auto hop = std::max<std::size_t>(1, static_cast<std::size_t>(2 * fps));
  std::vector<double> log_period;
  for (std::size_t i = 0; i < n; i += hop) log_period.push_back(std::log(curve[i]));
  if (drift_deviation(log_period) < kSteadyDeviation) return {};
  return TimeWarp(flattening(curve));
}

OnsetFeatures warp_features(const OnsetFeatures& f, const TimeWarp& w) {
  if (w.identity() || f.frames() < 2) return f;
  const std::size_t n = f.frames();
  std::size_t m = 0;
  const std::vector<long> to = nearest_frames(w, n, m);
  auto scalar = [&](const std::vector<float>& v) {
    if (v.size() != n) return v;
    return resample(
        v, to, m, [](float a, float b) { return std::max(a, b); },
        [](float a, float b) { return std::min(a, b); });
  };
  OnsetFeatures out;
  out.frame_rate = f.frame_rate;
  out.time_offset = f.time_offset;
  out.strength = scalar(f.strength);
  out.low_flux = scalar(f.low_flux);
  out.mid_flux = scalar(f.mid_flux);
  out.high_flux = scalar(f.high_flux);
  out.low = scalar(f.low);
  out.mid = scalar(f.mid);
  out.high = scalar(f.high);
  if (f.chroma.size() == n) {
    using Chroma = std::array<float, 12>;
    auto each = [](const Chroma& a, const Chroma& b, auto pick) {
      Chroma c{};
      for (std::size_t q = 0; q < 12; ++q) c[q] = pick(a[q], b[q]);
      return c;
    };
    out.chroma = resample(
        f.chroma, to, m,
        [&](const Chroma& a, const Chroma& b) {
          return each(a, b, [](float x, float y) { return std::max(x, y); });
        },
        [&](const Chroma& a, const Chroma& b) {
          return each(a, b, [](float x, float y) { return std::min(x, y); });
        });
  }
  return out;
}

}  // namespace audio
