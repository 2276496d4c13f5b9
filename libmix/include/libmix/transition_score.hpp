// The score of a transition: six terms, each in [0, 1] and reported on its own, combined
// as a weighted mean (so the score is in [0, 1] too, and scaling all weights changes nothing).
//
//   tempo     how far apart the tempi are (|bpm_A / (bpm_B x multiplier) - 1|): free
//             (1 .. 0.9) up to 5 %, 0.9 .. 0.3 from 5 % to 8 %, beyond that the candidate is
//             rejected (rule "tempo_range"); x0.9 when B is counted at half or double time. A cut
//             keeps both tempi (0.8 for equal tempi, down to 0.3); a fade has no beat to match
//             (0.5).
//   harmonic  keys on the Camelot wheel: same 1, one step (a fifth) 0.9, relative major/minor
//             0.85, one step and the other letter 0.55, two steps 0.45, else 0.35 minus 0.05 a
//             step. Relaxed to 0.8 when either side has no key (drums only, ambient, speech).
//   energy    the energy flow across the switch: A's level over the 4 bars before the exit
//             (what the listener heard last of A alone) against B's over the 4 bars after
//             the overlap (once it plays alone); a drop costs 1.5 per unit, a rise beyond
//             0.15 costs 0.75 per unit.
//   phrase    where the transition sits in the music's phrases: the mean of its alignment and
//             its role. Alignment: how well the exit, the entry and both ends of the overlap
//             sit on phrase boundaries: 1 on one, 0.75 a multiple of 8 bars away, 0.5 of 4,
//             else 0.25 (0.5 without phrase information); the mean of the four (two for a
//             cut). Role: what the overlap covers (for a cut, the bar after each side's
//             point), the mean of A's side and B's, each a time-weighted mean over the
//             phrases it covers. A DJ mixes out of A's outro into B's intro, so B's first
//             drop arrives when A is gone: in A an outro is 1, another section after A's
//             last drop (a closing breakdown) 0.75, a section before the last drop 0.4 (the
//             mix skips that drop), a drop 0 (it is cut short); in B an intro is 1, a drop 0,
//             anything else 0.5. Without phrase information both roles are 0.5. A fade
//             (the fallback) has a phrase term of 0.5.
//   coverage  how much of each track is played: the mean of A's played fraction (its start
//             to the end of the overlap) and B's (the entry to its end).
//   clash     1 - (bass clash + 0.5 x mid clash): a clash is the product of the two tracks'
//             mean band levels over the overlap, reduced by what the type does about it
//             (bass swap trades the lows, a high-pass sweep removes A's lows, a low-pass its
//             mids and highs; a cut has none).
//
// Weights live in a JSON file (schema djb.weights/1, see weights_to_json); the built-in
// defaults are Weights{}.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "libaudio/json_out.hpp"
#include "libaudio/key.hpp"

namespace mix {

enum class TransitionType { crossfade, bass_swap, cut, filter, mashup, fade };
const char* type_name(TransitionType type);
std::optional<TransitionType> parse_type(const std::string& name);

inline constexpr int kTerms = 6;
inline constexpr std::array<const char*, kTerms> kTermNames = {"tempo",  "harmonic", "energy",
                                                               "phrase", "coverage", "clash"};

// One value per term, in kTermNames order.
struct Terms {
  std::array<double, kTerms> v{};
  double& operator[](int i) { return v[static_cast<std::size_t>(i)]; }
  double operator[](int i) const { return v[static_cast<std::size_t>(i)]; }
};

struct Breakdown : Terms {};

// The defaults: harmony is what a listener notices first, then a tempo glide and clashing
// bass lines; how much of each track plays matters least.
struct Weights : Terms {
  Weights() { v = {1.0, 1.5, 1.0, 1.0, 0.5, 1.0}; }
};

// Weighted mean of the terms, in [0, 1].
double combine(const Breakdown& b, const Weights& w);

audio::Json breakdown_to_json(const Breakdown& b);  // {"tempo": .., ...} rounded to 0.001
// Reads {"tempo": .., ...}: every term a finite number in [0, 1]. Throws Error(data).
Breakdown breakdown_from_json(const audio::Json& j, const std::string& subject);

// {"schema": "djb.weights/1", "weights": {"tempo": .., ...}} (the caller may add fields).
audio::Json weights_to_json(const Weights& w);
// Reads a djb.weights/1 document; a missing term keeps its default. Each weight must be a
// finite number >= 0 and at least one > 0. Throws Error(data, subject).
Weights weights_from_json(const audio::Json& j, const std::string& subject);
Weights load_weights(const std::string& path);  // read_json_file + weights_from_json

// --- the terms ---
// difference: |bpm_A / (bpm_B x b_multiplier) - 1|. Rejection above 8 % is the caller's
// (kMaxStretch).
inline constexpr double kFreeStretch = 0.05;
inline constexpr double kMaxStretch = 0.08;
double tempo_term(double difference, double b_multiplier);
double cut_tempo_term(double bpm_a, double bpm_b);  // tempi as played, after any 1/2x, 2x
inline constexpr double kFadeTempoTerm = 0.5;

double harmonic_term(const std::optional<audio::Key>& a, const std::optional<audio::Key>& b);

// before: A's energy at the end of the overlap; after: B's once it plays alone (0..1).
double energy_term(double before, double after);

// Bars from the nearest phrase boundary (0 = on one; -1 = no phrase information).
double phrase_alignment(int bars_from_phrase);
// The role of one of A's phrases under the overlap (label as djb-analyze names it;
// after_last_drop: it starts at or after the end of A's last drop, or A has no drop).
double exit_role(const std::string& label, bool after_last_drop);
// The role of one of B's phrases under the overlap.
double entry_role(const std::string& label);
inline constexpr double kUnknownRole = 0.5;  // no phrase information
// alignment: the mean of phrase_alignment over the points; roles: A's and B's side.
double phrase_term(double alignment, double role_a, double role_b);

// Fractions of each track played, each clamped to [0, 1].
double coverage_term(double played_a, double played_b);

enum class FilterKind { none, highpass, lowpass };
// Mean band levels (0..1) of A and B over the overlap.
double clash_term(TransitionType type, FilterKind filter, double low_a, double low_b, double mid_a,
                  double mid_b);

}  // namespace mix
