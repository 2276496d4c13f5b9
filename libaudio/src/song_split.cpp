#include "libaudio/song_split.hpp"

#include <algorithm>
#include <cmath>

namespace audio {
namespace {

double clamp_frame(double x, std::size_t n) {
  return std::clamp(x, 0.0, double(n));
}

}  // namespace

SongSplit split_songs(const OnsetFeatures& on, const TimbreFeatures& tb,
                      const SongSplitOptions& o) {
  SongSplit out;
  const std::size_t nf = on.frames();
  if (nf == 0) return out;
  const double end_time = on.time(double(nf));
  const double hop = out.window_hop;
  const auto windows = static_cast<std::size_t>(std::ceil(end_time / hop));
  const double fr = on.frame_rate;
  const auto lag_lo = static_cast<std::size_t>(0.3 * fr),
             lag_hi = static_cast<std::size_t>(1.5 * fr);
  std::vector<double> x;
  for (std::size_t w = 0; w < windows; ++w) {
    const double t = w * hop + 0.5;  // window centre
    // Level over 1 s.
    const auto a = static_cast<std::size_t>(clamp_frame(on.frame_at(t - 0.5), nf));
    const auto b = static_cast<std::size_t>(clamp_frame(on.frame_at(t + 0.5), nf));
    double p = 0;
    for (std::size_t i = a; i < b; ++i) p += double(on.low[i]) + on.mid[i] + on.high[i];
    const double db = b > a && p > 0 ? 10 * std::log10(p / double(b - a)) : -120;
    // Pulse over 8 s.
    const auto pa = static_cast<std::size_t>(clamp_frame(on.frame_at(t - 3), nf));
    const auto pb = static_cast<std::size_t>(clamp_frame(on.frame_at(t + 3), nf));
    x.assign(on.strength.begin() + long(pa), on.strength.begin() + long(pb));
    double mean = 0;
    for (double v : x) mean += v;
    mean /= std::max<std::size_t>(1, x.size());
    double e0 = 0;
    for (double& v : x) {
      v -= mean;
      e0 += v * v;
    }
    double pulse = 0;
    if (e0 > 1e-12 && x.size() > lag_hi * 2) {
      for (std::size_t lag = lag_lo; lag <= lag_hi; ++lag) {
        double s = 0;
        for (std::size_t i = 0; i + lag < x.size(); ++i) s += x[i] * x[i + lag];
        pulse = std::max(pulse, s / e0 * double(x.size()) / double(x.size() - lag));
      }
    }
    // Flatness over 1 s; chroma steadiness between the two halves of 1 s.
    const auto ta = static_cast<std::size_t>(clamp_frame(tb.frame_at(t - 0.5), tb.frames()));
    const auto tbe = static_cast<std::size_t>(clamp_frame(tb.frame_at(t + 0.5), tb.frames()));
    // Weighted by each frame's power: the quiet frames between syllables or claps read as
    // flat (a noise floor) and must not make talk look like applause.
    double flat = 0, weight = 0;
    for (std::size_t i = ta; i < tbe; ++i) {
      const double w = std::pow(10.0, tb.coefficients[i][0] / 10.0);
      flat += w * tb.flatness[i];
      weight += w;
    }
    flat = weight > 0 ? flat / weight : 1;
    std::array<double, 12> c1{}, c2{};
    const std::size_t mid = (a + b) / 2;
    for (std::size_t i = a; i < b; ++i)
      for (int k = 0; k < 12; ++k) (i < mid ? c1 : c2)[k] += on.chroma[i][k];
    double d = 0, n1 = 0, n2 = 0;
    for (int k = 0; k < 12; ++k) {
      d += c1[k] * c2[k];
      n1 += c1[k] * c1[k];
      n2 += c2[k] * c2[k];
    }
    const double tonal = n1 > 0 && n2 > 0 ? d / std::sqrt(n1 * n2) : 0;
    out.level_db.push_back(float(db));
    out.pulse.push_back(float(pulse));
    out.flatness.push_back(float(flat));
    out.tonality.push_back(float(tonal));
    std::string kind;
    if (db < o.silence_db) {
      kind = "silence";
    } else if ((flat < o.noise_flatness &&
                (pulse >= o.pulse_threshold || (tonal > 0.9 && flat < 0.2))) ||
               (pulse >= o.drum_pulse && flat < o.drum_flatness)) {
      kind = "music";
    } else {
      kind = flat >= o.noise_flatness ? "applause" : "talk";
    }
    out.windows.push_back(kind);
  }
  // Music runs, joined across short gaps, long enough to be songs.
  std::vector<SongSpan> runs;
  for (std::size_t w = 0; w < windows; ++w) {
    if (out.windows[w] != "music") continue;
    const double s = w * hop, e = std::min(end_time, w * hop + 1.0);
    if (!runs.empty() && s - runs.back().end <= o.bridge_seconds) {
      runs.back().end = e;
    } else {
      runs.push_back({s, e});
    }
  }
  for (const SongSpan& r : runs)
    if (r.end - r.start >= o.min_song_seconds) out.songs.push_back(r);
  if (out.songs.empty() && !runs.empty()) {  // a short piece is still one song
    out.songs.push_back({runs.front().start, runs.back().end});
  }
  // Gaps between (and around) songs: runs of one kind (applause, then talk...), where a run
  // under 2 s joins its neighbour and music windows (a stray clap in time) count as either.
  auto add_gap = [&](double s, double e) {
    if (e - s < 1.0) return;
    std::vector<GapSpan> runs;
    for (auto w = static_cast<std::size_t>(s / hop); w < windows && w * hop < e; ++w) {
      const double ws = std::max(s, w * hop), we = std::min(e, (w + 1) * hop);
      std::string kind = out.windows[w];
      if (kind == "music") kind = runs.empty() ? "silence" : runs.back().kind;
      if (!runs.empty() && runs.back().kind == kind) {
        runs.back().end = we;
      } else {
        runs.push_back({ws, we, kind});
      }
    }
    std::vector<GapSpan> merged;
    for (const GapSpan& r : runs) {
      if (!merged.empty() && (r.end - r.start < 2.0 || merged.back().kind == r.kind)) {
        merged.back().end = r.end;
      } else if (!merged.empty() && merged.back().end - merged.back().start < 2.0) {
        merged.back() = {merged.back().start, r.end, r.kind};
      } else {
        merged.push_back(r);
      }
    }
    for (GapSpan& g : merged)
      if (g.end - g.start >= 1.0) out.gaps.push_back(g);
  };
  double prev = 0;
  for (const SongSpan& s : out.songs) {
    add_gap(prev, s.start);
    prev = s.end;
  }
  add_gap(prev, end_time);
  return out;
}

Json gaps_json(const std::vector<GapSpan>& gaps) {
  Json a = Json::array();
  for (const GapSpan& g : gaps)
    a.push_back(
        {{"start", round_seconds(g.start)}, {"end", round_seconds(g.end)}, {"kind", g.kind}});
  return a;
}

}  // namespace audio
