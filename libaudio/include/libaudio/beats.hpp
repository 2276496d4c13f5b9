// Beat tracking and the beat grid.
//
// 1. track_beats: dynamic programming after Ellis (2007): the beat sequence maximising the
//    accent at the beats minus a penalty on each inter-beat interval's log-deviation from
//    the local beat period. The local period follows a tempo curve (the comb re-measured
//    around the global period in 12 s windows), so gradual or sectional tempo changes are
//    followed instead of fought.
// 2. fit_beat_grid: the tracked beats get beat numbers (gaps of n periods count n, spurious
//    extra beats are dropped), then a straight line time = first_beat + number x period is
//    fitted by least squares over the whole track: hundreds of beats average away the frame
//    quantisation (11.6 ms), which gives the tempo to about 0.01 BPM and a grid that cannot
//    drift. Only when one line does not fit (the penalised least-squares segmentation finds
//    a real change) is the track split into tempo segments, each with its own line.
// 3. Beats are reported from the first to the last onset of the track (not through lead-in
//    silence or the tail).
#pragma once

#include <vector>

#include "libaudio/onset.hpp"
#include "libaudio/tempo.hpp"

namespace audio {

struct TempoSegment {
  double start = 0;  // seconds: the segment's first beat
  double end = 0;    // seconds: its last beat
  double bpm = 0;
  double phase = 0;    // seconds: beat k of the segment is at phase + k * 60 / bpm
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
