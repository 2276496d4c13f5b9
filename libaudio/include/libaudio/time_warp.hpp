// Time warp: a performance whose tempo drifts (a band without a click) mapped onto steady
// time, so that the tempo estimate and the beat tracker, which look for one period, find one.
//
//  - tempo_curve: the local beat period (frames) along the track: the comb over four beat
//    periods re-measured in windows every 2 s, within 12 % of a given period (so it never
//    jumps a metrical level), interpolated per frame. The beat tracker wants a steady guide:
//    12 s windows on quarter-frame steps, median-smoothed over five windows. The warp wants
//    the drift itself (`fine`): 8 s windows, each one's peak refined between the steps, no
//    median (with it, a band's drift was followed less closely at the ends of a track).
//  - steadying_warp: the map from real frames to warped ones in which that fine curve is
//    flat: a frame of local period P lasts P_mean / P warped frames, and the warped track is
//    as long as the real one. It is the identity when the period holds steady: the mean
//    deviation of its log (the largest fifth left out) under 0.4 %, about the median of each
//    side of the one tempo change that fits it best (tempo changes between sections are the
//    beat grid's segments, not a drift). Music played to a click or sequenced stays under
//    0.3 % (the MIDI renderings, the songs and the game soundtracks of scripts/eval-real);
//    the drift corpus's bands (+-3 % over 20 s) are all above 0.45 %.
//  - warp_features: the onset features at the warped frames. Each real frame goes to its
//    nearest warped frame (the larger value where two meet, the smaller neighbour's where
//    none does), so an onset's peak is neither flattened nor doubled.
#pragma once

#include <vector>

#include "libaudio/onset.hpp"

namespace audio {

std::vector<double> tempo_curve(const std::vector<float>& accent, double fps, double period,
                                double window_seconds, bool fine);

class TimeWarp {
 public:
  TimeWarp() = default;  // the identity
  // `warped[i]`: the warped position of real frame i, for i = 0..frames (ascending).
  explicit TimeWarp(std::vector<double> warped) : warped_(std::move(warped)) {}
  bool identity() const { return warped_.size() < 2; }
  // Frame positions either way (linear between frames, carried on at the ends' rate).
  double to_warped(double frame) const;
  double to_real(double warped_frame) const;

 private:
  std::vector<double> warped_;
};

TimeWarp steadying_warp(const std::vector<float>& accent, double fps, double period_frames);
OnsetFeatures warp_features(const OnsetFeatures& f, const TimeWarp& w);

}  // namespace audio
