// A content-addressed store of djb.analysis/1 documents, so a re-run over a library only
// decodes files it has not analysed yet (same content, same analysis version, same options).
//
// Layout under a store directory DIR (shareable with wf-hash's store, which uses DIR/ab/,
// DIR/content/ and DIR/fp/):
//   DIR/analysis/ab/cdef...-vN-OOOOOOOOOOOOOOOO.json
// where abcdef... is the file's SHA-256 (64 lower-case hex digits, split 2 + 62 as git's
// objects are), N the analysis version (kAnalysisVersion) and O... the first 16 hex digits of
// the SHA-256 of the options record (analysis_options_json(), compact JSON). The file holds
// one document, exactly as djb-analyze printed it for the run that made it.
//
// Reuse rule: a stored document is used only when its file name matches all three (content
// hash, analysis version, options digest) and its content agrees (schema, analysis_version,
// input.sha256 and options equal the wanted ones); its input.path is replaced by the path
// of the current run, so the output is what a fresh analysis would print. A missing,
// unreadable or mismatching entry is a miss: the file is analysed and the entry replaced.
// `refresh` analyses regardless and replaces the entry.
//
// Writes are atomic (a temporary file beside the entry, renamed over it), so processes may
// share a store: two that analyse the same file at once write the same bytes, and a reader
// sees either no entry or a whole one. Entries are never deleted here; removing DIR/analysis
// (or any entry) is always safe.
#pragma once

#include <optional>
#include <string>

#include "libaudio/analysis.hpp"
#include "libaudio/error.hpp"
#include "libaudio/json_out.hpp"

namespace audio {

// First 16 hex digits of the SHA-256 of options.dump().
std::string options_digest(const Json& options);

class AnalysisStore {
 public:
  // Creates DIR/analysis if needed. Throws Error(cant_create).
  explicit AnalysisStore(const std::string& dir);

  // DIR/analysis/ab/cdef...-vN-OOOO....json
  std::string entry_path(const std::string& sha256, const Json& options) const;

  // The stored document, or nothing on a miss (see the reuse rule).
  std::optional<Json> load(const std::string& sha256, const Json& options) const;
  // Writes `doc` (an analysis document) under its key. Throws Error(cant_create / io).
  void save(const Json& doc) const;

 private:
  std::string root_;  // DIR/analysis
};

struct AnalysisOutcome {
  std::optional<Error> error;  // set on failure (never thrown), naming the user's path
  Json doc;
  bool from_store = false;
};

// One file through the store: hash it, use the stored document when the reuse rule allows
// (and `refresh` is false), else decode, analyse and store. `store` may be null (no store).
AnalysisOutcome analyze_with_store(const std::string& path, const AnalysisOptions& options,
                                   const AnalysisStore* store, bool refresh);

}  // namespace audio
