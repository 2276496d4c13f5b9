// Field-by-field comparison of JSON documents and JSON Lines files, for golden tests.
//
// Every differing value is reported with its JSON-pointer path ("/beats/12"), the expected
// and the actual value. Numbers are equal when |actual - expected| <= the field's absolute
// tolerance (abs_tol, or the rule's number) or <= rel_tol * |expected|; integers and
// floats compare by value (1 == 1.0). Missing and extra object keys, type changes and
// array length changes are differences. Object key order is ignored unless strict_order.
// A FieldRule callback lets a tolerances file (tolerances.hpp) loosen or ignore fields;
// a rule applies to the value at its path and everything beneath it.
//
// JSON Lines: one document per line, compared line by line (blank lines are skipped and
// not counted); the number of lines must match. Files are streamed, so memory stays flat.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "libaudio/json_out.hpp"

namespace audio {

// What a tolerances file says about one field.
struct FieldRule {
  enum class Kind { none, ignore, tolerance };
  Kind kind = Kind::none;
  double tolerance = 0.0;  // absolute, for Kind::tolerance
};

// Called with the unescaped path segments of a value ({"beats", "12"}); may be empty.
using FieldRuleFn = std::function<FieldRule(const std::vector<std::string>& path)>;

struct JsonCompareOptions {
  double abs_tol = 1e-9;
  double rel_tol = 0.0;
  bool strict_order = false;
  std::size_t max_details = 10;  // differences kept in full; the rest are only counted
  FieldRuleFn rule;
};

struct JsonDifference {
  // missing/extra: an object key; type: the JSON type changed; value: same type, different
  // value; length: array sizes differ; order: same keys in another order (strict_order);
  // lines: JSON Lines files hold different numbers of lines.
  enum class Kind { missing, extra, type, value, length, order, lines };
  Kind kind = Kind::value;
  long line = 0;     // JSON Lines: 1-based line (record) number; 0 for a single document
  std::string path;  // JSON pointer, "" for the root
  Json expected;     // null when absent (extra); a count for length/lines
  Json actual;       // null when absent (missing)
  double diff = std::numeric_limits<double>::quiet_NaN();       // numbers: |actual - expected|
  double tolerance = std::numeric_limits<double>::quiet_NaN();  // numbers: the allowed |diff|

  // One line for a report: "/beats/12: expected 5.625, actual 5.7 (|diff| 0.075 > 0.005)".
  std::string describe() const;
};

const char* to_string(JsonDifference::Kind kind);

struct JsonComparison {
  std::size_t differences = 0;          // all differences found
  std::vector<JsonDifference> details;  // the first max_details of them
  std::size_t numbers_within = 0;       // numbers that differed but within tolerance
  double max_within_diff = 0.0;         // the largest such |diff| ...
  std::string max_within_path;          // ... and where it was
  long max_within_line = 0;
  std::size_t ignored = 0;  // values skipped because a rule said "ignore"
  std::size_t lines = 0;    // JSON Lines: records compared

  bool equal() const { return differences == 0; }
  bool identical() const { return differences == 0 && numbers_within == 0 && ignored == 0; }
};

JsonComparison compare_json(const Json& expected, const Json& actual,
                            const JsonCompareOptions& options);

// Compares two JSON Lines files. Throws Error(no_input) if one cannot be opened and
// Error(data) naming the file and line if a line is not valid JSON.
JsonComparison compare_json_lines(const std::string& expected_path, const std::string& actual_path,
                                  const JsonCompareOptions& options);

// "/a~1b/0" from {"a/b", "0"} (RFC 6901 escaping).
std::string json_pointer(const std::vector<std::string>& segments);
// The reverse; "" gives no segments. Throws Error(data) for a string not starting with '/'.
std::vector<std::string> split_json_pointer(const std::string& pointer);

}  // namespace audio
