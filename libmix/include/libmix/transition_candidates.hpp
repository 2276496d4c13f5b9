// Every way track A can hand over to track B, scored and ranked (best first).
//
// A candidate is an exit in A (a downbeat: phrase starts, the outro, the mix_out cue and
// every 8th bar, in the second half of A's music), an entry in B (a downbeat: mix_in, the
// first downbeat, phrase starts in the first half, the first drop), an overlap length from
// the ladder 32/16/8/4/2/1 bars (of A's bars), a type, a tempo plan and the score of
// transition_score.hpp. Ladders per type: crossfade all, bass_swap 32..4, filter 16..2,
// mashup 32 and 16, cut none (0 bars).
//
// Tempo plan: B is counted at 1x, 1/2x or 2x its BPM, whichever is nearest A's. Within 5 %
// B alone is stretched to A's tempo (A plays on untouched); beyond that both meet at the
// geometric mean, so neither moves further than it must.
//
// Hard rules, each rejection counted under its name:
//   no_beat_grid   a beat-matched type needs both beat grids with downbeats
//   meter          both tracks must have the same meter
//   tempo_range    the tempi differ by more than 8 % even at the best of 1/2x, 1x, 2x
//   exit_too_early the exit is before `min_exit` (in a set: before B's previous overlap ends)
//   a_too_short    A ends before the overlap does
//   b_too_short    B ends before the overlap does
//   mashup_key     a mashup needs keys that are the same, a fifth or relative (both known)
//   mashup_tempo   a mashup needs 1x and tempi at most 3 % apart
//   mashup_energy  a mashup needs room: A's and B's mean energy over the overlap <= 1.3
// A fade (equal-power, `fade_seconds` long, no stretching) at the end of A's music is always
// a candidate, and a cut whenever both tracks have downbeats, so every pair has a plan.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libaudio/json_out.hpp"
#include "libmix/mix_track.hpp"
#include "libmix/transition_score.hpp"

namespace mix {

struct TempoPlan {
  std::optional<double> target_bpm;  // null for a cut or a fade (nothing is beat-matched)
  double stretch_a = 1, stretch_b = 1;
  double b_multiplier = 1;  // 0.5, 1 or 2
};

struct Candidate {
  TransitionType type = TransitionType::fade;
  double exit = 0, entry = 0;
  std::optional<int> overlap_bars;  // null for a fade
  double a_seconds = 0, b_seconds = 0, mix_seconds = 0;
  TempoPlan tempo;
  FilterKind filter = FilterKind::none;
  Breakdown breakdown;
  double score = 0;
};

struct Rejection {
  std::string rule;
  int count = 0;
  std::string example;  // the first rejected candidate, described
};

struct CandidateOptions {
  Weights weights;
  std::optional<double> min_exit;  // earliest exit allowed in A
  std::optional<double> a_start;   // where A started playing (coverage); default its mix_in
  double fade_seconds = 8;
  int shelf_hz = 180;
  int fade_ms = 8;
};

struct CandidateSet {
  std::vector<Candidate> candidates;  // best first; never empty
  std::vector<Rejection> rejections;  // in order of first occurrence
};

CandidateSet transition_candidates(const MixTrack& a, const MixTrack& b,
                                   const CandidateOptions& options = {});
// The best candidate only (what a set is planned with); same result as candidates[0].
Candidate best_transition(const MixTrack& a, const MixTrack& b,
                          const CandidateOptions& options = {});

// The candidate as the djb.plan/1 transition object (without "from"/"to"): type, exit,
// entry, overlap_bars, overlap, tempo, params, score, breakdown.
audio::Json candidate_to_json(const Candidate& c, const CandidateOptions& options = {});

}  // namespace mix
