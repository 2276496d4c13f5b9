// JSON output helpers. Documents are nlohmann::ordered_json so keys keep the order the
// program writes them in, which keeps output byte-identical across runs.
#pragma once

#include <cmath>
#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "libaudio/error.hpp"

namespace audio {

using Json = nlohmann::ordered_json;

// Rounds seconds (or any value) to `decimals` places so printed JSON is short and stable.
inline double round_to(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  // + 0.0 turns a -0.0 (a tiny negative rounded away) into 0.0, so JSON never says "-0.0".
  return std::round(value * scale) / scale + 0.0;
}
inline double round_seconds(double seconds) {
  return round_to(seconds, 3);
}

// Writes one compact JSON line and flushes (JSON Lines: one record per line).
void write_json_line(std::ostream& out, const Json& doc);

// Writes `doc` as one line to `path` through an AtomicFile (atomic_file.hpp): inside a
// run's OutputGroup it appears with the run's other outputs, never alone, and never over an
// input. Throws Error(cant_create / io / usage).
void write_json_line_file(const std::string& path, const Json& doc);

// The "input" record every document carries: path and SHA-256 (when known).
Json input_record(const std::string& path, const std::string& sha256);

// A parse failure (syntax, a number beyond double's range) as Error(data, subject).
Error json_error(const nlohmann::json::exception& e, const std::string& subject);

// Parses a JSON document from a file or "-" (stdin), read with read_input_text (bounded,
// never a device). Throws Error(no_input / data / io).
Json read_json_file(const std::string& path);

// Throws Error(data, subject) unless `doc` is an object whose "schema" is `schema`: "not a
// SCHEMA KIND" (kind: "document", "record") or "schema is X, expected SCHEMA".
void require_schema(const Json& doc, const std::string& schema, const std::string& subject,
                    const std::string& kind);

}  // namespace audio
