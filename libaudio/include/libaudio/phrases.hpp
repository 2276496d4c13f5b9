// Phrases: the track cut on its bar grid into sections labelled intro, build, drop,
// breakdown, outro (verse when nothing hits like a drop), each with a confidence.
//
// Boundaries: every bar line (from the energy curve's BarGrid) is a candidate. Each bar is
// described by beat-synchronous features: the low/mid/high band levels (dB, 6 dB = 1 unit),
// the low/mid/high onset flux (log2: doubling = 1 unit, i.e. drums coming in or out), the
// tonal level (dB of the summed chroma, 6 dB = 1 unit: chords and leads coming in) and the
// mean chroma's direction (harmony: 1 - cosine, x 4). The novelty at bar line i is the distance
// between the mean features of up to 4 bars before and up to 4 bars after it (fewer at the track's
// ends), so it peaks at the bar where the arrangement changes and a fill inside a section
// scores low. The novelty is weighed by a phrase prior (1 on multiples of 8 bars from the
// first bar, 0.9 on multiples of 4, 0.75 on even bars, 0.6 on odd ones: dance music changes
// every 8/16/32 bars, and an odd-bar change must be clearer to count). Boundaries are taken
// greedily, strongest first, each remaining candidate re-measured with its windows clipped
// at the boundaries already taken (so the end of the music or a drop next to a quieter
// change neither hides nor fakes it), at least 2 bars apart, while the weighted novelty
// reaches `min_novelty`. Trailing bars 30 dB under the loudest bar (decays) join the last
// section. Neighbouring sections that get the same label are merged (a chord change inside
// a breakdown is not a new section). `phrase_bars` reports the longest of 32/16/8 bars
// that 3/4 of the boundaries fall on (0 when none: the structure is irregular).
//
// Labels, from each section's band levels (relative to the track's) and low-band flux:
//  - drop: a section whose "fullness" (mean over the three bands and the tonal level of its
//    level below the track's loudest section in each, each capped at 12 dB) is within 1.5 dB of the
//    fullest, with a beat in the bass register (mean low-band onset flux >= 0.3: kick or bass
//    attacks; pads and drum-less breakdowns read under 0.15) and full bass (low band within 3 dB
//    of the track's loudest); never on a fixed 2 s grid (no beat: nothing to drop into);
//    A drop-like section between a quieter one and a fuller drop (by 0.75 dB) is a build;
//  - intro: before the first drop; build: a section between the opening one and the first
//    drop that is more than 1 dB fuller than the opening one (energy rising towards the drop);
//  - breakdown: between drops, any section that is not a drop;
//  - outro: after the last drop;
//  - without any drop (ambient, speech, drums alone): first/last of 3+ sections intro/outro,
//    the rest breakdown without that low beat, else verse.
// Confidence 0..1: how clearly the boundary at the section's start stands out (novelty over
// twice the threshold; 1 for the first section) times how clearly the label's rule holds.
#pragma once

#include <string>
#include <vector>

#include "libaudio/energy.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/onset.hpp"

namespace audio {

struct PhraseOptions {
  double min_novelty = 0.6;  // weighted novelty a boundary needs
  int window_bars = 4;       // bars each side of a candidate
};

struct Phrase {
  std::string label;
  int first_bar = 0;  // index into the grid's bars
  int bars = 0;
  double start = 0, end = 0;  // seconds
  double confidence = 0;
  double novelty = 0;  // weighted, of the boundary at its start (0 for the first)
};

struct Phrases {
  std::string grid;  // the BarGrid's source
  int phrase_bars = 0;
  std::vector<Phrase> phrases;
  std::vector<double> novelty;  // per bar line (index = bar), unweighted
};

Phrases analyze_phrases(const OnsetFeatures& features, const EnergyCurve& energy,
                        const PhraseOptions& options = {});

// {"grid", "phrase_bars": 8|16|32|null, "phrases": [{"label", "start", "end", "bars",
//  "confidence"}]} (times rounded to ms; "bars" null on a fixed 2 s grid).
Json phrases_json(const Phrases& phrases);

}  // namespace audio
