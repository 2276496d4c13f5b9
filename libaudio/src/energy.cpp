#include "libaudio/energy.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace audio {
namespace {

constexpr double kDbZero = -40, kDbOne = -8;  // anchors of the 0..1 scale
constexpr double kOnsetOne = 4;               // mean onset strength that counts as 1
constexpr double kFixedWindow = 2.0;          // seconds, when there is no beat

double clamp01(double x) {
  return std::clamp(x, 0.0, 1.0);
}

double power_db(double power) {
  return power > 1e-12 ? 10 * std::log10(power) : -120;
}

// Ends a grid whose last bar starts at starts.back() and lasts `length`, within the features.
void close_grid(BarGrid& g, double length, double end_time) {
  g.starts.push_back(std::min(g.starts.back() + length, end_time));
}

}  // namespace

double energy_from_db(double db) {
  return clamp01((db - kDbZero) / (kDbOne - kDbZero));
}

BarGrid bar_grid(const OnsetFeatures& f, const Rhythm& rhythm) {
  BarGrid g;
  if (f.frames() == 0) {
    g.source = rhythm.grid.found ? "beats" : "fixed";
    return g;
  }
  const double end_time = f.time(static_cast<double>(f.frames()));
  const double period = rhythm.grid.period;
  if (rhythm.grid.found && rhythm.downbeats.found && !rhythm.downbeats.downbeats.empty()) {
    g.source = "downbeats";
    g.beats_per_bar = rhythm.downbeats.meter;
    g.beat_period = period;
    for (double d : rhythm.downbeats.downbeats)
      if (d < end_time) g.starts.push_back(d);
    if (!g.starts.empty()) {
      const std::size_t n = g.starts.size();
      const double length =
          n >= 2 ? g.starts[n - 1] - g.starts[n - 2] : rhythm.downbeats.meter * period;
      close_grid(g, length, end_time);
    }
  } else if (rhythm.grid.found && !rhythm.grid.beats.empty()) {
    g.source = "beats";
    g.beats_per_bar = 4;
    g.beat_period = period;
    for (std::size_t i = 0; i < rhythm.grid.beats.size(); i += 4)
      if (rhythm.grid.beats[i] < end_time) g.starts.push_back(rhythm.grid.beats[i]);
    if (!g.starts.empty()) close_grid(g, 4 * period, end_time);
  } else {
    g.source = "fixed";
    for (double t = 0; t < end_time; t += kFixedWindow) g.starts.push_back(t);
    if (!g.starts.empty()) g.starts.push_back(end_time);
  }
  return g;
}

EnergyCurve analyze_energy(const OnsetFeatures& f, const BarGrid& grid) {
  EnergyCurve c;
  c.grid = grid;
  const auto frames = static_cast<double>(f.frames());
  for (std::size_t b = 0; b < grid.bars(); ++b) {
    EnergyBar bar;
    bar.start = grid.starts[b];
    bar.end = grid.starts[b + 1];
    const auto i0 =
        static_cast<std::size_t>(std::clamp(std::round(f.frame_at(bar.start)), 0.0, frames));
    const auto i1 =
        static_cast<std::size_t>(std::clamp(std::round(f.frame_at(bar.end)), 0.0, frames));
    double low = 0, mid = 0, high = 0, onset = 0;
    for (std::size_t i = i0; i < i1; ++i) {
      low += f.low[i];
      mid += f.mid[i];
      high += f.high[i];
      onset += f.strength[i];
    }
    const double n = i1 > i0 ? static_cast<double>(i1 - i0) : 1.0;
    low /= n, mid /= n, high /= n, onset /= n;
    bar.db = power_db(low + mid + high);
    bar.onset = onset;
    bar.low = energy_from_db(power_db(low));
    bar.mid = energy_from_db(power_db(mid));
    bar.high = energy_from_db(power_db(high));
    bar.energy = 0.75 * energy_from_db(bar.db) + 0.25 * clamp01(onset / kOnsetOne);
    c.bars.push_back(bar);
  }
  if (c.bars.empty()) return c;

  // The loudest half of the bars, time-weighted.
  std::vector<std::size_t> order(c.bars.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return c.bars[a].energy > c.bars[b].energy;
  });
  double total = 0;
  for (const EnergyBar& b : c.bars) total += b.end - b.start;
  double taken = 0, sum = 0;
  for (std::size_t i : order) {
    const double d = c.bars[i].end - c.bars[i].start;
    const double use = std::min(d, total / 2 - taken);
    if (use <= 0) break;
    sum += use * c.bars[i].energy;
    taken += use;
  }
  c.score = taken > 0 ? sum / taken : 0;
  c.level = static_cast<int>(std::clamp(std::lround(1 + 9 * (c.score - 0.2) / 0.7), 1L, 10L));
  return c;
}

Json energy_json(const EnergyCurve& c) {
  Json j;
  j["grid"] = c.grid.source;
  j["level"] = c.level;
  Json bars = Json::array();
  for (const EnergyBar& b : c.bars)
    bars.push_back({{"start", round_seconds(b.start)},
                    {"end", round_seconds(b.end)},
                    {"energy", round_to(b.energy, 3)},
                    {"low", round_to(b.low, 3)},
                    {"mid", round_to(b.mid, 3)},
                    {"high", round_to(b.high, 3)}});
  j["bars"] = bars;
  return j;
}

}  // namespace audio
