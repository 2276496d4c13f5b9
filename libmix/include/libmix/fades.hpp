// Gain curves for transitions: equal-power crossfades and short anti-click ramps.
//
// Equal power: the two gains of a crossfade are cos and sin of one angle, so their squares
// always sum to 1 and two uncorrelated tracks keep a constant loudness through the fade
// (a linear crossfade dips by 3 dB in the middle). Positions are fractions 0..1 of the fade
// and are clamped, so callers may pass positions outside it.
#pragma once

#include <cstddef>

namespace mix {

// Gain of the track fading in / out at position x (0..1). in(x)^2 + out(x)^2 == 1.
double equal_power_in(double x);
double equal_power_out(double x);

// A raised-cosine ramp 0 -> 1 (smooth at both ends, so no click at either end).
double smooth_ramp(double x);

// Multiplies `frames` interleaved frames by a ramp that runs over `ramp_frames`, starting
// `offset` frames before the first frame given (so a ramp can span several blocks):
// fade_in goes 0 -> 1, fade_out 1 -> 0; frames past the ramp are left as they are
// (fade_in) or silenced (fade_out).
void fade_in(float* interleaved, std::size_t frames, int channels, std::size_t offset,
             std::size_t ramp_frames);
void fade_out(float* interleaved, std::size_t frames, int channels, std::size_t offset,
              std::size_t ramp_frames);

}  // namespace mix
