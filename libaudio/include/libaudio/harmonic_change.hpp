// Harmonic change along a sequence of chroma vectors (per beat, or per half beat): how
// different the pitch classes sounding just before a point are from those just after it.
// Chords and bass notes change on beats and bar lines, so the beat tracker (beats.hpp) reads
// the beat's phase from it and the downbeat estimator (downbeats.hpp) the bar's.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

namespace audio {

// Per step i: 1 - cosine of the chroma summed over the `window` steps before i and the
// `window` steps from i on; 0 where either window would run off the ends.
std::vector<double> harmonic_change(const std::vector<std::array<double, 12>>& chroma,
                                    std::size_t window);

}  // namespace audio
