// wf-peaks: waveform data for web viewers (audiowaveform JSON/dat, waveflow, SVG/PNG).
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "libaudio/atomic_file.hpp"
#include "libaudio/cli.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/peaks.hpp"
#include "libaudio/progress.hpp"
#include "libaudio/sha256.hpp"

namespace {

// audiowaveform's -h is --height, ours is --help: "-h 200" (a number after it) is taken as
// audiowaveform means it, so its scripts draw their picture instead of printing our help.
std::vector<char*> height_for_h(int argc, char** argv) {
  static char height[] = "--height";
  std::vector<char*> args(argv, argv + argc);
  for (std::size_t i = 1; i + 1 < args.size(); ++i) {
    if (std::string(args[i]) == "--") break;
    if (std::string(args[i]) == "-h" && audio::cli::parse_real(args[i + 1])) args[i] = height;
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace audio;
  cli::Tool tool("wf-peaks", "Waveform data for web viewers, in one streaming pass");
  std::string input, output = "-";
  double start = 0, end = -1;
  PeaksRequest request;
  tool.app()
      .add_option("FILE,-i,--input-filename", input, "Audio or video file, - for stdin")
      ->required();
  tool.app().add_option("-o,--output,--output-filename", output, "Output file, - for stdout");
  tool.app()
      .add_option("-s,--start", start, "Seconds into the input where the waveform starts")
      ->check(cli::real_in(0, 1e9));
  tool.app()
      .add_option("-e,--end", end, "Seconds into the input where it ends (default: the end)")
      ->check(cli::real_in(0, 1e9))
      ->default_str("");
  DecodeOptions decode;
  decode.threads = 0;
  tool.app()
      .add_option("-j,--jobs,--threads", decode.threads,
                  "Decoder threads (0 = one per core; helps FLAC; 1 for batches)")
      ->check(CLI::Range(0, 256));
  add_peaks_options(tool.app(), request);
  tool.add_progress_flag();

  std::vector<char*> args = height_for_h(argc, argv);
  return tool.run(static_cast<int>(args.size()), args.data(), [&] {
    resolve_peaks_format(request, output);
    ensure_not_same_file(input, output);
    ensure_output_writable(output);

    Decoder decoder(input, decode);
    const FrameRange range = frame_range(start, end, decoder.sample_rate());
    PeaksWriter writer(request, decoder.sample_rate(), decoder.channels(),
                       range.length(decoder.info().frames));
    if (request.format == PeaksFormat::waveflow) {
      // Only a regular file can be read twice; a pipe's hash stays unknown.
      std::error_code ec;
      const bool regular = input != "-" && std::filesystem::is_regular_file(input, ec);
      writer.set_input(input, regular ? sha256_file(input).sha256 : std::string());
    }
    Progress progress(tool.progress_enabled(), input, decoder.info().duration);
    constexpr std::size_t kChunk = 8192;
    std::vector<float> buffer(kChunk * static_cast<std::size_t>(decoder.channels()));
    std::int64_t position = 0;
    while (const std::size_t n = decoder.read(buffer.data(), kChunk)) {
      const bool more = add_in_range(writer, buffer.data(), n, decoder.channels(), position, range);
      position += static_cast<std::int64_t>(n);
      progress.update(decoder.seconds_read());
      if (!more) break;
    }
    progress.finish();
    if (writer.frames() == 0 && position > 0) {
      char text[80];
      std::snprintf(text, sizeof text, "is past the end of the input (%.3f s)",
                    static_cast<double>(position) / decoder.sample_rate());
      throw Error(Exit::usage, "--start", text);
    }
    writer.write(output);  // only now: a failed decode leaves no output behind
    return Exit::ok;
  });
}
