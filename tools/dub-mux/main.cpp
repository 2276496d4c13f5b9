// dub-mux: speech-ready audio out of a video (extract), and a dubbed track with subtitles
// back into MP4 (mux), with a JSON report on stdout.
#include <cmath>
#include <fstream>
#include <iostream>

#include "libaudio/atomic_file.hpp"
#include "libaudio/cli.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/progress.hpp"
#include "libaudio/sha256.hpp"
#include "libaudio/sound_writer.hpp"
#include "libmix/audio_extract.hpp"
#include "libmix/dub_muxer.hpp"

int main(int argc, char** argv) {
  audio::cli::Tool tool("dub-mux",
                        "Extract speech-ready audio from a video, or mux a dubbed audio track "
                        "and subtitles with a video's picture into MP4");
  CLI::App& app = tool.app();
  app.require_subcommand(1, 1);

  mix::ExtractOptions ex;
  std::string bits = "16";
  bool no_report = false;
  CLI::App* extract = app.add_subcommand("extract",
                                         "The audio as WAV (default 16 kHz mono 16-bit); a "
                                         "dub.extract/1 report on stdout unless -o -");
  extract->add_option("VIDEO", ex.input, "Input media file (\"-\" = stdin)")->required();
  extract->add_option("-o,--output", ex.output, "WAV file, or - for stdout")
      ->required()
      ->type_name("FILE");
  extract->add_option("--rate", ex.sample_rate, "Sample rate in Hz")->capture_default_str();
  extract->add_option("--channels", ex.channels, "Channel count (down/up-mixed)")
      ->capture_default_str();
  extract->add_option("--stream", ex.stream, "Container stream index (default: the best audio)")
      ->check(CLI::Range(0, 65535))
      ->type_name("N");
  extract->add_option("--bits", bits, "16, 24 or 32f")->capture_default_str();
  extract->add_flag("--no-report", no_report, "Print no JSON report");

  mix::DubMuxOptions mx;
  std::string duck;
  CLI::App* mux = app.add_subcommand(
      "mux",
      "Video (H.264 copied, else re-encoded) + dub as AAC + subtitles as mov_text -> MP4; "
      "a dub.mux/1 report on stdout");
  mux->add_option("--video", mx.video, "The video whose picture is kept")->required();
  mux->add_option("--audio", mx.audio, "The dub (any audio FFmpeg reads)")->required();
  mux->add_option("--subs", mx.subtitles, "Subtitles: SRT or WebVTT")->type_name("FILE");
  mux->add_option("-o,--output", mx.output, "MP4 file, or - for fragmented MP4 on stdout")
      ->required()
      ->type_name("FILE");
  mux->add_option("--offset", mx.offset,
                  "Seconds the dub starts after the video's start "
                  "(negative: skip its beginning)")
      ->check(audio::cli::real_in(-86400, 86400))
      ->type_name("SECONDS");
  mux->add_flag("--keep-original", mx.keep_original,
                "Keep the video's audio as a second, non-default track");
  mux->add_option("--duck", duck,
                  "Mix the original audio under the dub, lowered by DB while the dub speaks")
      ->type_name("DB");
  mux->add_option("--duck-lookahead", mx.duck_options.lookahead,
                  "Seconds the duck starts before speech (0..5)")
      ->check(audio::cli::real_in(0, 5))
      ->capture_default_str();
  mux->add_option("--duck-release", mx.duck_options.release,
                  "Seconds the duck takes to come back after speech (0..30)")
      ->check(audio::cli::real_in(0, 30))
      ->capture_default_str();
  mux->add_option("--speech-threshold", mx.speech_options.threshold_db,
                  "Level (dBFS, 20 ms RMS) above which the dub counts as speech (-120..0)")
      ->check(audio::cli::real_in(-120, 0))
      ->capture_default_str();
  mux->add_option("--lang", mx.language,
                  "Language of the dub and the subtitles, ISO 639-2 (e.g. eng, spa)")
      ->capture_default_str();
  mux->add_option("--srt", mx.srt_sidecar, "Also write the cues as an SRT sidecar")
      ->type_name("FILE");
  CLI::Option* vtt = mux->add_option("--vtt", mx.vtt_sidecar,
                                     "The WebVTT sidecar browsers show (default with --subs: "
                                     "OUTPUT-STEM.LANG.vtt beside the MP4)")
                         ->type_name("FILE");
  mux->add_flag("--no-vtt", mx.no_default_vtt, "Write no WebVTT sidecar")->excludes(vtt);
  mux->add_option("--report", mx.report,
                  "Write the JSON report to FILE instead of stdout (needed with -o -)")
      ->type_name("FILE");
  mux->add_flag(
      "--no-hash", [&](std::int64_t) { mx.hash_inputs = false; },
      "Leave the inputs' SHA-256 out of the report");

  tool.add_progress_flag();

  return tool.run(argc, argv, [&]() -> audio::Exit {
    if (*extract) {
      ex.format = audio::parse_sample_format(bits);
      audio::OutputGroup outputs;  // committed once the report is out
      const mix::ExtractReport r = mix::extract_audio(ex);
      if (ex.output != "-" && !no_report) {
        const std::string sha = ex.input == "-" ? "" : audio::sha256_file(ex.input).sha256;
        audio::write_json_line(std::cout, mix::extract_report_json(r, sha));
        audio::cli::flush_stdout();
      }
      outputs.commit();
      return audio::Exit::ok;
    }
    if (!duck.empty()) {
      mx.duck = true;
      mx.duck_options.depth_db = audio::cli::parse_db(duck, "--duck", -96, 96);
      if (mx.duck_options.depth_db < 0) {
        throw audio::Error(audio::Exit::usage, "--duck",
                           "'" + duck +
                               "' is negative; give the depth the original is lowered "
                               "by, e.g. 12 or 12dB");
      }
    }
    audio::Progress bar(tool.progress_enabled(), "dub-mux");
    mx.on_progress = [&bar](double done, double total) { bar.update(done, total); };
    audio::OutputGroup outputs;  // committed once the report is out
    const audio::Json report = mix::mux_dub(mx);
    bar.finish();
    if (mx.report.empty() && mx.output != "-") {
      audio::write_json_line(std::cout, report);
      audio::cli::flush_stdout();
    }
    outputs.commit();
    return audio::Exit::ok;
  });
}
