// Golden-file comparison of two files or two directory trees (the library behind
// golden-diff(1)).
//
// A file's kind comes from the EXPECTED file: .json is JSON (or JSON Lines when it only
// parses line by line), .jsonl/.ndjson JSON Lines, audio extensions (.wav .flac .mp3 .ogg
// .opus .m4a ...) audio, video containers (.mp4 .mov .mkv .webm ...) media; anything else
// is sniffed (audio and container magic numbers, then a JSON parse when it starts with '{'
// or '['), and falls back to bytes. Byte-identical files are "same" without being parsed.
// JSON is compared with json_compare, audio with audio_compare, media with media_compare,
// anything else byte for byte.
//
// Directory mode pairs files by relative path; a file on one side only is a regression.
// Each tolerances.json in the EXPECTED tree applies to the files in its directory and
// below (nearest first, after the --tolerances file) and is itself not compared; a
// tolerances.json in the ACTUAL tree is skipped too.
//
// Per-file failures (unreadable, not valid JSON, not decodable) are recorded in the report
// and the rest carry on. Throws Error(no_input) when EXPECTED or ACTUAL does not exist,
// Error(usage) when one is a directory and the other is not, and Error(data/no_input) for
// a bad tolerances file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "libaudio/golden_report.hpp"

namespace audio {

struct GoldenOptions {
  double abs_tol = 1e-9;
  double rel_tol = 0.0;
  bool strict_order = false;
  double min_snr_db = 90.0;
  std::optional<double> max_mse;
  std::int64_t max_length_diff = 0;
  bool media_packets = true;  // false: compare video containers by stream layout only
  std::size_t max_details = 10;
  std::string tolerances_file;   // --tolerances; empty for none
  std::optional<FileKind> kind;  // force one kind for every file
  int jobs = 0;                  // directory mode threads; 0 = all cores
  // Directory mode: files compared so far and in all, after each (for a progress bar, on
  // the calling thread; empty = none).
  std::function<void(std::size_t done, std::size_t total)> on_file;
};

// The kind of a file by its name and (when the name does not tell) its first bytes.
FileKind sniff_kind(const std::string& path);

// Parses "json", "jsonl"/"json_lines", "audio", "media", "bytes". Throws Error(usage).
FileKind parse_file_kind(const std::string& text);

GoldenReport golden_diff(const std::string& expected, const std::string& actual,
                         const GoldenOptions& options);

}  // namespace audio
