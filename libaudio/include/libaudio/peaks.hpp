// Waveform data for web viewers, computed in one streaming pass with flat memory.
//
// Formats: audiowaveform's JSON (version 2, exactly its keys and order) and binary .dat
// (version 2), WaveFlow's normalised peak list (exactly N values in 0..1), and a picture
// (SVG, or PNG through FFmpeg's PNG encoder). Float samples above full scale clamp; they
// never wrap.
//
// Conventions follow audiowaveform: a sample maps to 16 bits as trunc(x * 32768) clamped to
// [-32768, 32767] (so 16-bit PCM input gives its own sample values back); without
// split_channels the channels are mixed as the integer mean of the 16-bit values, truncated;
// 8-bit values are the 16-bit ones divided by 256, truncated; the last pixel may hold fewer
// samples; samples_per_pixel is at least 2.
//
// Resolution (json, dat):
//   samples_per_pixel S    exactly S;
//   pixels_per_second P    floor(sample_rate / P);
//   (none of them)         256 samples per pixel, audiowaveform's default and the finest
//                          zoom level of peaks.js's default configuration, which refuses
//                          coarser data (resolve_peaks_format sets it);
//   peaks N                with the length known: max(2, ceil(frames / N)), so N pixels or
//                          slightly fewer; unknown (stdin): pixels are merged in pairs as the
//                          input grows and grouped at the end, giving more than 8N/9 and at
//                          most N pixels (inputs of at least 2N frames).
// waveflow, svg and png always span the whole input with exactly N values (peaks) or
// `width` columns, computed the same way whether the length is known or not.
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

// json and dat's samples per pixel when no resolution is given (audiowaveform's default).
inline constexpr long kDefaultSamplesPerPixel = 256;

// Largest --peaks N (bounds the memory of the adaptive buffers, 16N pixels at most).
inline constexpr int kMaxPeaks = 1000000;

struct PeaksRequest {
  PeaksFormat format = PeaksFormat::json;
  bool format_given = false;       // false: guess from the output's extension
  int peaks = 4000;                // resolution: about this many pixels over the file (the
                                   // default of waveflow; json and dat default to 256 spp)...
  bool peaks_given = false;        // (set by the --peaks option)
  long samples_per_pixel = 0;      // ...or exactly this many samples per pixel...
  double pixels_per_second = 0;    // ...or this many pixels per second
  bool split_channels = false;     // one min/max series per channel instead of a mixdown
  int bits = 8;                    // 8 or 16 (audiowaveform formats)
  int width = 1800, height = 280;  // picture size (svg, png)
  std::string color = "#3a7bd5";   // picture waveform colour (#rgb or #rrggbb)
  std::string background = "#ffffff";
  std::string option_prefix;  // (set by add_peaks_options, for error messages)
};

// Registers the shared options (--format, --peaks, --samples-per-pixel,
// --pixels-per-second, --split-channels, --bits, --width, --height, --color,
// --background) on `app`, with `prefix` before each long name (e.g. "peaks-" for
// wf-mixstems). Validation errors, and two resolution options at once, are CLI11 errors
// (exit 64).
void add_peaks_options(CLI::App& app, PeaksRequest& request, const std::string& prefix = "");

// Resolves request.format from the output path's extension when it was not given
// (.json -> json, .dat -> dat, .svg -> svg, .png -> png; "-" -> json), and checks the
// request as a whole: samples_per_pixel / pixels_per_second only with json and dat, peaks
// not with svg/png (they have `width` columns), a png of at most kMaxPngPixels (FFmpeg's
// encoder refuses about 270 million; the raster is held in memory), and no binary format
// (dat, png) to a terminal on stdout. Throws Error(usage).
inline constexpr long long kMaxPngPixels = 50'000'000;
void resolve_peaks_format(PeaksRequest& request, const std::string& output);

// Min/max pairs per pixel, per channel (channels = 1 unless split_channels).
// For waveflow, svg and png: the N (or width) proportional buckets the output is made
// from, and samples_per_pixel is their nominal size, round(frames / N).
struct WaveformData {
  int sample_rate = 0;
  int channels = 1;
  long samples_per_pixel = 0;
  int bits = 8;
  std::size_t length = 0;          // pixels
  std::vector<std::int16_t> data;  // length * channels * 2: min,max per channel per pixel,
                                   // in the range of `bits` (-128..127 or -32768..32767)
};

// Takes samples as they are decoded and writes the requested output at the end.
class PeaksWriter {
 public:
  // `expected_frames` (-1 when unknown) picks samples-per-pixel for --peaks N; without it
  // the writer adapts as it goes, so memory stays flat and the count stays near N.
  // Throws Error(usage) for a request that cannot be met (e.g. fewer than 2 samples per
  // pixel from pixels_per_second at this rate), Error(data) for a bad rate or channel count.
  PeaksWriter(const PeaksRequest& request, int sample_rate, int channels,
              std::int64_t expected_frames);
  ~PeaksWriter();
  PeaksWriter(const PeaksWriter&) = delete;
  PeaksWriter& operator=(const PeaksWriter&) = delete;

  // Records the input in the waveflow document ("input": path and SHA-256, "" = unknown).
  void set_input(const std::string& path, const std::string& sha256);

  void add(const float* interleaved, std::size_t frames);
  std::int64_t frames() const;  // frames added so far
  // The waveform so far (after all samples: the final one).
  WaveformData result() const;
  // The bytes write() would write (the JSON text, .dat, SVG or PNG).
  std::string output() const;
  // Writes the output to `path` ("-" = stdout) atomically. Throws Error.
  void write(const std::string& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A part of the input, from `start` to `end` seconds (audiowaveform's --start and --end), as
// frames [begin, end) at `rate`; end < 0 runs to the input's end. Error(usage) for a range
// that is negative, not finite or empty.
struct FrameRange {
  std::int64_t begin = 0, end = -1;
  // Frames of an input of `total` frames (-1 unknown) inside the range; -1 when unknown.
  std::int64_t length(std::int64_t total) const;
};
FrameRange frame_range(double start_seconds, double end_seconds, int rate);

// Adds to `writer` the frames of a chunk read at input frame `position` that fall inside
// `range`. Returns false once the chunk reaches the range's end (nothing more to read).
bool add_in_range(PeaksWriter& writer, const float* interleaved, std::size_t frames, int channels,
                  std::int64_t position, const FrameRange& range);

}  // namespace audio
