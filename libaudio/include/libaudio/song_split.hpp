// Splitting a recording into songs: a concert becomes its songs and the applause, talk and
// silence between them, so that structure analysis (quadratic in a song's beats) runs per
// song and memory stays linear in the concert's length.
//
// Per 1 s window (hop 0.5 s) of the onset and timbre features:
//  - level: dB of the band powers (silence under -50 dBFS);
//  - pulse: the highest normalised autocorrelation of the onset strength over 6 s around the
//    window at beat lags 0.3 .. 1.5 s (music has a beat; claps and syllables do not recur at
//    a steady period);
//  - flatness: the timbre's spectral flatness, weighted by frame power (applause is
//    broadband noise; music and speech have peaks);
//  - tonality: how steady the chroma is from one half-second to the next (chords hold,
//    speech glides).
// A window is music when it is not silent and has a pulse without being noise, or a strong
// pulse and no more than a drum kit's noise, or holds steady harmony with a clearly peaked
// spectrum. Music runs closer than `bridge_seconds` are joined (a drum-less bridge does not
// end a song); runs shorter than `min_song_seconds` are not songs (when none is that long,
// all the music is one). What lies between songs is cut into runs of one kind of window
// (silence, applause: flat noise, or talk), a run under 2 s joining its neighbour.
#pragma once

#include <string>
#include <vector>

#include "libaudio/json_out.hpp"
#include "libaudio/onset.hpp"
#include "libaudio/timbre.hpp"

namespace audio {

struct SongSplitOptions {
  double min_song_seconds = 30;
  double bridge_seconds = 6;
  double pulse_threshold = 0.3;
  double silence_db = -50;
  double noise_flatness = 0.3;  // power-weighted flatness from which a window is crowd noise
  // ... unless a steady beat runs through it: cymbals, claps and hats make a drum kit as
  // flat as a crowd, but a crowd's clapping has no steady period and is flatter still.
  double drum_pulse = 0.5;
  double drum_flatness = 0.55;
};

struct SongSpan {
  double start = 0, end = 0;  // seconds
};

struct GapSpan {
  double start = 0, end = 0;
  std::string kind;  // "silence" | "applause" | "talk"
};

struct SongSplit {
  std::vector<SongSpan> songs;
  std::vector<GapSpan> gaps;  // between, before and after songs (at least 1 s long)
  // Per window (0.5 s steps from 0): "music", "silence", "applause" or "talk"; the clip
  // picker penalises clips over crowd noise and talk.
  double window_hop = 0.5;
  std::vector<std::string> windows;
  std::vector<float> pulse, flatness, tonality, level_db;  // per window, for diagnostics
};

SongSplit split_songs(const OnsetFeatures& onsets, const TimbreFeatures& timbre,
                      const SongSplitOptions& options = {});

// [{"start", "end", "kind"}...] of the gaps.
Json gaps_json(const std::vector<GapSpan>& gaps);

}  // namespace audio
