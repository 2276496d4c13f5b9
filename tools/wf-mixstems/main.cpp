// wf-mixstems: mix stems into one WAV/FLAC track and print a wf.mix/1 report on stdout.
#include <iostream>

#include "libaudio/atomic_file.hpp"
#include "libaudio/cli.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/peaks.hpp"
#include "libaudio/progress.hpp"
#include "libaudio/sound_writer.hpp"
#include "libmix/stem_mixer.hpp"

int main(int argc, char** argv) {
  audio::cli::Tool tool("wf-mixstems",
                        "Mix stems into one track: zero-pad, resample, one fixed gain, a peak "
                        "ceiling; WAV or FLAC out, a wf.mix/1 JSON report on stdout");
  CLI::App& app = tool.app();
  mix::MixOptions opt;
  std::vector<std::string> gain_options;
  std::string gains_file, normalize = "count", ceiling = "0.95", bits = "24";
  audio::PeaksRequest peaks;
  app.add_option("STEM", opt.stems, "Stem files (any format FFmpeg reads)")
      ->required()
      ->default_str("");
  std::string report_path;
  app.add_option("-o,--output", opt.output, "The mix: .wav or .flac; - streams WAV to stdout")
      ->required()
      ->type_name("FILE");
  app.add_option("--report", report_path,
                 "Write the wf.mix/1 report to FILE instead of stdout (with -o -, only so)")
      ->type_name("FILE");
  app.add_option("--channels", opt.channels, "1 or 2 (default: 2 if any stem is stereo)")
      ->check(CLI::IsMember({1, 2}))
      ->default_str("");
  app.add_option("--rate", opt.sample_rate, "Mix rate in Hz (default: the highest stem rate)")
      ->check(CLI::Range(1000, 768000))
      ->type_name("HZ")
      ->default_str("");
  app.add_option("--gain", gain_options,
                 "Gain of stem N (1-based), e.g. 2=-3dB or 2=0.5; repeatable")
      ->type_name("N=GAIN")
      ->default_str("")
      ->expected(1)
      ->allow_extra_args(false)  // one value per --gain: the stems that follow stay stems
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--gains", gains_file,
                 "JSON gains: [g1, g2, ...] in stem order, or {\"N\" or \"path\": g}")
      ->type_name("SPEC.json");
  app.add_option("--normalize", normalize, "count, peak, lufs:TARGET (e.g. lufs:-14) or none")
      ->capture_default_str();
  app.add_option("--ceiling", ceiling, "Sample-peak ceiling: linear (0.95), dB (-0.5dB) or none")
      ->capture_default_str();
  app.add_option("--bits", bits, "16, 24 or 32f (32-bit float; WAV only)")->capture_default_str();
  app.add_option("--peaks", opt.peaks_output,
                 "Also write waveform data of the mix here (.json, .dat, .svg, .png; "
                 "waveflow with --peaks-format)")
      ->type_name("FILE");
  audio::add_peaks_options(app, peaks, "peaks-");
  tool.add_progress_flag();

  return tool.run(argc, argv, [&]() -> audio::Exit {
    audio::ensure_stdout_not_terminal(opt.output, "WAV");
    // Checked before the mix streams out: a report over a stem would be refused only later.
    if (!report_path.empty())
      for (const std::string& s : opt.stems) audio::ensure_not_same_file(s, report_path);
    opt.normalize = mix::parse_normalize(normalize);
    opt.ceiling = mix::parse_ceiling(ceiling);
    opt.format = audio::parse_sample_format(bits);
    audio::OutputGroup outputs;  // committed once the report is out
    outputs.protect(gains_file, "--gains");
    opt.gains.assign(opt.stems.size(), 1.0);
    if (!gains_file.empty()) {
      mix::apply_gain_spec(audio::read_json_file(gains_file), opt.stems, opt.gains, gains_file);
    }
    for (const std::string& g : gain_options) mix::apply_gain_option(g, opt.gains);
    if (!opt.peaks_output.empty()) {
      audio::resolve_peaks_format(peaks, opt.peaks_output);
      opt.peaks = &peaks;
    }
    audio::Progress progress(tool.progress_enabled(), "mixing");
    opt.progress = &progress;

    const mix::MixReport report = mix::mix_stems(opt);
    if (report.clipped_samples > 0) {
      tool.warn(report.output, std::to_string(report.clipped_samples) +
                                   " samples were beyond full scale and clipped");
    }
    const audio::Json doc = mix::report_json(report);
    if (!report_path.empty()) {
      audio::write_json_line_file(report_path, doc);  // committed with the mix
    } else if (opt.output != "-") {
      audio::write_json_line(std::cout, doc);
    }
    audio::cli::flush_stdout();
    outputs.commit();
    return audio::Exit::ok;
  });
}
