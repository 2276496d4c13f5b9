// The whole analysis of one track, djb-analyze's "djb.analysis/1" document: tempo, beat
// grid, downbeats, key, EBU R128 loudness, energy per bar, phrases and cue points (see
// djb-analyze(1) for every field).
//
// The file is decoded once, at its native rate and channel layout, chunk by chunk: the
// loudness meter reads the native signal (BS.1770 weights channels and filters at the real
// rate), and a downmix resampled to 22050 Hz mono feeds the onset and chroma analysers. Only
// their features are held (about 30 MB per hour of audio), never the decoded audio.
//
// Document keys, in this order (always present; null where a measure does not exist):
//   schema, toolkit_version, analysis_version, input {path, sha256}, duration, sample_rate,
//   channels, options {bpm_range, bpm_prior}, the rhythm fields of rhythm_json() flattened
//   (bpm, bpm_confidence, bpm_reason, bpm_alternatives, beat_grid, tempo_segments, beats,
//   meter, downbeats, downbeat_confidence, downbeat_reason), key, key_reason, loudness
//   {integrated_lufs, loudness_range_lu, true_peak_dbtp, sample_peak_dbfs}, energy
//   (energy_json), phrases (phrases_json), cues (cues_json).
// Numbers are rounded (times to the millisecond or finer) and nothing depends on the clock
// or the thread, so the same input and version give byte-identical JSON.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "libaudio/input_source.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/tempo.hpp"

namespace audio {

inline constexpr const char* kAnalysisSchema = "djb.analysis/1";
// Bumped whenever a change makes any field of the document differ for the same input: the
// store (analysis_store.hpp) reuses a result only from the same analysis version.
// 2: "tags" (title, artist, album); key profile and key segmentation retuned.
// 3: the beat grid's phase and first slope no longer follow breakdowns tracked off the beat
//    (beats move by up to about 10 ms).
// 4: tempo by pulse family and a learned octave model (no more 2:3 and 3:4 levels), a
//    confidence that tracks accuracy, a tempo for drums deep in a mix.
// 5: the pulse family no longer favours a level that groups three tatums (2:3 levels of a
//    syncopated 4/4 beat).
// 6: the beat tracker weighs the kick/bass band less than the tempo does (beats of
//    syncopated arrangements move off the bass's anticipations onto the beat).
// 7: key from the harmonic pitch class profile (fewer keys read as their dominant).
// 8: a beat grid on the swung off-beat moves a third of a beat later.
// 9: downbeats also weigh the harmonic change over whole bars.
// 10: a beat grid whose half beats carry the chord changes, and hardly less accent than its
//     beats, moves half a beat later.
// 11: the default tempo range reaches 220 BPM (was 185); above 185 only on clear evidence.
// 12: beats follow a drifting tempo (a band without a click) instead of a straight grid.
// 13: a drifting tempo is estimated and tracked in steady time (time_warp.hpp).
// 14: the tempo comb reads sharp autocorrelation peaks fairly (confidences and alternatives).
// 15: key from log-compressed chroma and the edma + temperley + bgate profiles.
// 16: the key's harmonic reading also undoes a minor key read as its parallel major.
inline constexpr int kAnalysisVersion = 16;

struct AnalysisOptions {
  TempoOptions tempo;             // min_bpm, max_bpm, prior_bpm are user options
  double max_seconds = 6 * 3600;  // longer inputs are refused (features grow with length)
  // How far into the file the decode is, 0..1, as it goes (about every 1 %; not when the
  // length is unknown). For a progress bar; called on the analysing thread; never in a
  // result.
  std::function<void(double fraction)> on_progress;
};

// The options that change results, as recorded in the document and keyed in the store:
// {"bpm_range": [min, max], "bpm_prior": centre}.
Json analysis_options_json(const AnalysisOptions& options);

// Parses --bpm-prior: a tempo within the range. Throws Error(usage).
void parse_bpm_prior(const std::string& text, AnalysisOptions& options);

// An input made ready for analysis: its SHA-256 and a path the decoder can open. A pipe
// ("-" or a FIFO) is copied to a temporary file while it is hashed (removed with this
// object); stdin redirected from a regular file is read in place. Throws Error: a missing or
// unreadable path or a directory is no_input, an empty input is data.
using AnalysisInput = InputSource;  // re-readable input with its SHA-256

// Decodes and analyses. Throws Error (data for anything that is not decodable audio, or
// longer than options.max_seconds), naming input.path().
Json analyze_input(const AnalysisInput& input, const AnalysisOptions& options);

// Both steps at once.
Json analyze_file(const std::string& path, const AnalysisOptions& options = {});

}  // namespace audio
