// Musical key from chroma: the whole track's key and the segments where it changes, plus
// the key notations DJs use (Camelot, Open Key) and harmonic compatibility on the wheel.
//
// The track's key is the best of the 24 major/minor key profiles by Pearson correlation with
// the track's pitch-class profile: the sum of the pitched frames' profiles, each bin
// log-compressed first (compress_for_key), so a frame votes with what sounds in it, drum-only
// or silent frames do not vote, and the loudest part does not outvote the harmony.
// Confidence is the margin of the best correlation over the second's (0..2; in practice
// 0.02 is a near tie and 0.1 a clear call). Key segments: the track is split where the
// music on each side, taken whole, prefers its own key to the other side's by a margin
// (binary segmentation, recursively), each side holding at least 16 s of harmony, so a
// steady track is one segment. A change to the relative key (same notes, another tonic)
// is too subtle for this and stays one segment. Without pitched content (silence, noise,
// drums only, one lone pitch) there is no key: `estimate` is empty and `reason` says why.
//
// Notation: Camelot 8B = C major, 8A = A minor, +1 per fifth up (9B = G major, 9A = E
// minor); Open Key 1d = C major, 1m = A minor, +1 per fifth up (2d = G major, 2m = E minor).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "libaudio/chroma.hpp"
#include "libaudio/json_out.hpp"

namespace audio {

enum class Mode { major, minor };

struct Key {
  int tonic = 0;  // pitch class, 0 = C
  Mode mode = Mode::major;
  bool operator==(const Key&) const = default;

