// Tempo estimation from an onset envelope (OnsetFeatures): candidates with scores, the
// metrical level, a confidence, or no tempo (with a reason) for material without a beat.
//
// Method, and why:
//  - Periodicity: a comb over the autocorrelation of the beat accent (onset strength with the
//    kick/bass band counted three times, local mean removed): C(T) = mean of the normalised
//    autocorrelation at 1..4 beat periods. Summing four periods makes bar-long regularity
//    count, so tempi that merely fit a fast subdivision score lower. It is computed once over
//    the whole track (cheap: lags up to 4 beats of the slowest tempo).
//  - Metrical level: periodicity alone cannot tell 85 from 170 (both fit the same onsets), so
//    the candidates in the range (the 3 best comb peaks, and 1/3, 1/2, 2/3, 3/2, 2, 3 times
//    the best) are tested against the accent at their own beat phase (chosen per 8-beat
//    block), by what a beat level looks like in dance music:
//      * S = strongest subdivision (1/2, 1/3 or 2/3 of the beat) / beat. S > 0.85 means no
//        accent on the beats: a tatum, or a level straddling real beats (2/3, 3/2, 1/2 x).
//        S < 0.2 (nothing between the beats) while every other beat is weaker means the
//        "beats" are really eighths (2 x too fast); a bare click track, whose beats are all
//        alike, is left alone.
//      * F = next-finer positions (1/4 + 3/4 against 1/2; 1/6 + 5/6 against 1/3 + 2/3). Music
//        plays eighths or sixteenths against the beat; when the quarter-beat positions are as
//        busy as the half-beat ones (F > 0.6) the beat is twice as fast: half-time grooves
//        (kick on 1, snare on 3 at 140 are read at 140, not 70) and levels 2 x too slow.
//      * K = kick/bass-band onset on the half beat / on the beat. K > 0.85 means kicks on
//        every half beat: four-on-the-floor at twice this tempo.
//    The violations add up; the candidate with the least wins, the comb score and a weak
//    log-Gaussian prior (centre 125 BPM, one octave) break ties. When no candidate in the
//    range is a valid level (a range that excludes the real beat), the in-range octave of
//    a valid level outside it is reported (clicks at 120 with 40-90 read 60, not 80).
//  - A range narrower than the default is an octave preference: the beat is found over the
//    default range joined with the given one, and its octave inside the given range is
//    reported (D&B at 174 with 60-120 reads 87, not the 2/3 level 116); when no octave of
//    the beat lies in the range, there is no tempo and the reason says where the beat is.
//  - No tempo: silence, no onsets (pads, drones), or onsets without a periodic pulse (noise,
//    speech) give found = false with a reason; never a default tempo.
// The bpm here is the comb peak (about 0.1 BPM); the beat grid (beats.hpp) refines it.
#pragma once

#include <string>
#include <vector>

#include "libaudio/onset.hpp"

namespace audio {

struct TempoOptions {
  // Dance music: 75..185 covers hip-hop and downtempo through drum & bass; the metrical
  // level test (not the range) is what puts D&B at 174 rather than 87.
  double min_bpm = 75;
  double max_bpm = 185;
  double prior_bpm = 125;      // centre of the tie-breaking prior
  double prior_octaves = 1.0;  // its width (standard deviation, in octaves)
  int max_alternatives = 4;
};

struct TempoCandidate {
  double bpm = 0;
  double score = 0;  // 0..1, the chosen tempo scores 1; others relative to it
};

struct TempoEstimate {
  bool found = false;
  double bpm = 0;            // when found
  double period_frames = 0;  // 60 * frame_rate / bpm
  double confidence = 0;     // 0..1
  std::string reason;        // when !found: "silence", "no onsets", "no periodic pulse"
  std::vector<TempoCandidate> alternatives;  // best first, the chosen tempo excluded
};

TempoEstimate estimate_tempo(const OnsetFeatures& features, const TempoOptions& options = {});

// The beat accent both tempo and beat tracking follow: onset strength + 2 x low-band flux
// (the kick anchors the beat in dance music; hats alone must not).
std::vector<float> beat_accent(const OnsetFeatures& features);

// Parses "70-180" into a range; throws Error(usage) unless 20 <= min < max <= 400. A range
// narrower than an octave forces a tempo into it (possibly at a 3/2 or 4/3 relation).
void parse_bpm_range(const std::string& text, TempoOptions& options);

}  // namespace audio
