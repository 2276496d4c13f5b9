// The result of a golden comparison (golden_diff.hpp) and its two renderings:
//   text   one line per file ("NAME: same", "NAME: within tolerance (SNR 97.3 dB)",
//          "NAME: REGRESSION" or "NAME: ERROR") with indented detail lines, capped per
//          file with a count of the rest, and a summary line;
//   JSON   one document, schema "golden.diff/1" (documented in golden-diff(1)).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "libaudio/audio_compare.hpp"
#include "libaudio/bytes_compare.hpp"
#include "libaudio/error.hpp"
#include "libaudio/json_compare.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/media_compare.hpp"

namespace audio {

enum class FileKind { json, json_lines, audio, media, bytes };
enum class FileStatus { same, within_tolerance, regression, error, ignored };

const char* to_string(FileKind kind);
const char* to_string(FileStatus status);

struct FileResult {
  std::string name;  // path relative to the compared directories, or the actual file's path
  std::optional<FileKind> kind;
  FileStatus status = FileStatus::same;
  // Why a file regressed when it has no comparison: "missing" (only in EXPECTED) or
  // "extra" (only in ACTUAL); empty otherwise.
  std::string presence;
  Exit error_code = Exit::ok;  // for FileStatus::error
  std::string error;           // "SUBJECT: message"
  std::optional<JsonComparison> json;
  std::optional<AudioComparison> audio;
  std::optional<MediaComparison> media;
  bool media_packets = true;  // whether the media comparison included packet checksums
  std::optional<BytesComparison> bytes;

  // The words after "NAME: " on the file's line.
  std::string headline() const;
  // The indented lines under it (all of them; renderers cap them). `more` receives how many
  // further details exist beyond those listed (JSON differences beyond max_details).
  std::vector<std::string> details(std::size_t& more) const;
};

struct ReportCounts {
  std::size_t files = 0, same = 0, within_tolerance = 0, regression = 0, error = 0, ignored = 0;
};

struct GoldenReport {
  std::string expected, actual;
  bool directory = false;
  Json options;  // the effective options, echoed in the JSON report
  std::vector<FileResult> files;

  ReportCounts counts() const;
  // 0 when every file is same/within tolerance/ignored; the first error's code when a file
  // could not be read or decoded; otherwise 1 (negative) when something regressed.
  Exit exit_code() const;
};

// `problems_only` lists only regressed and failed files and omits the summary (-q).
void write_text_report(std::ostream& out, const GoldenReport& report, std::size_t max_details,
                       bool problems_only);

Json json_report(const GoldenReport& report);

}  // namespace audio
