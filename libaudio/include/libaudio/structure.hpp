// Song structure: sections with boundaries on bar lines and labels (intro, verse, chorus,
// bridge, breakdown, climax, outro), from beat-synchronous features.
//
// 1. Features per bar (the energy curve's bar grid from beats and downbeats): the mean
//    chroma of the onset features over the bar's beats (unit length: which notes sound) and
//    the mean timbre coefficients c0..c12 (z-scored over the song: how loud, bright, dense)
//    with the bar's activity, log2 of its mean low/mid/high onset flux (z-scored: a bass in
//    eighths against a held one, a busier hi-hat; on the structure corpus's songs, whose
//    verse and chorus share their chords, it took the bars labelled right on the tuning half
//    from 0.903 to 0.939).
//    Beat-synchronous averaging makes a section played at any tempo the same sequence, and
//    a whole bar hides the pattern inside it (kick on 1, snare on 2).
// 2. Self-similarity S(i, j) = 0.5 chroma cosine + 0.5 (1 + timbre cosine) / 2, in 0..1.
// 3. Novelty per bar line, the mean of two curves each scaled to its maximum:
//    - Foote's checkerboard kernel (Gaussian-tapered, kernel_bars bars each side) along the
//      diagonal of a timbre-only S (chords change bar by bar inside a section, so harmony
//      would blur it): high where what plays changes;
//    - Serra et al.'s structure features (repetition_novelty, no delay embedding: one would
//      move the peak a bar early): high where the lag at which bars recur changes, e.g. from
//      a verse to a chorus that is as loud and as dense.
//    Memory is the song's bars squared (a 6-minute song at 120 BPM: 180 bars, 130 KB);
//    concerts are split into songs first (song_split.hpp).
// 4. Boundaries: peaks of the bar-line novelty that are local maxima over +-2 bars and reach
//    `threshold` x the song's highest, strongest first, at least min_section_bars apart.
//    They lie on downbeats by construction. When the bar chroma changes at only every other
//    bar line (a slow song read at twice its tempo: 72 BPM lies under the tempo range), the
//    kernel and the shortest section double, or a 4-bar loop comes out in 2-bar pieces.
//    Then snap_boundaries_to_phrases (below) moves runs of them by a bar onto whole phrases.
// 5. Labels: sections are grouped by their diagonal similarity (bar k of one against bar k
//    of the other, best over shifts of up to two bars): a group is sections whose similarity
//    reaches `group_similarity`, whose timbre-only similarity reaches `group_arrangement`
//    (a verse and a chorus over one chord loop repeat each other's harmony, not what plays)
//    and whose energies are within `group_energy` (an intro that plays the verse's chords
//    without drums is not a verse). The chorus is the repeated group with the highest
//    loudness (mean energy, plus a little for each extra repeat) among those within
//    `chorus_salience` of the loudest section: a quiet intro and outro that repeat each other
//    are no chorus. When no loud group repeats, the loudest section past the first and the
//    sections nearly as similar and as loud are. Other repeated groups are verses; an
//    unrepeated section is the intro (first), the outro (last), a breakdown (much quieter
//    than the chorus), a verse (before the first chorus) or a bridge. The loudest chorus,
//    when clearly (> 0.08 energy) louder than the other choruses, is the climax. A section
//    followed by its own repeat becomes one section (a chord cycle played twice) when the
//    timbre novelty at their boundary is under `merge_arrangement` and their energies are
//    within `merge_energy`: over one chord loop, a change in what plays is the boundary.
//    Last, a chorus exactly k >= 2 times as long as the shortest chorus of its group (8 bars
//    or more) is k choruses: a chorus played twice in a row, whose second start a clip or a
//    cue may want.
#pragma once

#include <string>
#include <vector>

#include "libaudio/energy.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/onset.hpp"
#include "libaudio/rhythm.hpp"
#include "libaudio/timbre.hpp"

