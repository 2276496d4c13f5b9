// clip-highlights' whole job for one input: analyse the music (song_analysis.hpp), pick clips
// (clip_picker.hpp), cut them (clip_cutter.hpp), take thumbnails (thumbnails.hpp) and build
// the "clips.manifest/1" document (see clip-highlights(1) for every field), with every path
// relative to the output directory.
//
// Files go to DIR/clips/ and DIR/thumbs/ (created as needed) and DIR/manifest.json, all
// appearing together at the end (atomic_file.hpp: OutputGroup; a caller's group holds them
// back until it commits), so a failed or interrupted run leaves no half set behind. Clips and
// thumbnails that an earlier run's manifest named and this run does not make are removed
// then too. An input inside DIR/clips/, DIR/thumbs/ or at DIR/manifest.json is refused
// (64) before any work.
//
// Errors (audio::Error): a missing/unreadable input 66; no audio stream, undecodable data,
// silence (digital silence or nothing above -60 dBFS), or audio shorter than every asked
// length 65; an output directory that cannot be made 73.
#pragma once

#include <functional>
#include <string>

#include "libaudio/json_out.hpp"
#include "libaudio/song_analysis.hpp"
#include "libmix/clip_cutter.hpp"
#include "libmix/clip_picker.hpp"

namespace mix {

inline constexpr const char* kClipsManifestSchema = "clips.manifest/1";

struct HighlightOptions {
  ClipRequest clips;
  CutOptions cut;
  std::string outdir;
  std::string audio_format = "input";  // "input" | "mp3": audio-only inputs' clip format
  bool thumbnails = true;
  int thumbnail_width = 640;
  audio::SongAnalysisOptions analysis;
  // Called as each stage starts, with its name and number (1..kHighlightStages): analysing,
  // cutting, thumbnails. For a progress bar; empty = none.
  std::function<void(const std::string& stage, int number)> on_stage;
};
inline constexpr int kHighlightStages = 3;

// Runs everything for `input` (a path, "-" for stdin), writes the manifest and returns it.
audio::Json make_highlights(const std::string& input, const HighlightOptions& options);

// Writes the manifest to DIR/manifest.json atomically (pretty-printed, newline-terminated).
void write_manifest(const audio::Json& manifest, const std::string& outdir);

}  // namespace mix
