// Tempo estimation from an onset envelope (OnsetFeatures): candidates with scores, the
// metrical level, a confidence, or no tempo (with a reason) for material without a beat.
//
// Method, and why:
//  - Periodicity: a comb over the autocorrelation of the beat accent (onset strength with the
//    kick/bass band counted three times, local mean removed): C(T) = mean of the normalised
//    autocorrelation at 1..4 beat periods. Summing four periods makes bar-long regularity
//    count, so tempi that merely fit a fast subdivision score lower. It is computed once over
//    the whole track (cheap: lags up to 4 beats of the slowest tempo). The accent is
//    smoothed over three frames first, and the comb scores a lag between frames by the
//    larger of the two (a peak's tempo is still placed by reading in between): a drum
//    machine's or a metal drummer's onsets make autocorrelation peaks a frame wide, which,
//    read in between, favoured the periods whose multiples fall on whole frames (a metal
//    groove at 190 BPM came out at its 2:5 level, 76), and a drifting band's were smeared
//    below the periodicity floor (four renderings of the drift corpus had no tempo).
//  - Pulse family: the comb peak with the best comb score under a weak log-Gaussian prior
//    (centre prior_bpm, twice prior_octaves wide: it only breaks ties), less a penalty for
//    periodicity at a third of the period: a level grouping three tatums is, in 4/4 music,
//    the 2:3 level of the beat that syncopation favours (tempo.cpp). Only the octaves of
//    that peak compete for the beat: tests on the subdivisions (below) prefer 2/3 and 3/4
//    levels of the beat on real music, where offbeat hats, a syncopated bass or a march's
//    after-beats fill the half beats, while the comb over four periods (the bar's
//    regularity) does not.
//  - Octave: periodicity alone cannot tell 85 from 170 (both fit the same onsets), so each
//    pair (T, 2T) in the range is judged by a logistic model (octave_log_odds in tempo.cpp)
//    over: the comb ratio of the two; log2(T / 100) (listeners place the beat near
//    100-130); and the metrical-level rules, whose violations each level collects:
//      * S = strongest subdivision (1/2, 1/3 or 2/3 of the beat) / beat. S > 0.85 means no
//        accent on the beats; S < 0.2 (nothing between the beats) while every other beat is
//        weaker means the "beats" are really eighths (2 x too fast);
//      * F = next-finer positions (1/4 + 3/4 against 1/2; 1/6 + 5/6 against 1/3 + 2/3):
//        quarter-beat positions as busy as the half-beat ones (F > 0.6) say the beat is
//        twice as fast (half-time grooves at 140 are read at 140, not 70);
//      * K = kick/bass-band onset on the half beat / on the beat. K > 0.85 means kicks on
//        every half beat: four-on-the-floor at twice this tempo.
//    The model was fitted on the tuning halves of the real-music corpora and the
//    synthesizer's corpus (scripts/eval-real; 185 pairs, 93.5 % right in leave-one-out)
//    with the range's top at 185. Above fast_bpm (185) the faster octave must win by a
//    margin of the log-odds, so pieces notated at 186-220 are read there without reading
//    95-110 as 190-220.
//  - Confidence: how periodic the accent is x how sure the octave is (the model's odds
//    against the rival octave) x how clearly the family beat the strongest comb peak of
//    another family. Over the tuning corpora, calls in the lowest confidence quartile are
//    right far less often than those in the highest (djb-analyze(1), ACCURACY).
//  - A range narrower than the default is an octave preference: the beat is found over the
//    default range joined with the given one, and its octave inside the given range is
//    reported (D&B at 174 with 60-120 reads 87, not the 2/3 level 116); when no octave of
//    the beat lies in the range, there is no tempo and the reason says where the beat is.
//  - Drift: when the local period along the track (time_warp.hpp) wanders, as a band's
//    without a click does, all of the above runs again on the features warped to steady
//    time. A drift of a few percent smears the autocorrelation's peaks at three and four
//    beats, and the comb then reads the octave above or a 3:4 level.
//  - No tempo: silence, no onsets (pads, drones), or onsets without a periodic pulse (noise,
//    speech) give found = false with a reason; never a default tempo.
// The bpm here is the comb peak (about 0.1 BPM); the beat grid (beats.hpp) refines it.
#pragma once

#include <string>
#include <vector>

#include "libaudio/onset.hpp"
#include "libaudio/time_warp.hpp"

namespace audio {

struct TempoOptions {
  // 75..220 covers hip-hop and downtempo through drum & bass, punk and bluegrass; the
  // metrical level test (not the range) is what puts D&B at 174 rather than 87.
  double min_bpm = 75;
  double max_bpm = 220;
  // Above this, a tempo twice another in the range needs clearly stronger evidence than its
  // half (kFastOctaveMargin in tempo.cpp): most music at 95-110 has eighth notes that would
  // otherwise read it at 190-220.
  double fast_bpm = 185;
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
  // Not the identity when the tempo drifts: the estimate was made in the steady time it
  // maps to (time_warp.hpp), period_frames is a steady frame's, and the beats are tracked
  // there too (beats.hpp).
  TimeWarp warp;
};

TempoEstimate estimate_tempo(const OnsetFeatures& features, const TempoOptions& options = {});

// The accent tempo and beat tracking follow: onset strength + low_weight x low-band flux.
// Tempo counts the kick/bass band 3 times (2 extra: the kick anchors the beat in dance
// music; hats alone must not); the beat tracker less (beats.cpp).
std::vector<float> beat_accent(const OnsetFeatures& features, float low_weight = 2.0f);

// Parses "70-180" into a range; throws Error(usage) unless 20 <= min < max <= 400. A range
// narrower than an octave may hold no octave of the beat: then there is no tempo.
void parse_bpm_range(const std::string& text, TempoOptions& options);

}  // namespace audio