  std::string name() const;      // "A minor", "F# major", "Eb minor" (one spelling per class)
  std::string camelot() const;   // "8A"
  std::string open_key() const;  // "1m"
  int camelot_number() const;    // 1..12
  int index() const { return tonic + (mode == Mode::minor ? 12 : 0); }  // 0..23
  static Key from_index(int i) { return {i % 12, i >= 12 ? Mode::minor : Mode::major}; }
};

// Parses "A minor", "Am", "a min", "F# major", "Gb", "Db minor", Camelot "8A" and Open Key
// "1m" / "1d". Returns nothing for anything else.
std::optional<Key> parse_key(const std::string& text);

// Harmonic compatibility on the Camelot wheel: the moves a DJ mixes without a clash.
enum class KeyRelation {
  same,        // 8A -> 8A
  fifth_up,    // 8A -> 9A (one step clockwise)
  fifth_down,  // 8A -> 7A
  relative,    // 8A -> 8B (relative major/minor)
  none,        // anything else
};
KeyRelation key_relation(const Key& from, const Key& to);
inline bool harmonically_compatible(const Key& a, const Key& b) {
  return key_relation(a, b) != KeyRelation::none;
}
const char* relation_name(KeyRelation r);  // "same", "fifth_up", ...

// The MIREX weighted key score of an estimate against the truth: 1 correct, 0.5 a fifth
// above (same mode; mir_eval's convention), 0.3 relative, 0.2 parallel, else 0.
double mirex_key_score(const Key& truth, const Key& estimate);

enum class KeyProfile {
  edma,       // Faraldo et al. (2016), from electronic dance music: natural minor (bVII over
              // VII), the way much EDM writes minor
  krumhansl,  // Krumhansl & Kessler (1982) probe-tone ratings
  temperley,  // Temperley (1999): its minor wants the raised leading tone (VII 4.0, bVII 1.5),
              // so natural-minor music reads as the relative major's neighbour
  bgate,      // Essentia's default for KeyExtractor (from pop and rock audio): out-of-scale
              // degrees weigh nothing, so a loop of in-key chords cannot lean outside its key
  ensemble,   // the mean of edma, temperley and bgate. The default: no single profile suits
              // both natural and harmonic minor, the mean does. Measured with compressed
              // frames (compress_for_key) on the tuning halves of the real-music corpora
              // (scripts/eval-real: MIDI compositions / songs on sampled instruments): MIREX
              // 0.880 / 0.900, where the mean of krumhansl, temperley and edma scores 0.932 /
              // 0.804 summed plainly (the previous default) and 0.868 / 0.825 compressed; the
              // synthesizer's keys (tests/eval/key.cpp, scripts/eval-analyze) stay at 1.000.
};

struct KeyOptions {
  KeyProfile profile = KeyProfile::ensemble;
  double min_segment_seconds = 16.0;  // pitched time each side of a key change must hold
  double min_segment_gain = 0.15;     // margin each side must prefer its key by
  double min_pitched_seconds = 2.0;   // less pitched time than this is no key
  double frame_floor = 1e-3;          // a frame with less salience than this is unpitched
};

struct KeySegment {
  double start = 0, end = 0;  // seconds
  Key key;
};

struct KeyEstimate {
  Key key;
  double score = 0;       // correlation of the best key
  double confidence = 0;  // score - second_score
  Key second;
  double second_score = 0;
  std::vector<KeySegment> segments;  // one when the key holds throughout
};

struct KeyAnalysis {
  std::optional<KeyEstimate> estimate;  // empty when there is no key
  std::string reason;                   // why it is empty
  double tuning_cents = 0;
  double pitched_seconds = 0;  // time with pitched content
  double duration = 0;         // seconds covered by the chroma frames
  bool harmonic = false;       // the key is the harmonic reading's (key_chroma_options)
};

// The chroma the key analysis takes (djb-analyze builds its ChromaAnalyzer with it): the
// plain profile and the harmonic one (8 harmonics, decay 0.8), both. A real instrument's
// partials make the plain profile read some keys as their dominant (the key a fifth up) and
// some minor keys as their parallel major (the 5th partial sounds the major third); the
// harmonic profile reads pure tones (the synthesizer's) as their subdominant. So
// analyze_key takes the harmonic reading only to undo the first, in two cases:
//  - the plain reading is unsure (lead under 0.03), the harmonic one is surer, and it names
//    the plain key or the key a fifth below (MIDI pieces through sampled instruments 0.838
//    -> 0.863 on the tuning half, songs re-voiced on them 0.800 -> 0.792), or the plain
//    major key's parallel minor (MIDI 0.880 -> 0.900 with compressed frames);
//  - whatever the leads, it names the key a fifth below, and the note only that key has
//    (the plain key's flat seventh in major, flat second in minor) sounds at 0.2 or more of
//    the plain key's own note there (leading tone, second): partials do not make that note,
//    and pure tones in the plain key have none of it (MIDI 0.863 -> 0.932, songs 0.792 ->
//    0.804; held out 0.932 -> 0.955 and 0.871 -> 0.913).
// Both chosen on the tuning halves of the real-music corpora (scripts/eval-real) with the
// synthesizer's corpus held at 1.000 (scripts/eval-analyze). Trusting the harmonic reading
// at leads of 0.05 and 0.08 instead gave 0.882 and 0.895 on MIDI but 0.984 and 0.841 on the
// synthesizer's keys; letting it name any key turned a synthesized half-time track to its
// subdominant.
ChromaOptions key_chroma_options();

// One frame's profile as analyze_key sums it: log(1 + 5 x bin / median_salience), the median
// salience being that of the track's pitched frames (in the frame's reading, plain or
// harmonic). Summed as they come, the loudest part (a bass, a lead, an organ's strong
// partials) outvotes the harmony and the profile follows its notes; compressed, a note counts
// for sounding more than for its level (the logarithmic compression of chroma features).
// Chosen on the tuning halves of scripts/eval-real with the ensemble profile: factors 5 and 7
// score MIDI 0.880 and songs 0.900, 10 scores 0.860 / 0.858; 1 to 3 score 0.907 and 0.879 to
// 0.900 but read a short synthesized track in Eb major as Ab major (the harmonic reading
// takes over from an unsure plain one).
PitchClassProfile compress_for_key(const PitchClassProfile& frame, double median_salience);

// Correlations of a pitch-class profile with the 24 keys (index = Key::index()).
std::array<double, 24> key_scores(const PitchClassProfile& profile,
                                  KeyProfile type = KeyProfile::ensemble);

KeyAnalysis analyze_key(const ChromaResult& chroma, const KeyOptions& options = {});

// The analysis as JSON: {"name", "tonic", "mode", "camelot", "open_key", "confidence",
// "second": {"name", "camelot", "open_key", "score"}, "score", "tuning_cents",
// "segments": [{"start", "end", "name", "camelot", "open_key"}]}, or null when there is no key.
Json key_to_json(const KeyAnalysis& analysis);
// Sets doc["key"] = key_to_json(analysis), and doc["key_reason"] when it is null.
void add_key_json(Json& doc, const KeyAnalysis& analysis);

}  // namespace audio
