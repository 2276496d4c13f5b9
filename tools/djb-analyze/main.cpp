// djb-analyze: tempo, beats, downbeats, key, loudness, energy, phrases and cues of audio
// files, one djb.analysis/1 JSON line per file in input order, with an optional
// content-addressed store that makes re-runs incremental. See djb-analyze(1).
#include <iostream>
#include <memory>
#include <mutex>
#include <vector>

#include "libaudio/analysis.hpp"
#include "libaudio/analysis_store.hpp"
#include "libaudio/batch.hpp"
#include "libaudio/cli.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/progress.hpp"

int main(int argc, char** argv) {
  using audio::Exit;
  audio::cli::Tool tool("djb-analyze",
                        "Tempo, beats, downbeats, key, EBU R128 loudness, energy, phrases and cues "
                        "of audio files; one JSON line per file");
  CLI::App& app = tool.app();
  std::vector<std::string> files;
  std::string store_dir, bpm_range, bpm_prior;
  bool refresh = false, verbose = false;
  int jobs = 0;
  double max_duration = audio::AnalysisOptions{}.max_seconds;
  app.add_option("FILE", files, "Audio files (none or - reads stdin)");
  app.add_option("-j,--jobs", jobs, "Files analysed in parallel (0 = all cores)")
      ->check(CLI::Range(0, 1024));
  app.add_option("--store", store_dir,
                 "Content-addressed store of results shared across runs (created if missing)");
  app.add_flag("--refresh", refresh, "Analyse again even when the store has a result");
  app.add_option("--bpm-range", bpm_range, "Tempo range MIN-MAX (default 75-220)");
  app.add_option("--bpm-prior", bpm_prior, "Most likely tempo, to break ties (default 125)");
  app.add_option("--max-duration", max_duration, "Longest input accepted, in seconds")
      ->check(audio::cli::real_in(1.0, 86400.0));
  CLI::Option* verbose_flag =
      app.add_flag("-v,--verbose", verbose, "Say on stderr how many results came from the store");
  tool.add_progress_flag();

  return tool.run(argc, argv, [&]() -> Exit {
    if (verbose && tool.quiet()) {
      throw audio::Error(Exit::usage, verbose_flag->get_name(), "cannot be used with --quiet");
    }
    audio::AnalysisOptions options;
    options.max_seconds = max_duration;
    if (!bpm_range.empty()) audio::parse_bpm_range(bpm_range, options.tempo);
    if (!bpm_prior.empty()) audio::parse_bpm_prior(bpm_prior, options);
    if (refresh && store_dir.empty()) {
      throw audio::Error(Exit::usage, "--refresh", "needs --store");
    }
    tool.read_stdin_by_default(files);
    std::unique_ptr<audio::AnalysisStore> store;
    if (!store_dir.empty()) store = std::make_unique<audio::AnalysisStore>(store_dir);

    audio::cli::BatchStatus status;
    std::size_t reused = 0, analysed = 0;
    audio::Progress progress(tool.progress_enabled(), "djb-analyze",
                             static_cast<double>(files.size()));
    // The bar moves within files too: files finished plus the decoded part of those under way.
    std::mutex progress_mutex;
    std::vector<double> partial(files.size(), 0.0);
    double partial_sum = 0;
    auto advance = [&](std::size_t i, double fraction) {
      std::lock_guard<std::mutex> lock(progress_mutex);
      partial_sum += fraction - partial[i];
      partial[i] = fraction;
      progress.update(partial_sum);
    };
    audio::parallel_ordered<audio::AnalysisOutcome>(
        files.size(), jobs,
        [&](std::size_t i) {
          audio::AnalysisOptions own = options;
          if (progress.enabled()) own.on_progress = [&, i](double f) { advance(i, 0.9 * f); };
          return audio::analyze_with_store(files[i], own, store.get(), refresh);
        },
        [&](std::size_t i, audio::AnalysisOutcome& r) {
          advance(i, 1.0);
          if (r.error) {
            tool.error(*r.error);
            status.fail(r.error->code());
            return;
          }
          ++(r.from_store ? reused : analysed);
          audio::write_json_line(std::cout, r.doc);
        });
    progress.finish();
    if (verbose) {
      std::cerr << "djb-analyze: " << files.size() << (files.size() == 1 ? " file: " : " files: ")
                << reused << " from the store, " << analysed << " analysed, "
                << files.size() - reused - analysed << " failed\n";
    }
    return status.code();
  });
}
