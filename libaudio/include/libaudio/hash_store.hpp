// A content-addressed store of files already seen, for duplicate detection that many
// processes can share, and the same logic in memory for duplicates within one run.
//
// Layout of a store directory DIR (git's objects layout, keys are lower-case hex SHA-256):
//   DIR/store.json                  {"schema":"wf.hash.store/1"}: marks and versions the layout
//   DIR/ab/cdef...                  record of the file whose sha256 is abcdef... (exact key)
//   DIR/content/ab/cdef...          the same record under its content_sha256 (content key)
//   DIR/fp/XYZ                      fingerprint index bucket (4096 of them), 36-byte entries:
//                                   item value (u32 LE) + the record's raw sha256 (32 bytes)
//   DIR/fp/lock                     lock file serialising fingerprint lookups and inserts
// A record is one JSON line: {"schema":"wf.hash.store/1","path","bytes","sha256",
// "content_sha256","content_rule","fingerprint"} (the last three when computed).
//
// Claims are atomic: a record is written to a temporary file beside its final name and
// hard-linked there with link(2), which fails with EEXIST when the key is taken. The
// winner is the first; the loser reads the existing record and is its duplicate. So
// concurrent processes never lose a record and report each duplicate exactly once.
// claim() tries the exact key first, then the content key (if the record has one), then
// the fingerprint (if one is given); the first that is taken decides the match.
//
// Near duplicates: a fingerprint is indexed by a sample of its distinct item values (those
// whose hash has its low 4 bits zero, and at least 8), about 1/16 of them. A lookup
// reads the buckets of the query's sampled values (from both of its phases), counts
// shared values per record, and scores the kMaxCandidates best by similarity(). Cost per
// file: about 30-60 bucket reads, each 1/4096 of the index (about 36 bytes x 27 entries per
// indexed file), and up to kMaxCandidates record reads; no scan of the store. Lookup and
// insert happen under an exclusive lock (flock on DIR/fp/lock), so two near-duplicates
// claimed at once are still reported once. Only files that are not duplicates are indexed,
// so duplicate_of always names an original.
//
// Durability: records survive a killed process (no torn record is ever visible) but are
// not fsync'ed; after a power loss a record may be empty, and claim() then fails with
// Error(data) naming it (delete it to repair).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "libaudio/fingerprint.hpp"
#include "libaudio/json_out.hpp"

namespace audio {

// Records scored by similarity per lookup, at most.
constexpr std::size_t kMaxCandidates = 32;

struct StoreRecord {
  std::string path;
  std::uint64_t bytes = 0;
  std::string sha256;          // required: the exact key
  std::string content_sha256;  // empty when not computed
  std::string content_rule;
  std::string fingerprint;  // Fingerprint::encoded(), empty when not computed

  Json to_json() const;
  // Throws Error(data) when `doc` is not a store record.
  static StoreRecord from_json(const Json& doc);
};

enum class Match { exact, content, acoustic };
const char* match_name(Match m);  // "exact", "content", "acoustic"

struct Duplicate {
  StoreRecord original;  // the record that was there first
  Match match = Match::exact;
  double similarity = 1.0;  // 1 for exact and content matches
};

class HashStore {
 public:
  // A store in directory `dir`, created if missing. Throws Error(cant_create).
  static HashStore open_directory(const std::string& dir);
  // A store that lives as long as the object (duplicates within one run).
  static HashStore in_memory();

  HashStore(HashStore&&) noexcept;
  HashStore& operator=(HashStore&&) noexcept;
  ~HashStore();

  // Records `record` unless it duplicates one already there; returns that one if so.
  // `fp` (may be null) is the record's fingerprint with its shifted twin; it is matched
  // against the index when usable, at `threshold`. Throws Error.
  std::optional<Duplicate> claim(const StoreRecord& record, const Fingerprint* fp,
                                 double threshold = kDefaultThreshold);

  struct Backend;

 private:
  explicit HashStore(std::unique_ptr<Backend> backend);
  std::unique_ptr<Backend> backend_;
};

// The item values a fingerprint is indexed by (sorted, distinct). Exposed for tests.
std::vector<std::uint32_t> index_values(const std::vector<std::uint32_t>& items);

}  // namespace audio
