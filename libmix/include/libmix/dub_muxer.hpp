// Muxing a dubbed audio track (and subtitles) with a video's picture into MP4.
//
// Video: an H.264 stream is copied packet for packet (same payloads, same timestamps); any
// other codec is decoded and re-encoded to H.264 by libx264 (CRF 18, preset "fast", 4:2:0),
// and the report says why. Nothing cuts the picture: the output lasts as long as the video.
//
// Dub: decoded at its own rate when AAC can carry it (else 48 kHz), mono or stereo (more
// channels are folded to stereo), and encoded by FFmpeg's native AAC encoder at 96 kb/s per
// channel (mono 96k, stereo 160k), fed whole 1024-sample frames (only the last may be
// shorter, which MP4 records exactly). Its length is the video's, counted in samples:
// round(video duration x rate). Sample 0 of the dub plays at the video's start time plus
// `offset`: a positive offset puts that much silence first, a negative one skips the dub's
// beginning; a short dub is padded with silence at the end and a long one trimmed.
//
// keep_original: the video's own audio is kept as a second, non-default track (copied when
// MP4 can hold its codec, else encoded to AAC like the dub). duck: the original audio is
// instead mixed under the dub and lowered by `duck.depth_db` while the dub speaks
// (speech_activity.hpp: detection by level, look-ahead so the duck is in place when the voice
// starts, then a release); the dub is then decoded twice (once to find its speech).
//
// Subtitles (SRT or WebVTT, subtitles.hpp) become a mov_text track with an ISO 639-2
// language tag; cue times count from the video's start (not shifted by `offset`). Cues that
// start after the video's end are dropped, ends past it are cut, and an overlap is cut at the
// next cue's start (mov_text shows one cue at a time). MP4 players enable the first text
// track of a file whatever its flags, so the track is marked default and the report says so.
// The language tags the dub's audio track too. Browsers show no mov_text track (Chromium
// exposes no text track for it): a WebVTT sidecar, added to the page as <track>, is what they
// show, so one is written by default beside a file output, named OUTPUT-STEM.LANG.vtt
// (default_vtt_path; `vtt_sidecar` names another, `no_default_vtt` turns it off). The same cue
// list can also be written as an SRT sidecar.
//
// Output: a file is written to a temporary file beside it, with the index moved to the
// front (faststart), and renamed into place only when everything (sidecars and the report
// file too) succeeded, together (atomic_file.hpp: OutputGroup); no output may be an input or
// another output (Error(usage), checked before any work);
// "-" writes fragmented MP4 (empty moov, a fragment per key frame) to stdout. Output is
// bit-exact mode (no encoder version strings), so the same inputs give the same file.
//
// Errors: Error(no_input) for missing inputs; Error(data) for no video stream, no audio in
// the dub, unreadable subtitles, a corrupt or truncated input; Error(usage) for bad options;
// Error(cant_create/io) for the output; Error(software) when libx264 is missing.
#pragma once

#include <functional>
#include <string>

#include "libaudio/json_out.hpp"
#include "libmix/speech_activity.hpp"

namespace mix {

struct DubMuxOptions;

// The default WebVTT sidecar beside `output`: its name without ".mp4" (any case), then
// ".LANG.vtt": "talk.es.mp4" with spa -> "talk.es.spa.vtt"; "" when output is "-".
std::string default_vtt_path(const std::string& output, const std::string& language);

struct DubMuxOptions {
  std::string video;             // the picture (a file; not "-")
  std::string audio;             // the dub: any audio FFmpeg reads ("-" allowed without duck)
  std::string subtitles;         // optional .srt/.vtt
  std::string output;            // .mp4 path or "-" for fragmented MP4 on stdout
  std::string language = "und";  // the dub's and subtitles' language, ISO 639-2 (3 letters)
  std::string srt_sidecar, vtt_sidecar;  // optional; vtt_sidecar defaults (see above)
  bool no_default_vtt = false;           // no WebVTT sidecar unless vtt_sidecar names one
  std::string report;                    // optional: the report is also written here
  double offset = 0.0;                   // seconds the dub is delayed (negative: advanced)
  bool keep_original = false;
  bool duck = false;
  DuckOptions duck_options;
  SpeechOptions speech_options;
  bool hash_inputs = true;  // SHA-256 of the inputs in the report (hashed on a second thread)
  // Seconds of the video muxed so far, and its duration, per video packet (for a progress
  // bar; empty = none).
  std::function<void(double done, double total)> on_progress;
};

// How the dub was fitted to the video, in sample frames at `sample_rate`.
struct DubFit {
  std::int64_t total = 0;    // frames in the output track: round(duration x rate)
  std::int64_t lead = 0;     // silence before the dub (positive offset)
  std::int64_t skipped = 0;  // dub frames dropped at its start (negative offset)
  std::int64_t used = 0;     // dub frames that play
  std::int64_t padding = 0;  // silence after the dub
  std::int64_t trimmed = 0;  // dub frames cut at its end
};

// The fit of a dub of `dub_frames` frames (at `sample_rate`) to a video of
// `video_duration` seconds with the dub delayed by `offset` seconds.
DubFit fit_dub(std::int64_t dub_frames, int sample_rate, double video_duration, double offset);

// Does the whole job and returns the dub.mux/1 report (see dub-mux(1)).
audio::Json mux_dub(const DubMuxOptions& options);

}  // namespace mix
