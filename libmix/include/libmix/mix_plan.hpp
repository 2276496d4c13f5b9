// Reading a djb.plan/1 document (see djb-render(1)) and laying it out on the mix's sample
// timeline, with every check done before any audio is touched, so a bad plan fails in
// milliseconds, not after minutes of rendering.
//
// Checks and their exit codes: not a djb.plan/1 document or a malformed one (65); a track
// file that is missing or unreadable (66); one whose SHA-256 differs from the plan's, i.e.
// changed since analysis (65); impossible tempo: a stretch outside 0.5..2, a stretch that
// does not turn the track's tempo into the transition's target_bpm (within 1 %), or overlap
// lengths that disagree with the stretches (more than 2 ms) (65); ranges outside a track or
// overlapping transitions inside one track (65).
//
// Layout: every track plays its incoming overlap (stretched by the transition's stretch_b),
// then alone at its own tempo, then its outgoing overlap (stretch_a). Overlap starts and
// lengths are rounded to whole frames once, and both tracks of an overlap get exactly the
// same frames, so their beats stay on one grid; the tempo steps at the overlap's edges
// (which are downbeats) rather than ramping. A plan's exit and entry are downbeat times,
// which may sit a few milliseconds off the tracks' fitted beat grids; when both tracks have
// a grid, B's source range is moved by that difference (at most a quarter beat) so the two
// grids, not just the two downbeat estimates, coincide.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libaudio/json_out.hpp"

namespace mix {

struct PlanTrack {
  int index = 0;
  std::string path;      // as the plan has it
  std::string resolved;  // the file opened (relative paths: plan's directory, then cwd)
  std::string sha256;
  std::string title;
  std::optional<std::string> artist;
  double duration = 0;
  double bpm = 0;                     // 0 = beatless
  double first_beat = 0, period = 0;  // the beat grid; period 0 = none
  std::vector<double> downbeats;
  std::optional<double> integrated_lufs, true_peak_dbtp;
  double play_start = 0, play_end = 0;
};

struct PlanTransition {
  int from = 0, to = 1;
  std::string type;  // crossfade bass_swap cut filter mashup fade
  double exit = 0, entry = 0;
  int overlap_bars = 0;  // 0 when null
  double a_seconds = 0, b_seconds = 0, mix_seconds = 0;
  double target_bpm = 0, stretch_a = 1, stretch_b = 1, b_multiplier = 1;
  audio::Json params = audio::Json::object();
  double score = 0;
};

struct MixPlan {
  std::string source;  // the plan's path ("-" = stdin)
  std::vector<PlanTrack> tracks;
  std::vector<PlanTransition> transitions;
  double duration = 0;
};

// Parses and checks the document's shape, types and tempo arithmetic. Throws Error(data)
// naming `source`.
MixPlan parse_plan(const audio::Json& doc, const std::string& source);

// Resolves each track's path and checks it exists (66) and, unless verify is false, that
// its SHA-256 matches (65). Fills PlanTrack::resolved.
void check_plan_inputs(MixPlan& plan, bool verify_sha256 = true);

// One stretch of a track on the timeline: source frames [src_begin, src_end) play as mix
// frames [mix_begin, mix_begin + mix_frames).
struct Piece {
  enum Kind { incoming, solo, outgoing } kind = solo;
  std::int64_t src_begin = 0, src_end = 0;
  std::int64_t mix_begin = 0, mix_frames = 0;
  double speed = 1.0;  // the plan's stretch (playback speed factor)
  bool stretched() const { return mix_frames != src_end - src_begin; }
};

struct TrackLayout {
  std::vector<Piece> pieces;
  std::int64_t mix_begin = 0, mix_end = 0;    // where it sounds
  std::int64_t solo_begin = 0, solo_end = 0;  // where it sounds alone
};

struct TransitionLayout {
  std::int64_t start = 0, frames = 0;  // the overlap in mix frames (frames 0 for a cut)
  double align = 0;  // seconds B's source range was moved to put its beats on A's grid
};

struct Timeline {
  int sample_rate = 44100;
  std::vector<TrackLayout> tracks;
  std::vector<TransitionLayout> transitions;
  std::int64_t frames = 0;
};

// Throws Error(data) when a track's incoming overlap ends after its outgoing one starts.
Timeline layout_plan(const MixPlan& plan, int sample_rate);

const char* to_string(Piece::Kind kind);

}  // namespace mix
