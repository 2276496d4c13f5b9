// clip-highlights: the structure of the music in a video or audio file, the best highlight
// clips of the asked lengths (bar-aligned), cut to files with thumbnails, and a
// clips.manifest/1 JSON document on stdout and in DIR/manifest.json. See clip-highlights(1).
#include <iostream>

#include "libaudio/atomic_file.hpp"
#include "libaudio/cli.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/progress.hpp"
#include "libmix/clip_cutter.hpp"
#include "libmix/highlights.hpp"

int main(int argc, char** argv) {
  using audio::Exit;
  audio::cli::Tool tool("clip-highlights",
                        "Song structure, highlight clips snapped to bars, thumbnails and a "
                        "manifest for a video or audio file");
  CLI::App& app = tool.app();
  std::string input, lengths = "15,30,60", user, cut = "smart";
  mix::HighlightOptions o;
  bool no_split = false, no_thumbs = false, exact = false;
  app.add_option("FILE", input, "Video or audio file (- reads stdin)")->required();
  // -o as in every other program; --outdir, its first name, still works.
  app.add_option("-o,--output,--outdir", o.outdir,
                 "Directory for clips/, thumbs/ and manifest.json")
      ->type_name("DIR")
      ->required();
  app.add_option("--lengths", lengths, "Clip lengths in seconds (default 15,30,60)");
  app.add_option("--per-length", o.clips.per_length, "Clips per length (default 1)")
      ->check(CLI::Range(1, 50));
  app.add_option("--user", user,
                 "Also cut this range START-END (seconds or m:ss), snapped to bars");
  CLI::Option* cut_option = app.add_option(
      "--cut", cut,
      "Video cuts: smart (default: frame-accurate, re-encodes only up to the first "
      "keyframe), copy (starts on the keyframe before) or exact (re-encodes it all)");
  app.add_flag("--exact", exact, "Same as --cut exact")->excludes(cut_option);
  app.add_option("--aspect", o.cut.aspect, "Centre-crop video clips to 9:16 or 1:1 (re-encodes)");
  app.add_option("--crf", o.cut.crf, "libx264 quality when re-encoding (default 20)")
      ->check(CLI::Range(0, 51));
  app.add_option("--audio-format", o.audio_format,
                 "Audio-only inputs: clips in the input's format (WAV/FLAC, else MP3) or mp3");
  app.add_option("--fade", o.cut.fade, "Audio clip edge fades, seconds (default 0.02)")
      ->check(audio::cli::real_in(0.0, 5.0));
  app.add_option("--thumb-width", o.thumbnail_width, "Thumbnail width in pixels (default 640)")
      ->check(CLI::Range(16, 4096));
  app.add_flag("--no-thumbnails", no_thumbs, "Skip the JPEG thumbnails");
  app.add_flag("--no-split", no_split, "Treat the input as one song (no concert split)");
  app.add_option("--max-duration", o.analysis.max_seconds, "Longest input accepted, seconds")
      ->check(audio::cli::real_in(1.0, 86400.0));
  tool.add_progress_flag();

  return tool.run(argc, argv, [&]() -> Exit {
    o.cut.mode = mix::parse_cut_mode(exact ? "exact" : cut);
    o.clips.lengths = mix::parse_lengths(lengths);
    if (!user.empty()) o.clips.user = mix::parse_range(user);
    o.analysis.split = !no_split;
    o.thumbnails = !no_thumbs;
    audio::Progress bar(tool.progress_enabled(), "clip-highlights", mix::kHighlightStages);
    o.on_stage = [&bar](const std::string& stage, int number) {
      bar.set_label("clip-highlights: " + stage);
      bar.update(number - 1);
    };
    audio::OutputGroup outputs;  // committed once the manifest is out on stdout too
    const audio::Json manifest = mix::make_highlights(input, o);
    bar.finish();
    audio::write_json_line(std::cout, manifest);  // one line, as every program prints
    audio::cli::flush_stdout();
    outputs.commit();
    return Exit::ok;
  });
}
