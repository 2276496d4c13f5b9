// Beat tracking and the beat grid.
//
// 1. track_beats: dynamic programming after Ellis (2007): the beat sequence maximising the
//    accent (analyze_beats: onset strength + 0.5 x the low band) at the beats minus a
//    penalty on each inter-beat interval's log-deviation from the local beat period. The
//    local period follows a tempo curve (the comb re-measured within 12 % of the global
//    period in 12 s windows), so sectional tempo changes are followed instead of fought.
//    Each beat is placed where its attack rises through half its peak, which sits at the
//    same place for a click, a kick or a pad.
// 2. fit_beat_grid: the tracked beats get beat numbers (a gap of n periods counts n, extra
//    beats half-way are dropped), then a line time = first_beat + number x period is fitted
//    over the whole track by weighted least squares (strong, drum-carried beats count more),
//    starting from the majority phase so that a stretch tracked on the off-beat (an intro of
//    kick and louder off-beat hats) is rejected, not averaged in. A penalised least-squares
//    segmentation opens tempo segments only where one line cannot fit; neighbours within
//    0.5 % (a phase slip) or a stretch between two that agree (a drift back to the right
//    phase) are merged again.
// 3. Drift: a band without a click speeds up and settles back, and a straight line then
//    misses its beats by up to half a beat. Where the tracked beats stray from a segment's
//    line smoothly (no jumps) and far (an RMS of 30 ms about their median), and the beats
//    so moved land on more accent than the line's, the segment's beats follow a local
//    linear fit of them; a steady segment keeps its exact line (scripts/eval-real's drift
//    corpus, MIDI renderings swung +-3 % over 20 s: beat F 0.443 -> 0.638 on the tuning
//    half; a jump between long stretches is the tracker changing its metrical position,
//    not the band: such a segment keeps its line).
// 4. Swing: where the accent a third of a beat after the grid's beats is as strong as at
//    them (at least half) and twice that at two thirds and at the half, the grid sits on the
//    swung off-beats (louder than the beat in much jazz and ragtime), and moves a third of a
//    period later: the swung note follows the beat, long-short (MIDI corpus: 6 pieces of 186
//    went from beat F 0 to 0.99, none got worse).
//    Off-beat: where the accent barely prefers the grid's beats to its half beats and the
//    chords change more at the half beats (over two beats either side clearly, over a bar
//    either side at all: a melody figure repeated every bar must not decide), the grid sits
//    on the off-beats (syncopated chords or bass louder than the beat) and moves half a beat
//    later (MIDI corpus: 5 renderings went from beat F 0 to 0.82-1, none got worse).
// 5. Steady time: when the tempo estimate warped the track to steady time (a drifting band,
//    tempo.hpp and time_warp.hpp), all of the above runs on the warped features, and the
//    beats and segments are carried back to real time; no one straight grid then holds
//    (BeatGrid::constant is false) and each segment's bpm is its real mean. On the drift
//    corpus's tuning half beat F rose from 0.638 to 0.726 and downbeat F from 0.383 to 0.512
//    (held out: 0.772 to 0.850, 0.349 to 0.492); no other corpus moved.
// 6. analyze_beats also refines each segment's period from the accent's autocorrelation at
//    4, 8, 16... beats (intervals between like sounds are exact multiples of the period,
//    whatever a sound's detection latency: this is what gives ~0.01 BPM and no drift), and
//    reports beats from the first to the last onset (none in lead-in silence; the grid is
//    carried through intros and breakdowns where the tracker wavers).
#pragma once

#include <vector>

#include "libaudio/onset.hpp"
#include "libaudio/tempo.hpp"

namespace audio {

struct TempoSegment {
  double start = 0;  // seconds: the segment's first beat
  double end = 0;    // seconds: its last beat
  double bpm = 0;
  double phase = 0;    // seconds: beat k of the segment is at phase + k * 60 / bpm, or
                       // around it by the band's drift (3. and 5. above)
  int first_beat = 0;  // index of its first beat in BeatGrid::beats
};

struct BeatGrid {
  bool found = false;
  double bpm = 0;         // the constant grid's tempo (dominant segment's if it varies)
  double first_beat = 0;  // seconds
  double period = 0;      // seconds (60 / bpm)
  bool constant = true;   // one grid holds for the whole track
  std::vector<TempoSegment> segments;  // one entry when constant
  std::vector<double> beats;           // seconds, ascending
  double residual = 0;                 // seconds: RMS distance of the tracked beats from the grid
};

struct BeatOptions {
  double tightness = 100;  // weight of the interval penalty (Ellis's alpha)
  // Penalty for opening another tempo segment, in seconds^2 of squared residual saved:
  // far above what frame jitter can save (< 0.001 s^2 per track), far below what a 0.5 %
  // tempo change over a few dozen bars costs a single line (> 0.03 s^2).
  double segment_penalty = 0.01;
  int min_segment_beats = 16;
};

// A tracked beat: where, and how strong the accent there was (the grid fit trusts strong,
// drum-carried beats more than beats in a breakdown).
struct BeatPoint {
  double position = 0;  // frames (fractional) from track_beats; seconds for fit_beat_grid
  double strength = 1;  // > 0
};

// Beats of `accent` (beat_accent()). Positions are the half-rise points of the accent's
// attacks, which sit at the same place for a click, a kick and a pad (the peak does not);
// add kRiseLatency frames and convert with OnsetFeatures::time().
std::vector<BeatPoint> track_beats(const std::vector<float>& accent, double frame_rate,
                                   double period_frames, const BeatOptions& options = {});
extern const double kRiseLatency;

// The grid through beats (positions in seconds) whose typical spacing is `period_guess` s.
BeatGrid fit_beat_grid(const std::vector<BeatPoint>& beats, double period_guess,
                       const BeatOptions& options = {});

// All of it: tracking at tempo.period_frames, trimming to the active part, the grid.
// found = false when tempo.found is false.
BeatGrid analyze_beats(const OnsetFeatures& features, const TempoEstimate& tempo,
                       const BeatOptions& options = {});

}  // namespace audio
