// Rendering a laid-out djb.plan/1 (mix_plan.hpp) into one audio stream, in bounded memory.
//
// Each track is a voice that decodes its file sequentially (source_reader.hpp, 44.1 kHz
// stereo), plays its pieces (the rest straight from the decoder; time_stretch.hpp for the
// overlaps whose stretch is not 1), joins pieces with a 3 ms crossfade so a change of
// stretch never clicks, scales the track by its loudness-matching gain (loudness_gain below)
// and applies the transition's gain curves
// and filters (see djb-render(1) for each type). The sum goes through the true-peak limiter
// and is handed, block by block through a bounded queue, to the encoder on a second thread.
// The stretched pieces are made ahead, in mix order, on a third thread (work_ahead.hpp):
// stretching an overlap takes seconds, and done in line it would starve the encoder, which
// sets the pace of the whole render.
//
// Memory: at most two voices are open at once (three around very short tracks); an
// unstretched piece streams in 16k-frame chunks; a stretched piece holds its own source
// and result (one overlap: about 10 MB per 30 s), and at most two finished ones wait;
// the queue holds at most 32 blocks of 4096 frames.
//
// Preview: only a window around each transition (preview_bars bars at the overlap tempo
// either side of its centre: the swap of a bass swap, the middle of another overlap, the
// cut; 8 s without a tempo), windows joined by 0.5 s of silence, each faded in and out over
// 50 ms; stretched pieces are cut to their window before stretching (the faster engine is
// the caller's choice). Tracks are still decoded from their start (decode and discard).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "libaudio/json_out.hpp"
#include "libmix/low_end_meter.hpp"
#include "libmix/mix_plan.hpp"
#include "libmix/time_stretch.hpp"
#include "libmix/true_peak_limiter.hpp"

namespace mix {

// Where the rendered samples go (an encoder or a sound file); written on the encoder thread.
class AudioSink {
 public:
  virtual ~AudioSink() = default;
  virtual void write(const float* interleaved, std::size_t frames) = 0;
  virtual void commit() = 0;
};

struct RenderOptions {
  int sample_rate = 44100;  // stereo always
  bool preview = false;
  double preview_bars = 2;  // either side of the transition's centre
  StretchEngine engine = StretchEngine::finer;
  double target_lufs = -14.0;
  double max_gain_db = 12.0;
  // How far a track's raised true peak may go over the limiter's ceiling (loudness_gain).
  // 1 dB keeps the limiter on under 5 % of the demo mix and under 10 % of real sets; 2 dB
  // put it on 13 % of the demo.
  double limiter_allowance_db = 1.0;
  LimiterOptions limiter;
  // Called on the rendering thread now and then with mix seconds done and in all.
  std::function<void(double done, double total)> on_progress;
};

struct RenderedPiece {
  Piece piece;
  double time_ratio = 1.0;  // mix frames / source frames
  bool stretched = false;   // went through Rubber Band
};

// A track's loudness-matching gain: the target minus its integrated loudness, at most
// max_gain_db, and at most what takes its true peak limiter_allowance_db over the limiter's
// ceiling. A dynamic master (peak-to-loudness ratio over ceiling + allowance - target, 13.5
// dB by default for an MP3) then plays quieter than the target instead of being squashed:
// raised to the target, the limiter would work through its whole length. A track without
// a measured true peak gets the plain gain.
struct LoudnessGain {
  double gain_db = 0;
  double wanted_db = 0;   // target - loudness (0 without a loudness)
  std::string capped_by;  // "", "max_gain" or "headroom"
};
LoudnessGain loudness_gain(const PlanTrack& track, const RenderOptions& options);

// The loudness a set is matched to: target_lufs, lowered to what the median track can reach
// under its peak cap (loudness_gain), but at most kMaxSetDropLu. When most tracks are
// dynamic masters the whole set plays a little quieter and stays even, instead of loud
// tracks beside capped ones; one quiet track among loud masters does not pull the set down.
inline constexpr double kMaxSetDropLu = 3.0;
double set_target_lufs(const MixPlan& plan, const RenderOptions& options);

struct RenderedTrack {
  int index = 0;
  LoudnessGain loudness;
  std::int64_t mix_begin = 0, mix_end = 0;  // output frames (preview: -1 when not heard)
  double output_lufs = 0;                   // measured on its solo part; -inf if too short
  std::vector<RenderedPiece> pieces;
};

struct RenderedTransition {
  std::int64_t start = 0, frames = 0;  // output frames
};

struct RenderResult {
  double target_lufs = 0;   // set_target_lufs: what the tracks were matched to
  std::int64_t frames = 0;  // written
  int sample_rate = 44100, channels = 2;
  std::vector<RenderedTrack> tracks;
  std::vector<RenderedTransition> transitions;
  double integrated_lufs = 0, loudness_range = 0, true_peak = 0, sample_peak = 0;  // linear peaks
  double limiter_min_gain = 1.0;
  std::int64_t limited_frames = 0;   // frames the limiter acted on (TruePeakLimiter)
  std::vector<LowEndClash> low_end;  // per transition; empty for a preview
  std::int64_t stretched_source_frames = 0;
};

// Renders into `sink` (committed at the end; on any failure the sink is destroyed
// uncommitted). Throws audio::Error.
RenderResult render_mix(const MixPlan& plan, const Timeline& timeline, AudioSink& sink,
                        const RenderOptions& options);

// The sink for a .wav (32-bit float: the limiter's output exactly) or .flac (24-bit) path.
std::unique_ptr<AudioSink> sound_file_sink(const std::string& path, int sample_rate, int channels);

}  // namespace mix
