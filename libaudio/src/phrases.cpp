#include "libaudio/phrases.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace audio {
namespace {

// Mean low-band (< 150 Hz) onset flux above which a section has a beat in the bass register
// (kick, bass notes): a drum groove reads 0.7-0.9, pads and breakdowns under 0.15.
constexpr double kBeatFlux = 0.3;
constexpr int kDims = 7;  // band levels (3), band flux (3), tonal level; chroma apart

struct BarFeatures {
  std::array<double, kDims> v{};  // scaled: 1 unit = 6 dB, or a doubling of flux
  std::array<double, 4> db{};     // low, mid, high band and tonal levels, dB
  std::array<double, 12> chroma{};
  double low_flux = 0;  // mean low-band onset flux: kick and bass attacks
};

double db_of(double power) {
  return power > 1e-12 ? std::max(-90.0, 10 * std::log10(power)) : -90.0;
}

std::vector<BarFeatures> bar_features(const OnsetFeatures& f, const BarGrid& g) {
  std::vector<BarFeatures> out(g.bars());
  const auto frames = static_cast<double>(f.frames());
  for (std::size_t b = 0; b < g.bars(); ++b) {
    const auto i0 =
        static_cast<std::size_t>(std::clamp(std::round(f.frame_at(g.starts[b])), 0.0, frames));
    const auto i1 =
        static_cast<std::size_t>(std::clamp(std::round(f.frame_at(g.starts[b + 1])), 0.0, frames));
    std::array<double, 3> power{}, flux{};
    BarFeatures& bf = out[b];
    for (std::size_t i = i0; i < i1; ++i) {
      power[0] += f.low[i], power[1] += f.mid[i], power[2] += f.high[i];
      flux[0] += f.low_flux[i], flux[1] += f.mid_flux[i], flux[2] += f.high_flux[i];
      for (int k = 0; k < 12; ++k) bf.chroma[k] += f.chroma[i][k];
    }
    const double n = i1 > i0 ? static_cast<double>(i1 - i0) : 1.0;
    bf.low_flux = flux[0] / n;
    for (int k = 0; k < 3; ++k) {
      bf.db[k] = db_of(power[k] / n);
      // Levels below -60 dB are all "absent": silence's exact depth is no news.
      bf.v[k] = std::max(bf.db[k], -60.0) / 6.0;
      bf.v[3 + k] = std::log2(flux[k] / n + 0.05);
    }
    double tonal = 0, norm = 0;
    for (double c : bf.chroma) tonal += c / n;
    bf.db[3] = db_of(tonal);
    bf.v[6] = std::max(bf.db[3], -60.0) / 6.0;
    for (double c : bf.chroma) norm += c * c;
    norm = std::sqrt(norm);
    for (double& c : bf.chroma) c = norm > 0 ? c / norm : 0;
  }
  return out;
}

// Distance between the mean features of bars [a0, a1) and [b0, b1).
double window_distance(const std::vector<BarFeatures>& bars, int a0, int a1, int b0, int b1) {
  std::array<double, kDims> ma{}, mb{};
  std::array<double, 12> ca{}, cb{};
  for (int i = a0; i < a1; ++i)
    for (int k = 0; k < kDims; ++k) ma[k] += bars[i].v[k] / (a1 - a0);
  for (int i = b0; i < b1; ++i)
    for (int k = 0; k < kDims; ++k) mb[k] += bars[i].v[k] / (b1 - b0);
  for (int i = a0; i < a1; ++i)
    for (int k = 0; k < 12; ++k) ca[k] += bars[i].chroma[k];
  for (int i = b0; i < b1; ++i)
    for (int k = 0; k < 12; ++k) cb[k] += bars[i].chroma[k];
  double d2 = 0;
  for (int k = 0; k < kDims; ++k) d2 += (ma[k] - mb[k]) * (ma[k] - mb[k]);
  double dot = 0, na = 0, nb = 0;
  for (int k = 0; k < 12; ++k) dot += ca[k] * cb[k], na += ca[k] * ca[k], nb += cb[k] * cb[k];
  const double harmonic = na > 0 && nb > 0 ? 4 * (1 - dot / std::sqrt(na * nb)) : 0;
  return std::sqrt(d2 + harmonic * harmonic);
}

double prior(int bar) {
  if (bar % 8 == 0) return 1.0;
  if (bar % 4 == 0) return 0.9;
  if (bar % 2 == 0) return 0.75;
  return 0.6;
}

struct Section {
  int first = 0, last = 0;  // bars [first, last)
  std::array<double, 4> db{};
  double low_flux = 0, fullness = 0;
};

}  // namespace

