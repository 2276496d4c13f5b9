// Waveform data for web viewers, computed in one streaming pass with flat memory.
//
// Formats: audiowaveform's JSON (version 2, exactly its keys and order) and binary .dat
// (version 2), WaveFlow's normalised peak list (exactly N values in 0..1), and a picture
// (SVG, or PNG through FFmpeg's PNG encoder). Float samples above full scale clamp; they
// never wrap.
//
// Used by wf-peaks, and by wf-mixstems for --peaks (same options, same output).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace audio {

enum class PeaksFormat { json, dat, waveflow, svg, png };

struct PeaksRequest {
  PeaksFormat format = PeaksFormat::json;
  bool format_given = false;         // false: guess from the output's extension
  int peaks = 4000;                  // resolution: about this many pixels over the file...
  long samples_per_pixel = 0;        // ...or exactly this many samples per pixel...
  double pixels_per_second = 0;      // ...or this many pixels per second
  bool split_channels = false;       // one min/max series per channel instead of a mixdown
  int bits = 8;                      // 8 or 16 (audiowaveform formats)
  int width = 1800, height = 280;    // picture size (svg, png)
  std::string color = "#3a7bd5";     // picture waveform colour
  std::string background = "#ffffff";
};

// Registers the shared options (--format, --peaks, --samples-per-pixel,
// --pixels-per-second, --split-channels, --bits, --width, --height, --color,
// --background) on `app`, with `prefix` before each long name (e.g. "peaks-" for
// wf-mixstems). Validation errors are CLI11 errors (exit 64).
void add_peaks_options(CLI::App& app, PeaksRequest& request, const std::string& prefix = "");

// Resolves request.format from the output path's extension when it was not given
// (.json -> json, .dat -> dat, .svg -> svg, .png -> png; "-" -> json). Throws Error(usage).
void resolve_peaks_format(PeaksRequest& request, const std::string& output);

// Min/max pairs per pixel, per channel (channels = 1 unless split_channels).
struct WaveformData {
  int sample_rate = 0;
  int channels = 1;
  long samples_per_pixel = 0;
  int bits = 8;
  std::size_t length = 0;           // pixels
  std::vector<std::int16_t> data;   // length * channels * 2: min,max per channel per pixel
};

// Takes samples as they are decoded and writes the requested output at the end.
class PeaksWriter {
 public:
  // `expected_frames` (-1 when unknown) picks samples-per-pixel for --peaks N; without it
  // the writer adapts as it goes, so memory stays flat and the count stays near N.
  PeaksWriter(const PeaksRequest& request, int sample_rate, int channels,
              std::int64_t expected_frames);
  ~PeaksWriter();
  PeaksWriter(const PeaksWriter&) = delete;
  PeaksWriter& operator=(const PeaksWriter&) = delete;

  void add(const float* interleaved, std::size_t frames);
  // The waveform so far (after all samples: the final one).
  WaveformData result() const;
  // Writes the output to `path` ("-" = stdout) atomically. Throws Error.
  void write(const std::string& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace audio
