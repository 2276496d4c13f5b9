// wf-peaks: waveform data for web viewers (audiowaveform JSON/dat, waveflow, SVG/PNG).
#include <vector>

#include "libaudio/atomic_file.hpp"
#include "libaudio/cli.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/peaks.hpp"
#include "libaudio/progress.hpp"
#include "libaudio/sha256.hpp"

int main(int argc, char** argv) {
  using namespace audio;
  cli::Tool tool("wf-peaks", "Waveform data for web viewers, in one streaming pass");
  std::string input, output = "-";
  PeaksRequest request;
  tool.app().add_option("FILE", input, "Audio or video file, - for stdin")->required();
  tool.app().add_option("-o,--output", output, "Output file, - for stdout");
  add_peaks_options(tool.app(), request);
  tool.add_progress_flag();

  return tool.run(argc, argv, [&] {
    resolve_peaks_format(request, output);
    ensure_not_same_file(input, output);
    ensure_output_writable(output);

    Decoder decoder(input);
    PeaksWriter writer(request, decoder.sample_rate(), decoder.channels(), decoder.info().frames);
    if (request.format == PeaksFormat::waveflow) {
      writer.set_input(input, input == "-" ? std::string() : sha256_file(input).sha256);
    }
    Progress progress(tool.progress_enabled(), input, decoder.info().duration);
    constexpr std::size_t kChunk = 8192;
    std::vector<float> buffer(kChunk * static_cast<std::size_t>(decoder.channels()));
    while (const std::size_t n = decoder.read(buffer.data(), kChunk)) {
      writer.add(buffer.data(), n);
      progress.update(decoder.seconds_read());
    }
    progress.finish();
    writer.write(output);  // only now: a failed decode leaves no output behind
    return Exit::ok;
  });
}
