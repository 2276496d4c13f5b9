// wf-hash: SHA-256 of files (identical to sha256sum), a content hash that survives
// re-tagging and re-muxing, an acoustic fingerprint, and duplicate detection against a
// content-addressed store. One JSON line per file (schema wf.hash/1); see wf-hash(1).
#include <filesystem>
#include <iostream>

#include "libaudio/batch.hpp"
#include "libaudio/cli.hpp"
#include "libaudio/file_hasher.hpp"
#include "libaudio/hash_store.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/progress.hpp"

namespace {

using audio::Error;
using audio::Exit;
using audio::Json;

std::string store_path(const std::string& path) {
  if (path == "-") return path;
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

}  // namespace

int main(int argc, char** argv) {
  audio::cli::Tool tool("wf-hash",
                        "SHA-256, content hash, acoustic fingerprint and duplicate detection "
                        "for audio files; one JSON line per file");
  CLI::App& app = tool.app();
  audio::HashOptions opt;
  double threshold = audio::kDefaultThreshold;
  std::string store_dir;
  std::vector<std::string> files;
  std::string max_size_text;
  bool fail_on_duplicate = false;
  int jobs = 0;
  app.add_option("FILE", files, "Audio files (none or - reads stdin)");
  app.add_flag("--content", opt.content,
               "Add content_sha256: a hash of the audio that ignores tags and container");
  CLI::Option* fp_flag = app.add_flag("--fingerprint", opt.fingerprint,
                                      "Add a Chromaprint fingerprint and find near-duplicates");
  app.add_option("--threshold", threshold,
                 "Similarity (0-1) at which fingerprints are the same recording")
      ->check(audio::cli::real_in(0.0, 1.0))
      ->needs(fp_flag);
  app.add_option("--store", store_dir,
                 "Content-addressed store directory shared across runs (created if missing)");
  app.add_flag("--fail-on-duplicate", fail_on_duplicate, "Exit 1 if any file is a duplicate");
  app.add_option("--max-size", max_size_text,
                 "Refuse files larger than this (e.g. 100M, 2G; default: no limit)");
  app.add_option("-j,--jobs", jobs, "Files hashed in parallel (0 = all cores)")
      ->check(CLI::Range(0, 1024));
  tool.add_progress_flag();

  return tool.run(argc, argv, [&]() -> Exit {
    if (app.count("--max-size")) {
      opt.max_size = audio::cli::parse_size(max_size_text, "--max-size");
      if (opt.max_size <= 0) throw Error(Exit::usage, "--max-size", "must be above 0");
    }
    tool.read_stdin_by_default(files);
    audio::HashStore store = store_dir.empty() ? audio::HashStore::in_memory()
                                               : audio::HashStore::open_directory(store_dir);

    audio::cli::BatchStatus status;
    bool any_duplicate = false;
    audio::Progress progress(tool.progress_enabled(), "wf-hash", static_cast<double>(files.size()));
    std::size_t done = 0;
    audio::parallel_ordered<audio::HashResult>(
        files.size(), jobs, [&](std::size_t i) { return audio::hash_file(files[i], opt); },
        [&](std::size_t i, audio::HashResult& r) {
          progress.update(static_cast<double>(++done));
          if (r.error) {
            tool.error(*r.error);
            status.fail(r.error->code());
            return;
          }
          try {
            // Claims run here, on one thread in input order, so results are deterministic.
            if (!store_dir.empty()) r.record.path = store_path(files[i]);
            auto dup = store.claim(r.record, r.fp ? &*r.fp : nullptr, threshold);
            if (dup) {
              any_duplicate = true;
              r.doc["duplicate_of"] = {{"path", dup->original.path},
                                       {"sha256", dup->original.sha256},
                                       {"match", audio::match_name(dup->match)},
                                       {"similarity", audio::round_to(dup->similarity, 4)}};
            } else {
              r.doc["duplicate_of"] = nullptr;
            }
          } catch (const Error& e) {
            tool.error(files[i], (e.subject().empty() ? "" : e.subject() + ": ") + e.what());
            status.fail(e.code());
            return;
          }
          audio::write_json_line(std::cout, r.doc);
        });
    progress.finish();
    if (status.failed()) return status.code();
    return fail_on_duplicate && any_duplicate ? Exit::negative : Exit::ok;
  });
}