Phrases analyze_phrases(const OnsetFeatures& f, const EnergyCurve& energy,
                        const PhraseOptions& options) {
  Phrases out;
  out.grid = energy.grid.source;
  const std::vector<BarFeatures> bars = bar_features(f, energy.grid);
  const int n = static_cast<int>(bars.size());
  if (n == 0) return out;

  // Trailing bars far under the track's level (decays after the last note) carry no
  // structure: they join the last section without pulling its averages down.
  double loudest_bar = -90;
  for (const EnergyBar& b : energy.bars) loudest_bar = std::max(loudest_bar, b.db);
  int active = n;
  while (active > 1 && energy.bars[static_cast<std::size_t>(active - 1)].db < loudest_bar - 30)
    --active;

  out.novelty.assign(static_cast<std::size_t>(n), 0.0);
  for (int i = 1; i < active; ++i) {
    const int w = std::min({options.window_bars, i, active - i});
    out.novelty[static_cast<std::size_t>(i)] = window_distance(bars, i - w, i, i, i + w);
  }
  // Greedy segmentation: the strongest weighted boundary first, then each remaining
  // candidate re-measured with its windows clipped at the boundaries already taken, so a
  // strong change nearby (the end of the music, a drop) neither hides nor fakes this one.
  std::vector<int> cuts{0, active};
  std::vector<double> strength(static_cast<std::size_t>(n), 0.0);
  for (;;) {
    double best = 0;
    int best_i = -1;
    for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
      for (int i = cuts[c] + 2; i <= cuts[c + 1] - 2; ++i) {
        const int a0 = std::max(cuts[c], i - options.window_bars);
        const int b1 = std::min(cuts[c + 1], i + options.window_bars);
        const double v = window_distance(bars, a0, i, i, b1) * prior(i);
        if (v > best) best = v, best_i = i;
      }
    }
    if (best_i < 0 || best < options.min_novelty) break;
    strength[static_cast<std::size_t>(best_i)] = best;
    cuts.insert(std::upper_bound(cuts.begin(), cuts.end(), best_i), best_i);
  }
  cuts.erase(cuts.begin());
  cuts.back() = n;

  // Sections and their description.
  std::vector<Section> sections;
  int start = 0;
  for (int c : cuts) {
    Section s;
    s.first = start, s.last = c;
    std::array<double, 4> power{};
    const int stop = std::max(start + 1, std::min(c, active));
    for (int i = start; i < stop; ++i) {
      for (int k = 0; k < 4; ++k) power[k] += std::pow(10.0, bars[i].db[k] / 10) / (stop - start);
      s.low_flux += bars[i].low_flux / (stop - start);
    }
    for (int k = 0; k < 4; ++k) s.db[k] = db_of(power[k]);
    sections.push_back(s);
    start = c;
  }
  std::array<double, 4> loudest{-90, -90, -90, -90};
  for (const Section& s : sections)
    for (int k = 0; k < 4; ++k) loudest[k] = std::max(loudest[k], s.db[k]);
  double fullest = -12;
  for (Section& s : sections) {
    s.fullness = 0;
    for (int k = 0; k < 4; ++k) s.fullness += std::max(s.db[k] - loudest[k], -12.0) / 4;
    fullest = std::max(fullest, s.fullness);
  }
  const std::size_t m = sections.size();
  std::vector<double> label_margin(m, 0.5);
  std::vector<bool> drop(m, false);
  int first_drop = -1, last_drop = -1;
  for (std::size_t i = 0; i < m; ++i) {
    const Section& s = sections[i];
    const double full_margin = (s.fullness - (fullest - 1.5)) / 1.5;
    const double drum_margin = (s.low_flux - kBeatFlux) / kBeatFlux;
    const double bass_margin = (s.db[0] - (loudest[0] - 3)) / 3;
    const double margin = std::min({full_margin, drum_margin, bass_margin});
    // Without a beat grid there is no groove to drop into (speech has low-band attacks too).
    drop[i] = margin >= 0 && energy.grid.source != "fixed";
    label_margin[i] = std::min(1.0, std::fabs(margin));
  }
  // A drop-like section that a fuller drop follows straight after a quieter part is the
  // build-up into it (energy still rising).
  for (std::size_t i = 1; i + 1 < m; ++i)
    if (drop[i] && !drop[i - 1] && drop[i + 1] &&
        sections[i + 1].fullness > sections[i].fullness + 0.75)
      drop[i] = false;
  for (std::size_t i = 0; i < m; ++i)
    if (drop[i]) {
      if (first_drop < 0) first_drop = static_cast<int>(i);
      last_drop = static_cast<int>(i);
    }
  std::vector<std::string> labels(m);
  for (std::size_t i = 0; i < m; ++i) {
    const auto ii = static_cast<int>(i);
    if (first_drop < 0) {
      if (m >= 3 && i == 0) {
        labels[i] = "intro";
      } else if (m >= 3 && i + 1 == m) {
        labels[i] = "outro";
      } else if (energy.grid.source == "fixed") {
        labels[i] = "breakdown";  // no beat, no groove: never a verse (speech has attacks too)
      } else {
        labels[i] = sections[i].low_flux < kBeatFlux ? "breakdown" : "verse";
        label_margin[i] = std::min(1.0, std::fabs(sections[i].low_flux - kBeatFlux) / kBeatFlux);
      }
    } else if (drop[i]) {
      labels[i] = "drop";
    } else if (ii < first_drop) {
      // Between the intro and the first drop, anything clearly fuller than the opening
      // section is the build-up.
      const double rise = sections[i].fullness - sections[0].fullness;
      const bool rising = ii > 0 && rise > 1;
      labels[i] = rising ? "build" : "intro";
      if (rising) label_margin[i] = std::min(1.0, (rise - 1) / 2);
    } else if (ii > last_drop) {
      labels[i] = "outro";
    } else {
      labels[i] = "breakdown";
    }
  }

  for (std::size_t i = 0; i < m; ++i) {
    Phrase p;
    p.label = labels[i];
    p.first_bar = sections[i].first;
    p.bars = sections[i].last - sections[i].first;
    p.start = energy.grid.starts[static_cast<std::size_t>(sections[i].first)];
    p.end = energy.grid.starts[static_cast<std::size_t>(sections[i].last)];
    p.novelty = strength[static_cast<std::size_t>(sections[i].first)];
    const double boundary = i == 0 ? 1.0 : std::min(1.0, p.novelty / (2 * options.min_novelty));
    p.confidence = round_to(boundary * (0.5 + 0.5 * label_margin[i]), 3);
    // Neighbours with one label are one section (a chord change inside a breakdown).
    if (!out.phrases.empty() && out.phrases.back().label == p.label) {
      Phrase& q = out.phrases.back();
      q.bars += p.bars;
      q.end = p.end;
      q.confidence = std::min(q.confidence, round_to(0.5 + 0.5 * label_margin[i], 3));
      continue;
    }
    out.phrases.push_back(p);
  }
  // The phrase length the section boundaries keep to.
  for (int length : {32, 16, 8}) {
    int on = 0;
    for (std::size_t i = 1; i < out.phrases.size(); ++i)
      on += out.phrases[i].first_bar % length == 0;
    const auto bounds = static_cast<int>(out.phrases.size()) - 1;
    if (bounds > 0 && 4 * on >= 3 * bounds) {
      out.phrase_bars = length;
      break;
    }
  }
  return out;
}

Json phrases_json(const Phrases& p) {
  Json j;
  j["grid"] = p.grid;
  j["phrase_bars"] = p.phrase_bars > 0 ? Json(p.phrase_bars) : Json(nullptr);
  Json list = Json::array();
  for (const Phrase& ph : p.phrases)
    list.push_back({{"label", ph.label},
                    {"start", round_seconds(ph.start)},
                    {"end", round_seconds(ph.end)},
                    {"bars", p.grid == "fixed" ? Json(nullptr) : Json(ph.bars)},
                    {"confidence", ph.confidence}});
  j["phrases"] = list;
  return j;
}

}  // namespace audio
