// Scoring song structure against a truth's "sections" ([{"label", "start", "end", "bars"}],
// as synth's truth and eval.truth/1 both write them), shared by eval-structure and
// eval-structure-real so that a figure means the same in both.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "libaudio/json_out.hpp"
#include "libaudio/structure.hpp"

namespace evalstruct {

inline bool is_chorus(const std::string& label) {
  return label == "chorus" || label == "climax";
}

// The true choruses as passages a clip may lie in: choruses back to back are one passage.
inline std::vector<std::pair<double, double>> chorus_passages(const audio::Json& sections) {
  std::vector<std::pair<double, double>> out;
  for (const auto& ts : sections) {
    if (ts.at("label") != "chorus") continue;
    const double a = ts.at("start"), b = ts.at("end");
    if (!out.empty() && std::fabs(out.back().second - a) < 0.01)
      out.back().second = b;
    else
      out.emplace_back(a, b);
  }
  return out;
}

// Whether [start, end] lies inside one passage, with `slack` seconds at either end.
inline bool inside(const std::vector<std::pair<double, double>>& passages, double start, double end,
                   double slack) {
  for (const auto& [a, b] : passages)
    if (start >= a - slack && end <= b + slack) return true;
  return false;
}

// The bars of true verses and choruses, and how many of them have their middle in an
// estimated section of their kind (a chorus or climax for a chorus, a verse for a verse);
// `at(t)` gives the estimated section holding time t, or null.
struct BarCount {
  int bars = 0, right = 0;
};
inline BarCount verse_chorus_bars(const audio::Json& sections,
                                  const std::function<const audio::StructureSection*(double)>& at) {
  BarCount n;
  for (const auto& ts : sections) {
    const std::string label = ts.at("label");
    if (label != "verse" && !is_chorus(label)) continue;
    const double a = ts.at("start"), b = ts.at("end");
    const int bars = ts.at("bars");
    for (int i = 0; i < bars; ++i) {
      ++n.bars;
      const audio::StructureSection* es = at(a + (b - a) * (i + 0.5) / bars);
      if (es && (is_chorus(label) ? is_chorus(es->label) : es->label == "verse")) ++n.right;
    }
  }
  return n;
}

}  // namespace evalstruct
