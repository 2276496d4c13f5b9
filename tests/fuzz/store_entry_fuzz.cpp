// Fuzz target: the entries of the stores programs share (wf-hash --store, djb-analyze
// --store), which any process writing there, or a hand edit, may have left in any state: a
// wf-hash store record (audio::StoreRecord::from_json) and an analysis store entry
// (audio::AnalysisStore::load, where anything unusable must be a miss).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "fuzz_support.hpp"
#include "libaudio/analysis.hpp"
#include "libaudio/analysis_store.hpp"
#include "libaudio/error.hpp"
#include "libaudio/hash_store.hpp"

namespace {

const std::string kSha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

// Where the store looks for kSha256's entry (its directory made).
std::string entry_path(const audio::AnalysisStore& store, const audio::Json& options) {
  const std::filesystem::path path = store.entry_path(kSha256, options);
  std::filesystem::create_directories(path.parent_path());
  return path.string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fuzz::TempDir dir("store_entry");
  static const audio::AnalysisStore store(dir.path());
  static const audio::Json options = audio::analysis_options_json(audio::AnalysisOptions{});
  static const fuzz::TempFile entry(entry_path(store, options), fuzz::TempFile::exact);

  if (const auto doc = fuzz::parse_json(fuzz::as_text(data, size))) {
    try {
      const audio::StoreRecord r = audio::StoreRecord::from_json(*doc);
      (void)r.to_json();
    } catch (const audio::Error&) {
    }
  }
  entry.write(data, size);
  (void)store.load(kSha256, options);
  return 0;
}
