// Pictures of a waveform: a filled min/max envelope per channel, as SVG text or as PNG
// (encoded by FFmpeg's PNG encoder). Each column is one min/max pair in full-scale units
// (-1..1, clamped); channels are stacked top to bottom in equal lanes. A silent stretch
// still shows as a one-pixel line, so the picture never looks empty where audio exists.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace audio {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

// Parses "#rgb" or "#rrggbb" (case-insensitive), or either without the "#" as audiowaveform
// writes colours. Throws Error(usage) naming `option`.
Rgb parse_color(const std::string& text, const std::string& option);

struct ImageColumns {
  int channels = 1;
  std::size_t width = 0;      // columns
  std::vector<float> minmax;  // width * channels * 2: min,max per channel per column
};

struct ImageStyle {
  int height = 280;
  Rgb color{0x3a, 0x7b, 0xd5};
  Rgb background{0xff, 0xff, 0xff};
};

// An SVG document `columns.width` x `style.height` pixels. Deterministic text.
std::string render_svg(const ImageColumns& columns, const ImageStyle& style);

// The same picture as an RGB PNG file's bytes. Throws Error(software) if encoding fails.
std::string render_png(const ImageColumns& columns, const ImageStyle& style);

// The raw RGB24 raster render_png encodes (row-major, 3 bytes per pixel); for tests.
std::vector<std::uint8_t> render_raster(const ImageColumns& columns, const ImageStyle& style);

}  // namespace audio
