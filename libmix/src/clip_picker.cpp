#include "libmix/clip_picker.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>

#include "libaudio/cli.hpp"
#include "libaudio/error.hpp"

namespace mix {
namespace {

struct Candidate {
  Clip clip;
  std::size_t first_bar = 0, last_bar = 0;  // [first, last)
};

// The section index holding time t (bar-level), or -1.
int section_at(const audio::Structure& st, double t) {
  for (std::size_t k = 0; k < st.sections.size(); ++k)
    if (st.sections[k].start <= t + 1e-6 && t < st.sections[k].end - 1e-6) return int(k);
  return -1;
}

// How much a bar is repeated material worth clipping: a chorus (or climax) bar counts how
// closely its repeat matches it (the section's repetition off the bar grid), a bar of another
// repeated section half of that, an unrepeated one nothing.
double bar_weight(const audio::Structure& st, int sec, std::optional<std::size_t> bar) {
  if (sec < 0) return 0;
  const audio::StructureSection& s = st.sections[static_cast<std::size_t>(sec)];
  const double match =
      bar && *bar < st.bar_repetition.size() ? st.bar_repetition[*bar] : s.repetition;
  if (s.label == "chorus" || s.label == "climax") return match;
  if (s.repeats >= 2) return 0.5 * match;
  return 0;
}

// Scores [start, end) of song `si` (bars [b0, b1) of its grid; b1 == b0 when off-grid).
Clip score_clip(const std::vector<audio::SongAnalysis>& songs, const audio::SongSplit& split,
                std::size_t si, double start, double end, std::size_t b0, std::size_t b1) {
  const audio::SongAnalysis& song = songs[si];
  const audio::Structure& st = song.structure;
  Clip c;
  c.start = start;
  c.end = end;
  c.song = int(si);
  c.bars = int(b1 - b0);
  double top = 0;
  for (double e : st.bar_energy) top = std::max(top, e);
  // Per bar (or per second off the grid): section, weight, energy.
  std::vector<int> secs;
  double rep = 0, energy = 0;
  std::size_t count = 0;
  auto visit = [&](double t0, double t1, double e, std::optional<std::size_t> bar) {
    const int s = section_at(st, 0.5 * (t0 + t1));
    secs.push_back(s);
    rep += bar_weight(st, s, bar);
    energy += e;
    ++count;
  };
  if (b1 > b0) {
    for (std::size_t b = b0; b < b1; ++b)
      visit(st.bar_starts[b], st.bar_starts[b + 1], b < st.bar_energy.size() ? st.bar_energy[b] : 0,
            b);
  } else {
    for (double t = start; t < end; t += 1.0) {
      double e = 0;
      for (std::size_t b = 0; b + 1 < st.bar_starts.size(); ++b)
        if (st.bar_starts[b] <= t && t < st.bar_starts[b + 1]) e = st.bar_energy[b];
      visit(t, std::min(end, t + 1.0), e, std::nullopt);
    }
  }
  if (count == 0) return c;
  c.score.repetition = rep / double(count);
  c.score.energy = top > 0 ? energy / double(count) / top : 0;
  // The dominant section and how much of the clip it holds.
  int dominant = -1;
  std::size_t most = 0;
  for (int s : secs) {
    const auto n = static_cast<std::size_t>(std::count(secs.begin(), secs.end(), s));
    if (n > most) {
      most = n;
      dominant = s;
    }
  }
  c.type = dominant >= 0 ? st.sections[static_cast<std::size_t>(dominant)].label : "music";
  // Where it starts: a section's first bar, a phrase line inside one (every 4 bars), near one.
  double on_line = 0.25;
  const double bar = st.bar_starts.size() >= 2 ? (st.bar_starts.back() - st.bar_starts.front()) /
                                                     double(st.bar_starts.size() - 1)
                                               : 2.0;
  for (const audio::StructureSection& s : st.sections) {
    if (start < s.start - 1.05 * bar || start >= s.end) continue;
    const double phrases = (start - s.start) / (4 * bar);
    const double d = std::fabs(s.start - start),
                 to_phrase = std::fabs(phrases - std::round(phrases)) * 4 * bar;
    if (d < 0.05 * bar)
      on_line = std::max(on_line, 1.0);
    else if (start > s.start && to_phrase < 0.05 * bar)
      on_line = std::max(on_line, 0.75);
    else if (d < 1.05 * bar || to_phrase < 1.05 * bar)
      on_line = std::max(on_line, 0.5);
  }
  c.score.start_line = on_line;
  c.score.position = 0.5 * on_line + 0.5 * double(most) / double(count);
  // Penalties from the split's windows.
  std::size_t crowd = 0, talk = 0, windows = 0;
  for (auto w = static_cast<std::size_t>(std::max(0.0, start / split.window_hop));
       w < split.windows.size() && w * split.window_hop < end; ++w) {
    ++windows;
    if (split.windows[w] == "applause") ++crowd;
    if (split.windows[w] == "talk" || split.windows[w] == "silence") ++talk;
  }
  if (windows) {
    c.score.crowd = double(crowd) / double(windows);
    c.score.talk = double(talk) / double(windows);
  }
  c.score.total = 0.45 * c.score.repetition + 0.3 * c.score.energy + 0.25 * c.score.position -
                  c.score.crowd - c.score.talk;
  return c;
}

// The score in words: what the clip holds, how it starts, and its margin over the runner-up.
std::string explain(const Clip& c) {
  char buf[400];
  const ClipScore& s = c.score;
  const char* start = s.start_line >= 1.0    ? "starts on a section's first bar"
                      : s.start_line >= 0.75 ? "starts on a phrase line"
                      : s.start_line >= 0.5  ? "starts a bar from a section or phrase line"
                                             : "starts off the section and phrase lines";
  int n = std::snprintf(buf, sizeof buf,
                        "%s: repeated material %.2f, energy %.2f of the loudest bar, %s "
                        "(position %.2f)",
                        c.type.c_str(), s.repetition, s.energy, start, s.position);
  if (s.crowd > 0 || s.talk > 0)
    n += std::snprintf(buf + n, sizeof buf - std::size_t(n), ", minus %.2f crowd and %.2f talk",
                       s.crowd, s.talk);
  if (!c.runners_up.empty()) {
    const ClipWindow& r = c.runners_up.front();
    std::snprintf(buf + n, sizeof buf - std::size_t(n),
                  "; total %.3f against %.3f for %.1f-%.1f s (%s)", s.total, r.score.total, r.start,
                  r.end, r.type.c_str());
  }
  return buf;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

}  // namespace

ClipPlan pick_clips(const std::vector<audio::SongAnalysis>& songs, const audio::SongSplit& split,
                    const ClipRequest& request) {
  ClipPlan plan;
  double longest = 0;
  for (const auto& s : songs) longest = std::max(longest, s.end - s.start);
  for (double length : request.lengths) {
    std::vector<Candidate> cands;
    for (std::size_t si = 0; si < songs.size(); ++si) {
      const audio::Structure& st = songs[si].structure;
      const std::size_t bars = st.bar_starts.size() >= 2 ? st.bar_starts.size() - 1 : 0;
      if (bars == 0) continue;
      // The typical bar (the median: the last bar may be cut short by the end).
      std::vector<double> lengths;
      for (std::size_t b = 0; b < bars; ++b)
        lengths.push_back(st.bar_starts[b + 1] - st.bar_starts[b]);
      std::nth_element(lengths.begin(), lengths.begin() + long(bars / 2), lengths.end());
      const double bar = lengths[bars / 2];
      // Nearest bar count, ties to the shorter (within 2 % of a bar: the grid jitters by a
      // frame or so).
      const auto n = static_cast<std::size_t>(std::max(1.0, std::ceil(length / bar - 0.52)));
      for (std::size_t b = 0; b + n <= bars; ++b) {
        Candidate c;
        c.clip = score_clip(songs, split, si, st.bar_starts[b], st.bar_starts[b + n], b, b + n);
        c.first_bar = b;
        c.last_bar = b + n;
        cands.push_back(c);
      }
    }
    if (cands.empty()) {
      plan.unmet.push_back(
          {length, songs.empty() ? "no music found"
                                 : "longer than the longest song (" + seconds_text(longest) + ")"});
      continue;
    }
    std::stable_sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
      return a.clip.score.total > b.clip.score.total;
    });
    std::vector<Clip> taken;
    for (const Candidate& c : cands) {
      if (int(taken.size()) >= request.per_length) break;
      bool overlaps = false;
      for (const Clip& t : taken)
        if (c.clip.start < t.end - 1e-6 && t.start < c.clip.end - 1e-6) overlaps = true;
      if (overlaps) continue;
      Clip clip = c.clip;
      clip.kind = "highlight";
      clip.length_asked = length;
      // The runners-up: the best windows after it that start elsewhere, taken or not.
      for (const Candidate& r : cands) {
        if (clip.runners_up.size() >= 3) break;
        if (r.clip.score.total > clip.score.total || std::fabs(r.clip.start - clip.start) < 1e-6)
          continue;
        clip.runners_up.push_back({r.clip.start, r.clip.end, r.clip.type, r.clip.score});
      }
      clip.why = explain(clip);
      taken.push_back(clip);
    }
    if (int(taken.size()) < request.per_length)
      plan.unmet.push_back({length, "only " + std::to_string(taken.size()) + " of " +
                                        std::to_string(request.per_length) +
                                        " non-overlapping clips fit"});
    plan.clips.insert(plan.clips.end(), taken.begin(), taken.end());
  }
  if (request.user) {
    auto [a, b] = *request.user;
    const double mid = 0.5 * (a + b);
    std::size_t si = 0;
    double best = 1e300;
    for (std::size_t k = 0; k < songs.size(); ++k) {
      const double d = mid < songs[k].start ? songs[k].start - mid
                       : mid > songs[k].end ? mid - songs[k].end
                                            : 0;
      if (d < best) {
        best = d;
        si = k;
      }
    }
    std::size_t b0 = 0, b1 = 0;
    if (!songs.empty() && songs[si].structure.bar_starts.size() >= 2) {
      const auto& bs = songs[si].structure.bar_starts;
      auto nearest = [&](double t) {
        std::size_t k = 0;
        for (std::size_t j = 1; j < bs.size(); ++j)
          if (std::fabs(bs[j] - t) < std::fabs(bs[k] - t)) k = j;
        return k;
      };
      b0 = nearest(a);
      b1 = std::max(nearest(b), b0 + 1);
      if (b1 >= bs.size()) {
        b1 = bs.size() - 1;
        b0 = std::min(b0, b1 - 1);
      }
      a = bs[b0];
      b = bs[b1];
    }
    Clip c = songs.empty() ? Clip{} : score_clip(songs, split, si, a, b, b0, b1);
    c.start = a;
    c.end = b;
    c.kind = "user";
    c.length_asked = request.user->second - request.user->first;
    if (c.type.empty()) c.type = "music";
    plan.clips.push_back(c);
  }
  return plan;
}

