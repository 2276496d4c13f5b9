// Orders a set of tracks for the best overall flow and picks one transition per neighbour
// pair: the djb.plan/1 document djb-render plays.
//
// The order maximises  sum of the best transition score of each neighbour pair
//                      + arc_weight x sum over positions of (1 - |energy - arc target|)
// where energy is the track's analysed level (1..10 mapped to 0..1) and the arc target at
// position k of n rises linearly from the set's lowest level to its highest ("rise"),
// climbs to the highest at two thirds and falls back half way ("peak"), or is absent
// ("flat": only the transitions count). Search: exact (Held-Karp dynamic programming over
// subsets) up to `exact_limit` tracks; beyond that a beam search, then local search until
// no move improves: 2-opt (segment reversal) and block moves (a run of tracks moved
// elsewhere in its own direction, which suits the asymmetric scores better than reversal).
// The result is never worse than greedy (best next track each step), which is also run
// and improved the same way.
// Fixed first/last tracks and keep_order are constraints of every method.
//
// The transitions are then chosen left to right, each exit no earlier than the end of the
// track's incoming overlap (so a track never hands over before it has fully arrived).
// max_length drops tracks from the end of the order (never a fixed last track, never the
// first) until the mix fits.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "libaudio/json_out.hpp"
#include "libmix/mix_track.hpp"
#include "libmix/transition_candidates.hpp"

namespace mix {

enum class Arc { flat, rise, peak };
const char* arc_name(Arc arc);
std::optional<Arc> parse_arc(const std::string& name);

// The ordering problem on its own (no audio), so it can be tested and timed directly.
struct OrderProblem {
  std::vector<std::vector<double>> pair;  // pair[i][j]: score of i -> j, 0..1
  std::vector<double> energy;             // per track, 0..1 (empty: no arc term)
  Arc arc = Arc::flat;
  double arc_weight = 0.5;
  std::optional<int> first, last;  // fixed ends (track indices)
  bool keep_order = false;
};

struct OrderResult {
  std::vector<int> order;
  double objective = 0;
  std::string method;  // "keep_order", "exact", "beam+2opt", "greedy+2opt"
};

struct OrderOptions {
  int exact_limit = 12;  // exact search up to this many tracks
  int beam_width = 0;    // 0: chosen from the set size (wider for small sets)
};

double order_objective(const OrderProblem& p, const std::vector<int>& order);
std::vector<int> greedy_order(const OrderProblem& p);
OrderResult plan_order(const OrderProblem& p, const OrderOptions& options = {});

struct SetOptions {
  CandidateOptions candidates;
  std::string weights_name = "default";  // how the plan's options record the weights
  Arc arc = Arc::flat;
  std::optional<int> first, last;  // indices into the input tracks
  bool keep_order = false;
  std::optional<double> max_length;  // seconds
  int jobs = 0;                      // threads for the pair scores (0: all cores)
  OrderOptions order;
  // Tracks whose pair scores are done, and in all, as each row is (for a progress bar, on
  // the calling thread; empty = none).
  std::function<void(int done, int total)> on_row;
};

struct PlannedTrack {
  int input = 0;  // index into the input tracks
  double play_start = 0, play_end = 0;
  std::string start_reason, end_reason;  // why it starts and ends there (the plan states it)
};

// Where a set's opener starts. A set opens with the track's beginning, not its first drop:
// it plays from its music start (mix_in: the first strong downbeat, where the first phrase
// begins) when that lies within kOpenerMaxSkipBars bars of the audible start (a count-in or
// a quiet lead-in), else from the audible start, so a long quiet intro is played, not
// skipped. Without a beat grid the bars are taken as 2 s.
inline constexpr int kOpenerMaxSkipBars = 8;
struct OpenerStart {
  double time = 0;
  std::string reason;
};
OpenerStart opener_start(const MixTrack& track);

struct SetPlan {
  std::vector<PlannedTrack> tracks;
  std::vector<Candidate> transitions;  // transitions[i]: tracks[i] -> tracks[i + 1]
  double score = 0;                    // mean transition score (0 for one track)
  double duration = 0;                 // seconds of mix
  std::string method;
  int dropped_for_length = 0;
};

// tracks must be non-empty. Throws Error(usage) for a first/last out of range or equal.
SetPlan plan_set(const std::vector<MixTrack>& tracks, const SetOptions& options);

audio::Json plan_to_json(const std::vector<MixTrack>& tracks, const SetPlan& plan,
                         const SetOptions& options);

}  // namespace mix
