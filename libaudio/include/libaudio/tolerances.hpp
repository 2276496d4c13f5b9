// Tolerances files for golden comparisons (tolerances.json).
//
// A tolerances file is a JSON object whose keys are patterns:
//   "/bpm", "/beats/*"   a JSON-pointer pattern, for every JSON document compared;
//   "GLOB#/energy/*"     the same, only in files whose path matches GLOB;
//   "GLOB"               a file pattern.
// A pointer pattern's value is a number >= 0 (the absolute tolerance for numbers) or
// "ignore"; it applies to the value at that path and everything beneath it. A file
// pattern's value is "ignore" (the file is neither compared nor required) or an object of
// thresholds: {"abs_tol", "rel_tol", "min_snr", "max_mse", "max_length_diff", "packets"}.
// In a pointer segment `*` matches any run of characters and `?` one character. A file
// pattern with no '/' matches a file's base name at any depth; one with a '/' matches the
// path relative to the tolerances file's directory, `*` not crossing '/'.
// When several keys match, the most specific wins: for pointers the one with the most
// segments, then a file-scoped one, then fewer wildcards; for file thresholds, each
// threshold comes from the matching pattern with the fewest wildcards.
//
// Files stack: a ToleranceStack holds the --tolerances file and the tolerances.json files
// from the compared file's directory up to the root, and the nearest one with a matching
// key decides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libaudio/json_compare.hpp"
#include "libaudio/json_out.hpp"

namespace audio {

// Per-file settings from file patterns; unset fields fall back to the command line.
struct FileThresholds {
  std::optional<bool> ignore;
  std::optional<double> abs_tol, rel_tol, min_snr, max_mse;
  std::optional<std::int64_t> max_length_diff;
  std::optional<bool> packets;  // media: compare packet checksums, not only the layout
};

class Tolerances {
 public:
  Tolerances() = default;
  // Throws Error(data) naming `source` for anything malformed (unknown threshold, negative
  // tolerance, a value that is neither a number nor "ignore").
  static Tolerances parse(const Json& doc, const std::string& source);
  // read_json_file + parse: Error(no_input) if missing, Error(data) if malformed.
  static Tolerances load(const std::string& path);

  // The rule for a JSON value at `path` in file `file` (relative to this file's directory);
  // nullopt when no key matches.
  std::optional<FieldRule> field_rule(const std::string& file,
                                      const std::vector<std::string>& path) const;
  FileThresholds file_thresholds(const std::string& file) const;
  bool empty() const { return pointers_.empty() && files_.empty(); }

 private:
  struct PointerRule {
    std::string file_glob;  // empty: every file
    std::vector<std::string> segments;
    FieldRule rule;
    int wildcards = 0;
  };
  struct FileRule {
    std::string glob;
    FileThresholds thresholds;
    int wildcards = 0;
  };
  std::vector<PointerRule> pointers_;
  std::vector<FileRule> files_;
};

// Glob match of one name or relative path: `*` and `?` do not cross '/'.
bool glob_match(const std::string& pattern, const std::string& text);
// Whether a file pattern matches a relative path (base name when the pattern has no '/').
bool file_pattern_match(const std::string& pattern, const std::string& relative_path);

// The tolerances that apply to one compared file, nearest first.
class ToleranceStack {
 public:
  // `file` is the compared file's path relative to `tolerances`' directory.
  void push(const Tolerances* tolerances, std::string file);

  std::optional<FieldRule> field_rule(const std::vector<std::string>& path) const;
  FileThresholds file_thresholds() const;  // field by field, nearest first

 private:
  std::vector<std::pair<const Tolerances*, std::string>> layers_;
};

}  // namespace audio