std::vector<double> parse_lengths(const std::string& text) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const double v = audio::cli::parse_real(item).value_or(-1);
    if (!(v >= 1 && v <= 3600))
      throw audio::Error(audio::Exit::usage, "--lengths",
                         "each length must be 1 to 3600 seconds: " + text);
    out.push_back(v);
  }
  if (out.empty()) throw audio::Error(audio::Exit::usage, "--lengths", "no lengths given");
  return out;
}

std::pair<double, double> parse_range(const std::string& text) {
  auto seconds = [&](const std::string& s) {
    double m = 0;
    std::string rest = s;
    const auto colon = s.find(':');
    if (colon != std::string::npos) {
      m = audio::cli::parse_real(s.substr(0, colon)).value_or(-1);
      rest = s.substr(colon + 1);
    }
    // Finite, and within a day: "inf" and "1e400" are no times.
    const double v = audio::cli::parse_real(rest).value_or(-1);
    if (!(v >= 0 && v <= 86400) || !(m >= 0 && m <= 1440)) throw std::invalid_argument(s);
    return 60 * m + v;
  };
  const auto dash = text.find('-', 1);
  try {
    if (dash == std::string::npos) throw std::invalid_argument(text);
    const double a = seconds(text.substr(0, dash)), b = seconds(text.substr(dash + 1));
    if (!(b > a)) throw std::invalid_argument(text);
    return {a, b};
  } catch (const std::invalid_argument&) {
    throw audio::Error(audio::Exit::usage, "--user",
                       "expected START-END in seconds or m:ss with END after START: " + text);
  }
}

audio::Json runners_up_json(const std::vector<ClipWindow>& windows) {
  audio::Json a = audio::Json::array();
  for (const ClipWindow& w : windows) {
    audio::Json j;
    j["start"] = audio::round_seconds(w.start);
    j["end"] = audio::round_seconds(w.end);
    j["type"] = w.type;
    j["score"] = score_json(w.score);
    a.push_back(j);
  }
  return a;
}

audio::Json score_json(const ClipScore& s) {
  audio::Json j;
  j["total"] = audio::round_to(s.total, 3);
  j["repetition"] = audio::round_to(s.repetition, 3);
  j["energy"] = audio::round_to(s.energy, 3);
  j["position"] = audio::round_to(s.position, 3);
  j["crowd_penalty"] = audio::round_to(s.crowd, 3);
  j["talk_penalty"] = audio::round_to(s.talk, 3);
  return j;
}

}  // namespace mix
