// The music of one recording (a song, an album side, a concert video's audio): decoded once
// into onset and timbre features (linear in length, never the audio itself), split into
// songs (song_split.hpp), and each song analysed on its own: tempo, beat grid, downbeats
// (rhythm.hpp), bar energy (energy.hpp) and structure (structure.hpp). Per-song analysis
// keeps structure's quadratic memory bounded by the longest song, not the recording.
#pragma once

#include <string>
#include <vector>

#include "libaudio/decoder.hpp"
#include "libaudio/energy.hpp"
#include "libaudio/rhythm.hpp"
#include "libaudio/song_split.hpp"
#include "libaudio/structure.hpp"

namespace audio {

struct SongAnalysisOptions {
  double max_seconds = 6 * 3600;   // longer inputs are refused
  double max_song_seconds = 1800;  // a "song" longer than this is cut into pieces this long
  bool split = true;               // false: the whole recording is one song
  SongSplitOptions song_split;
  StructureOptions structure;
};

struct SongAnalysis {
  double start = 0, end = 0;  // seconds in the recording
  Rhythm rhythm;
  EnergyCurve energy;
  Structure structure;
  double bpm() const { return rhythm.grid.found ? rhythm.grid.bpm : 0; }
};

struct MusicAnalysis {
  AudioInfo info;
  double duration = 0;  // seconds decoded
  double peak = 0;      // sample peak (linear): 0 is digital silence
  SongSplit split;
  std::vector<SongAnalysis> songs;
};

// Decodes `path`'s audio stream (Decoder's errors: no_input, data) and analyses it. Throws
// Error(data) for inputs longer than max_seconds.
MusicAnalysis analyze_music(const std::string& path, const SongAnalysisOptions& options = {});

// The features of [t0, t1) with times kept absolute (for per-song analysis).
OnsetFeatures slice_features(const OnsetFeatures& f, double t0, double t1);
TimbreFeatures slice_features(const TimbreFeatures& f, double t0, double t1);

// Analyses one song's features (already sliced).
SongAnalysis analyze_song(const OnsetFeatures& onsets, const TimbreFeatures& timbre,
                          const StructureOptions& options = {});

}  // namespace audio
