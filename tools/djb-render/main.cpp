// djb-render: render a djb.plan/1 into a mix (MP3 + LRC + CUE, optionally a ZIP bundle) and
// print a djb.render/1 report on stdout.
#include <iostream>

#include "libaudio/atomic_file.hpp"
#include "libaudio/cli.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/progress.hpp"
#include "libmix/render_job.hpp"

int main(int argc, char** argv) {
  audio::cli::Tool tool("djb-render",
                        "Render a mix plan (djb.plan/1): tempo-matched transitions, loudness "
                        "matching, a true-peak limiter; MP3 320 kbps + LRC + CUE out, a "
                        "djb.render/1 report on stdout");
  CLI::App& app = tool.app();
  mix::RenderJob job;
  std::string progress_mode, ceiling = "-1";
  bool no_verify = false;
  app.add_option("PLAN", job.plan_path, "The plan (djb.plan/1), or - for stdin")->required();
  std::string report_path;
  app.add_option("-o,--output", job.output,
                 "The mix: .mp3 (or .wav/.flac); NAME.lrc and "
                 "NAME.cue are written beside it. - writes MP3 to stdout (no track lists)")
      ->required()
      ->type_name("FILE");
  app.add_option("--report", report_path,
                 "Write the djb.render/1 report to FILE instead of stdout (with -o -, the "
                 "report is written only so)")
      ->type_name("FILE");
  app.add_option("--bundle", job.bundle, "Also a ZIP of the mix, LRC, CUE and plan")
      ->type_name("FILE.zip");
  app.add_flag("--preview", job.render.preview,
               "Only the transitions, a few bars either side, faster engine");
  app.add_option("--preview-bars", job.render.preview_bars, "Bars either side in a preview")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--target-lufs", job.render.target_lufs,
                 "Loudness every track is matched to (EBU R128)")
      ->check(audio::cli::real_in(-40.0, -5.0))
      ->capture_default_str();
  app.add_option("--ceiling", job.render.limiter.ceiling_dbtp, "True-peak ceiling in dBTP")
      ->check(audio::cli::real_in(-12.0, 0.0))
      ->capture_default_str();
  app.add_option("--limiter-allowance", job.render.limiter_allowance_db,
                 "dB a raised track's true peak may go over the ceiling (into the limiter); "
                 "quieter, dynamic tracks play under the target rather than be squashed. "
                 "12 = loudness over dynamics")
      ->check(audio::cli::real_in(0.0, 12.0))
      ->capture_default_str();
  app.add_option("--rate", job.render.sample_rate,
                 "Sample rate of the mix (MP3: 32000, 44100 or 48000)")
      ->check(CLI::Range(8000, 192000))
      ->capture_default_str();
  app.add_option("--title", job.title, "Title of the mix (default: the output's name)");
  app.add_option("--artist", job.artist, "Artist of the mix");
  app.add_flag("--no-verify", no_verify, "Do not check the tracks' SHA-256 against the plan");
  // A flag that takes its value only as --progress=json: a flag never takes the next
  // argument, so "--progress plan.json" reads the plan.
  app.add_flag("--progress{bar}", progress_mode,
               "Progress on stderr even when it is not a terminal: --progress (a bar) or "
               "--progress=json (JSON Lines)")
      ->check(CLI::IsMember({"bar", "json"}));

  return tool.run(argc, argv, [&]() -> audio::Exit {
    job.verify_sha256 = !no_verify;
    job.render.engine = job.render.preview ? mix::StretchEngine::faster : mix::StretchEngine::finer;
    const bool json = progress_mode == "json";
    const bool given = app.count("--progress") > 0;
    audio::Progress bar(!json && (given || tool.progress_enabled()), "rendering");
    double last = -1, total_seen = 0;
    auto json_line = [&](double done, double total) {
      audio::Json line;
      line["schema"] = "djb.progress/1";
      line["done_seconds"] = audio::round_seconds(done);
      line["total_seconds"] = audio::round_seconds(total);
      audio::write_json_line(std::cerr, line);
    };
    job.render.on_progress = [&](double done, double total) {
      total_seen = total;
      if (json) {
        if (done - last < 10.0) return;  // a line per 10 s of mix; the last one comes below
        last = done;
        json_line(done, total);
      } else {
        bar.update(done, total);
      }
    };
    audio::ensure_stdout_not_terminal(job.output, "MP3");
    audio::OutputGroup outputs;  // committed once the report is out
    const audio::Json report = mix::run_render_job(job);
    bar.finish();
    if (!report_path.empty()) {
      audio::write_json_line_file(report_path, report);  // committed with the mix
    } else if (job.output != "-") {
      audio::write_json_line(std::cout, report);
    }
    audio::cli::flush_stdout();
    outputs.commit();
    if (json) json_line(total_seen, total_seen);  // the closing line: the outputs are in place
    return audio::Exit::ok;
  });
}
