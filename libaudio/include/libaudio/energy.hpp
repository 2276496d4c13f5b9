// The energy curve of a track: one value per bar (0..1) with its low/mid/high band energies,
// and the track's energy level (1..10), from the onset features' band powers and onset
// strength. Costs a pass over the features (well under a millisecond per minute of audio).
//
// Bars (BarGrid): one per downbeat (a bar ends at the next downbeat; the last one a bar
// length later, or at the end of the features); without downbeats, groups of 4 beats from
// the first beat; without beats, fixed 2-second windows from 0 s. `source` says which.
//
// Per bar (all 0..1, on fixed scales so that bars compare across tracks):
//  - low/mid/high: the band's power in dB (dBFS of its share of the signal: the three add up
//    to the bar's mean square, a full-scale sine reads -3 dB) mapped linearly from -40 dB
//    (0: barely audible under other music) to -8 dB (1: the RMS of a loud club master's
//    drop), clamped.
//  - energy: 0.75 x the same mapping of the bar's total power + 0.25 x its mean onset
//    strength mapped from 0 to 4 (the onset strength is gain-independent and counts how
//    much is struck: a drum-less pad at the same level is calmer than a full groove).
// Why fixed anchors, not min-max per track: min-max would stretch every track to 0..1, so a
// flat ambient piece and a peak-time banger would look alike and a 1 dB wobble would span
// the scale; fixed dB anchors keep a 10 dB breakdown a 10 dB step in every track, and the
// absolute level is part of what a DJ hears as energy. The price: a quiet master reads
// lower than a loud one of the same music (a gain change of g dB moves the loudness term by
// g/32).
//
// Level (1..10): q = mean energy of the loudest half of the bars (time-weighted: how hard the
// track hits where it plays out, not how long its intro is), level = round(1 + 9 x (q - 0.2)
// / 0.7) clamped to 1..10: q <= 0.2 (quiet ambient) -> 1, q >= 0.9 (loud, dense, full-range
// for most of its length) -> 10. A drums-only intro scores lower than a full drop (fewer
// layers: lower total power and fewer onsets).
#pragma once

#include <string>
#include <vector>

#include "libaudio/json_out.hpp"
#include "libaudio/onset.hpp"
#include "libaudio/rhythm.hpp"

namespace audio {

struct BarGrid {
  std::string source;          // "downbeats" | "beats" | "fixed"
  std::vector<double> starts;  // bar i spans [starts[i], starts[i + 1]); size = bars + 1
  int beats_per_bar = 0;       // meter (4 when grouped from beats); 0 for fixed windows
  double beat_period = 0;      // seconds; 0 for fixed windows
  std::size_t bars() const { return starts.empty() ? 0 : starts.size() - 1; }
};

BarGrid bar_grid(const OnsetFeatures& features, const Rhythm& rhythm);

struct EnergyBar {
  double start = 0, end = 0;          // seconds
  double energy = 0;                  // 0..1
  double low = 0, mid = 0, high = 0;  // 0..1
  double db = -120;                   // total power, dBFS (for phrase and cue analysis)
  double onset = 0;                   // mean onset strength
};

struct EnergyCurve {
  BarGrid grid;
  std::vector<EnergyBar> bars;
  int level = 1;     // 1..10
  double score = 0;  // q of the level mapping, 0..1
};

// The 0..1 mapping of a power in dB (fixed anchors -40 .. -8 dB).
double energy_from_db(double db);

EnergyCurve analyze_energy(const OnsetFeatures& features, const BarGrid& grid);

// {"grid": "downbeats"|"beats"|"fixed", "level": 1..10, "bars": [{"start", "end", "energy",
//  "low", "mid", "high"}, ...]} with times rounded to ms and values to 0.001.
Json energy_json(const EnergyCurve& curve);

}  // namespace audio
