#include "libmix/audio_extract.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "libaudio/atomic_file.hpp"
#include "libaudio/error.hpp"
#include "libaudio/ffmpeg_util.hpp"
#include "libaudio/version.hpp"

namespace mix {
namespace {

using audio::Error;
using audio::Exit;

}  // namespace

ExtractReport extract_audio(const ExtractOptions& options) {
  if (options.sample_rate < 1000 || options.sample_rate > 384000) {
    throw Error(Exit::usage, "--rate", "must be 1000..384000 Hz");
  }
  if (options.channels < 1 || options.channels > 8) {
    throw Error(Exit::usage, "--channels", "must be 1..8");
  }
  const bool to_stdout = options.output == "-";
  if (!to_stdout) {
    audio::ensure_not_same_file(options.input, options.output);
    audio::ensure_output_writable(options.output);
    if (audio::container_for_path(options.output) != audio::Container::wav &&
        options.format == audio::SampleFormat::float32) {
      throw Error(Exit::usage, options.output, "FLAC cannot hold float samples");
    }
  }
  // Decoded at the output rate in its own channels, then re-channelled here with the matrix
  // FFmpeg's command line uses for 16-bit output (libswresample's, normalised so no output
  // channel can exceed full scale: stereo to mono is (L + R) / 2, not (L + R) / sqrt(2)).
  audio::DecodeOptions dopt;
  dopt.sample_rate = options.sample_rate;
  dopt.channels = 0;
  dopt.stream = options.stream;
  audio::Decoder decoder(options.input, dopt);
  const int in_channels = decoder.channels();
  std::vector<double> matrix;
  if (in_channels != options.channels) {
    AVChannelLayout in_layout{}, out_layout{};
    av_channel_layout_default(&in_layout, in_channels);
    av_channel_layout_default(&out_layout, options.channels);
    // FFmpeg 5.1's swr_build_matrix2 touches more than out x in entries: give it the full
    // 64 x 64 table it works in, and read our rows out of it.
    std::vector<double> full(64 * 64, 0.0);
    const int rc = swr_build_matrix2(&in_layout, &out_layout, M_SQRT1_2, M_SQRT1_2, 0.0, 1.0, 1.0,
                                     full.data(), 64, AV_MATRIX_ENCODING_NONE, nullptr);
    av_channel_layout_uninit(&in_layout);
    av_channel_layout_uninit(&out_layout);
    for (int o = 0; o < options.channels; ++o) {
      for (int i = 0; i < in_channels; ++i)
        matrix.push_back(full[static_cast<std::size_t>(i + 64 * o)]);
    }
    if (rc < 0) {
      throw Error(Exit::usage, "--channels",
                  "cannot map " + std::to_string(in_channels) + " channels to " +
                      std::to_string(options.channels));
    }
  }
  ExtractReport report;
  report.source = decoder.info();
  report.output = options.output;
  report.sample_rate = options.sample_rate;
  report.channels = options.channels;
  report.format = options.format;

  constexpr std::size_t kChunk = 8192;
  std::vector<float> in(kChunk * static_cast<std::size_t>(in_channels));
  std::vector<float> buf(kChunk * static_cast<std::size_t>(options.channels));
  auto next = [&]() -> std::size_t {
    const std::size_t n = decoder.read(in.data(), kChunk);
    if (matrix.empty()) {
      std::copy(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n * in_channels), buf.begin());
      return n;
    }
    for (std::size_t f = 0; f < n; ++f) {
      const float* x = &in[f * in_channels];
      for (int o = 0; o < options.channels; ++o) {
        const double* row = &matrix[static_cast<std::size_t>(o * in_channels)];
        double v = 0.0;
        for (int i = 0; i < in_channels; ++i) v += row[i] * x[i];
        buf[f * options.channels + o] = static_cast<float>(v);
      }
    }
    return n;
  };
  // "-" streams the WAV to stdout (sound_writer.hpp), else a file renamed into place.
  audio::SoundWriter out(
      options.output, options.sample_rate, options.channels, options.format,
      to_stdout ? audio::Container::wav : audio::container_for_path(options.output));
  while (const std::size_t n = next()) {
    out.write(buf.data(), n);
    report.frames += static_cast<std::int64_t>(n);
  }
  out.commit();
  return report;
}

audio::Json extract_report_json(const ExtractReport& r, const std::string& input_sha256) {
  audio::Json doc;
  doc["schema"] = "dub.extract/1";
  doc["toolkit_version"] = audio::kToolkitVersion;
  doc["input"] = audio::input_record(r.source.path, input_sha256);
  doc["stream"] = {{"index", r.source.stream_index},
                   {"codec", r.source.codec},
                   {"sample_rate", r.source.sample_rate},
                   {"channels", r.source.channels}};
  const char* format = r.format == audio::SampleFormat::pcm16   ? "pcm16"
                       : r.format == audio::SampleFormat::pcm24 ? "pcm24"
                                                                : "float32";
  doc["output"] = {{"path", r.output},
                   {"sample_rate", r.sample_rate},
                   {"channels", r.channels},
                   {"format", format},
                   {"frames", r.frames},
                   {"duration", audio::round_to(static_cast<double>(r.frames) / r.sample_rate, 6)}};
  return doc;
}

}  // namespace mix
