// Downbeats: which beat of the grid is "1", and the meter (4, or 3 when the evidence says so).
//
// Beat-synchronous evidence, each feature standardised over the track's beats:
//  - harmonic change: 1 - cosine similarity of the mean chroma over the two beats before and
//    the two beats after a beat (chords and bass notes change on bar lines), plus half the
//    same over the four beats either side (with chords every two beats the first fires on 1
//    and 3 alike; a bar that differs from the bar before marks the bar line);
//  - kick: low-band (< 150 Hz) flux at the beat (the bar's first kick is the one no groove
//    leaves out: four-on-the-floor, breakbeat and half-time all have it);
//  - backbeat: mid-band flux at the beat, counted against (snares land on 2 and 4, or on 3 in
//    half-time, never on 1).
// Every phase of a meter scores the mean evidence of its beats (harmonic change weighs most,
// because it survives breakdowns without drums and intros without harmony are carried by the
// kick). The best phase's lead over the runner-up gives the confidence; 3/4 is chosen only
// when its best phase clearly beats every 4/4 phase and is itself sure (confidence 0.5: a
// shaky 3/4 reading is more often a 4/4 track with weak bar accents, and a 3/4 call keeps
// the DJ planner from beat-matching the track with 4/4 ones). One phase holds for the grid:
// sections of whole bars, as in dance music.
#pragma once

#include <string>
#include <vector>

#include "libaudio/beats.hpp"
#include "libaudio/onset.hpp"

namespace audio {

struct DownbeatOptions {
  double min_confidence = 0.15;  // below it: found = false
  bool allow_three = true;       // consider 3/4
};

struct Downbeats {
  bool found = false;
  int meter = 4;                  // beats per bar
  int phase = 0;                  // index in BeatGrid::beats of the first downbeat (< meter)
  double confidence = 0;          // 0..1
  std::string reason;             // when !found
  std::vector<double> downbeats;  // seconds
};

Downbeats estimate_downbeats(const OnsetFeatures& features, const BeatGrid& grid,
                             const DownbeatOptions& options = {});

}  // namespace audio
