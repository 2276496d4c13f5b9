// Acoustic fingerprints (Chromaprint) and their similarity, for finding near-duplicates:
// the same recording re-encoded at another bitrate or format, resampled, or trimmed by a
// few seconds.
//
// fingerprint() decodes to 11025 Hz mono int16 (the rate Chromaprint analyses at, so it
// does not resample again) and fingerprints at most the first `max_seconds` (120 s, as
// AcoustID does): that bounds the cost per file however long the file is, and two
// minutes give about 970 items, far more than a match needs. Trimming the start of a
// file moves Chromaprint's analysis grid (one item per ~0.124 s) by a fraction of an
// item, which costs up to 0.13 of similarity; so fingerprint() also keeps a second
// fingerprint of the same audio started half an item later (`shifted`), and any trim then
// lines up with one of the two within a quarter item.
//
// similarity(a, b) slides one fingerprint over the other, over every time offset whose
// overlap is at least half the shorter fingerprint (and at least kMinOverlapItems, ~10 s,
// when both are that long), and takes the best agreement. Agreement is the fraction of
// equal bits corrected for chance (Cohen's kappa): (equal - chance) / (1 - chance), where
// `chance` is the agreement two unrelated items of these fingerprints would have, from
// each bit's frequency of ones. Raw equal-bit fractions put steady noise (0.84) and two
// different held tones (0.91) as close to each other as a trimmed copy is to its source
// (0.95); corrected, they score about 0.1 and 0, while copies stay above 0.9. wf-hash(1)
// lists the measured figures behind kDefaultThreshold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "libaudio/decoder.hpp"

namespace audio {

constexpr double kFingerprintSeconds = 120.0;
constexpr int kFingerprintRate = 11025;
// Below this many items (about 1.5 s) a fingerprint says too little to compare.
constexpr std::size_t kMinFingerprintItems = 12;
// Offsets must overlap by about 10 s (or half the shorter fingerprint, if more).
constexpr std::size_t kMinOverlapItems = 80;
// Similarity at or above which two fingerprints are taken for the same recording
// (measured: see wf-hash(1), NEAR DUPLICATES).
constexpr double kDefaultThreshold = 0.80;

struct Fingerprint {
  std::vector<std::uint32_t> items;    // Chromaprint's raw fingerprint, one item per ~0.124 s
  std::vector<std::uint32_t> shifted;  // the same, started half an item later (may be empty)
  double seconds = 0.0;                // how much audio was fingerprinted
  int algorithm = 1;                   // Chromaprint algorithm id (1 = the default, TEST2)

  // Chromaprint's compressed, URL-safe base64 form of `items` (the string fpcalc prints).
  std::string encoded() const;
  // Inverse of encoded() (without `shifted`). Throws Error(data) on a malformed string.
  static Fingerprint decode(const std::string& text);
  // True when it holds enough items to be compared.
  bool usable() const { return items.size() >= kMinFingerprintItems; }
};

// Decoder options that deliver what Chromaprint analyses (11025 Hz mono).
DecodeOptions fingerprint_decode_options();

// Fingerprints what `decoder` delivers (any rate or channel count; fastest with
// fingerprint_decode_options()), up to `max_seconds`, with its half-item-shifted twin.
// Throws Error(data) on corrupt audio.
Fingerprint fingerprint(Decoder& decoder, double max_seconds = kFingerprintSeconds);

// Opens `path` with fingerprint_decode_options() and fingerprints it.
Fingerprint fingerprint_file(const std::string& path, double max_seconds = kFingerprintSeconds);

struct Similarity {
  double score = 0.0;       // chance-corrected agreement at the best offset, 0..1
  double equal_bits = 0.0;  // plain fraction of equal bits at that offset
  int offset = 0;           // items b is shifted by against a (approximate: may come from
                            // either phase)
  std::size_t overlap = 0;  // items compared at the best offset (0: nothing comparable)
};

// Best agreement over all offsets with enough overlap, using either side's `shifted`
// fingerprint when present. Score 0 when either is unusable or both are constant.
Similarity similarity(const Fingerprint& a, const Fingerprint& b);

}  // namespace audio
