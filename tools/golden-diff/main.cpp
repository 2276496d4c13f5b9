// golden-diff: compares output files (or trees) with golden files within stated tolerances
// and exits 1 on a regression. See golden-diff(1).
#include <iostream>
#include <limits>

#include "libaudio/cli.hpp"
#include "libaudio/golden_diff.hpp"
#include "libaudio/progress.hpp"

namespace {

CLI::Validator at_least(double min) {
  return audio::cli::real_in(min, std::numeric_limits<double>::max());
}

}  // namespace

int main(int argc, char** argv) {
  audio::cli::Tool tool("golden-diff",
                        "Compare files or directory trees with golden (expected) files within "
                        "stated tolerances; exit 1 on a regression");
  CLI::App& app = tool.app();
  audio::GoldenOptions o;
  std::string expected, actual, kind;
  double max_mse = 0;
  bool json = false;
  app.add_option("EXPECTED", expected, "Golden file or directory")->required();
  app.add_option("ACTUAL", actual, "File or directory to check")->required();
  app.add_option("--abs-tol", o.abs_tol, "Absolute tolerance for JSON numbers")->check(at_least(0));
  app.add_option("--rel-tol", o.rel_tol, "Relative tolerance for JSON numbers (of |expected|)")
      ->check(at_least(0));
  app.add_option("--tolerances", o.tolerances_file,
                 "Tolerances file: JSON-pointer patterns to a tolerance or \"ignore\"");
  app.add_flag("--strict-order", o.strict_order, "Object key order matters in JSON");
  app.add_option("--min-snr", o.min_snr_db, "Minimum SNR of audio, dB")->check(at_least(-1000));
  CLI::Option* mse = app.add_option("--max-mse", max_mse, "Maximum mean squared error of audio")
                         ->check(at_least(0));
  app.add_option("--max-length-diff", o.max_length_diff, "Allowed audio length difference, frames")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  app.add_option("--max-details", o.max_details, "Detail lines per file in the report")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1000000}));
  bool layout_only = false;
  app.add_flag("--layout-only", layout_only,
               "Compare video containers by stream layout, without packet checksums");
  app.add_option("--as", kind, "Compare every file as json, jsonl, audio, media or bytes")
      ->check(CLI::IsMember({"json", "jsonl", "audio", "media", "bytes"}));
  app.add_option("-j,--jobs", o.jobs, "Files compared at once in directory mode (0 = all cores)")
      ->check(CLI::Range(0, 1024));
  app.add_flag("--json", json, "Print a golden.diff/1 JSON report instead of text");
  tool.add_progress_flag();

  return tool.run(argc, argv, [&]() -> audio::Exit {
    if (*mse) o.max_mse = max_mse;
    o.media_packets = !layout_only;
    if (!kind.empty()) o.kind = audio::parse_file_kind(kind);
    audio::Progress bar(tool.progress_enabled(), "golden-diff");
    o.on_file = [&bar](std::size_t done, std::size_t total) {
      bar.update(static_cast<double>(done), static_cast<double>(total));
    };
    const audio::GoldenReport report = audio::golden_diff(expected, actual, o);
    bar.finish();
    for (const audio::FileResult& f : report.files) {
      if (f.status == audio::FileStatus::error) tool.error("", f.error);
    }
    if (json) {
      audio::write_json_line(std::cout, audio::json_report(report));
    } else {
      audio::write_text_report(std::cout, report, o.max_details, tool.quiet());
    }
    return report.exit_code();
  });
}
