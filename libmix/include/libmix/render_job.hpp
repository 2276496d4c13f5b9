// A whole djb-render run: plan in, mix + track lists (+ bundle) out, djb.render/1 report.
//
// Order of work, so that bad input costs nothing: read and check the plan (mix_plan.hpp:
// shape, tempo arithmetic, files present, SHA-256 unchanged), check every output can be
// created and is not an input, lay out the timeline, write the LRC and CUE (their times come
// from the layout) to temporaries, render the audio to a temporary (mix_renderer.hpp), then
// rename the audio, LRC and CUE into place one after the other, then build the bundle.
// An interrupted or failed run leaves no output and no temporary behind.
//
// Output names (one rule): -o DIR/NAME.EXT gives DIR/NAME.EXT (audio: .mp3, or .wav/.flac
// for float WAV/FLAC), DIR/NAME.lrc and DIR/NAME.cue. The bundle (--bundle FILE.zip) holds
// NAME.EXT, NAME.lrc, NAME.cue and NAME.plan.json. A preview writes the audio only.
// Track start times in LRC/CUE and the report are where each track starts to sound.
#pragma once

#include <functional>
#include <string>

#include "libaudio/json_out.hpp"
#include "libmix/mix_renderer.hpp"

namespace mix {

struct RenderJob {
  std::string plan_path;  // "-" = stdin
  std::string output;     // .mp3, .wav or .flac; "-": MP3 on stdout, no LRC, CUE or bundle
  std::string bundle;     // .zip, or empty
  RenderOptions render;
  bool verify_sha256 = true;
  std::string title, artist;  // of the mix: ID3 tags and LRC/CUE headers
  int bitrate_kbps = 320, lame_quality = 2;
};

struct OutputNames {
  std::string audio, lrc, cue, plan_in_bundle;  // lrc/cue empty for a preview
};

// Throws Error(usage) for an extension other than .mp3/.wav/.flac.
OutputNames output_names(const std::string& output, bool preview);

// Runs the job and returns the djb.render/1 report. `on_checked` (optional) is called once
// the plan has passed every check, before any output is created.
audio::Json run_render_job(const RenderJob& job, const std::function<void()>& on_checked = {});

}  // namespace mix