namespace audio {

struct StructureOptions {
  int kernel_bars = 4;             // checkerboard half-width
  double threshold = 0.3;          // of the highest bar-line novelty
  int min_section_bars = 4;        // shortest section
  double group_similarity = 0.8;   // diagonal similarity that makes two sections repeats
  double group_energy = 0.15;      // ... when their mean energies are this close
  double group_arrangement = 0.8;  // ... and their timbre-only similarity reaches this
  double chorus_salience = 0.12;   // a chorus group is at most this far below the loudest section
  // Neighbours that repeat each other merge when the arrangement novelty at their boundary
  // (0..1 of the song's highest) and their difference in energy stay under these.
  double merge_arrangement = 0.5;
  double merge_energy = 0.05;
};

struct StructureSection {
  std::string label;
  double start = 0, end = 0;    // seconds, on bar lines
  int first_bar = 0, bars = 0;  // in the energy curve's grid
  int group = 0;                // sections with the same group repeat each other
  int repeats = 1;              // how many sections the group has
  double repetition = 0;        // best diagonal similarity to another section, 0..1
  double energy = 0;            // mean bar energy, 0..1
  double novelty = 0;           // of the boundary at its start, 0..1 (1 for the first)
};

struct Structure {
  std::vector<double> bar_starts;   // bar lines (grid), size bars + 1
  std::vector<double> bar_energy;   // per bar, 0..1
  std::vector<double> bar_novelty;  // per bar line, 0..1 of the song's highest
  // per bar, 0..1: how closely the same bar of its section's best repeat matches it (0 when
  // the section does not repeat): the clip picker's measure of repeated material
  std::vector<double> bar_repetition;
  std::vector<StructureSection> sections;
};

// Per-beat features and the self-similarity matrix (row-major n x n), exposed for tests.
struct BeatFeatures {
  std::vector<double> times;  // beat starts; beat i spans [times[i], times[i + 1])
  std::vector<std::array<float, 12>> chroma;
  std::vector<std::array<float, kTimbreCoefficients>> timbre;
  // log2 of the mean low/mid/high onset flux (how busy each register plays: a bass in
  // eighths against a held one, drums coming in), z-scored like timbre and weighed with it
  std::vector<std::array<float, 3>> activity;
};
BeatFeatures beat_features(const OnsetFeatures& onsets, const TimbreFeatures& timbre,
                           const std::vector<double>& beats, double end_time);
// S = chroma_weight x chroma cosine + (1 - chroma_weight) x (1 + timbre cosine) / 2, the
// timbre cosine over the timbre coefficients and the activity together.
std::vector<float> self_similarity(const BeatFeatures& f, double chroma_weight = 0.5);
// Foote novelty per beat (not normalised) of an n x n matrix, kernel half-width `half` beats.
std::vector<double> checkerboard_novelty(const std::vector<float>& ssm, std::size_t n, int half);

// Serra et al.'s structure-feature novelty: delay-embedded (embed elements) similarity,
// mutual nearest neighbours -> recurrence plot -> circular lag matrix, smoothed along time
// (Gaussian, sigma `smooth` elements); novelty[i] = squared distance of rows i and i - 1.
std::vector<double> repetition_novelty(const std::vector<float>& ssm, std::size_t n, int embed,
                                       int smooth);

// Groups and labels sections given their boundaries: used by analyze_structure, and by
// tests with known boundaries. `sections` need start/end/first_bar/bars/energy filled in.
// `arrangement`, when given, is a timbre-only similarity (n x n) that repeats must also meet.
void label_sections(std::vector<StructureSection>& sections, const std::vector<float>& ssm,
                    const std::vector<double>& beat_times, const StructureOptions& options = {},
                    const std::vector<float>& arrangement = {});

// Sections run in phrases of 4 or 8 bars. A fill or a build in a section's last bar makes
// the arrangement change a bar early, and boundaries placed there leave a 7-bar verse, a
// chorus a bar early and a 5-bar breakdown, whose clip starts in the verse. So a run of
// consecutive boundaries (bar indices in `cuts`, which starts at 0 and ends at the bar
// count) moves together by one bar when that makes more of the sections around them whole
// phrases (a multiple of 4 bars scores 2, of 2 bars 1), keeps them `min_bars` apart, and
// the novelty (per bar line) at each moved boundary is still half its own. Runs are tried
// from each boundary in order; the best gain wins, the shorter run on a tie.
void snap_boundaries_to_phrases(std::vector<std::size_t>& cuts, const std::vector<double>& novelty,
                                std::size_t min_bars);

Structure analyze_structure(const OnsetFeatures& onsets, const TimbreFeatures& timbre,
                            const Rhythm& rhythm, const EnergyCurve& energy,
                            const StructureOptions& options = {});

// [{"label", "start", "end", "bars", "group", "repeats", "repetition", "energy"}, ...]
Json sections_json(const std::vector<StructureSection>& sections);

}  // namespace audio
