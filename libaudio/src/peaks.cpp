#include "libaudio/peaks.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <iostream>
#include <limits>

#include <CLI/CLI.hpp>

#include "libaudio/atomic_file.hpp"
#include "libaudio/error.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/peak_envelope.hpp"
#include "libaudio/version.hpp"
#include "libaudio/waveform_image.hpp"

namespace audio {
namespace {

constexpr std::int64_t kMaxInt32 = std::numeric_limits<std::int32_t>::max();

// audiowaveform's 16-bit value of a (summed) sample: the mean, truncated, clamped.
std::int16_t to16(float value, int divisor) {
  const double t = std::trunc(static_cast<double>(value) * 32768.0 / divisor);
  if (!(t > -32768.0)) return -32768;
  if (t > 32767.0) return 32767;
  return static_cast<std::int16_t>(t);
}

// Fine buffers hold between cap/2 and cap pixels: at least 8 per output value, so the
// proportional buckets and the final grouping both land within an eighth of a step.
std::size_t cap_for(int n) {
  return 2 * std::max<std::size_t>(8 * static_cast<std::size_t>(n), 32768);
}

enum class Mode {
  fixed,     // samples_per_pixel or pixels_per_second: a fixed spp, no cap
  known,     // peaks N with the length known: spp = ceil(F/N) (capped as a safety net)
  adaptive,  // peaks N, length unknown: merge as it grows, group at the end
  buckets,   // waveflow, svg, png: exactly N values with proportional edges
};

PeaksFormat parse_format(const std::string& text) {
  if (text == "json") return PeaksFormat::json;
  if (text == "dat") return PeaksFormat::dat;
  if (text == "waveflow") return PeaksFormat::waveflow;
  if (text == "svg") return PeaksFormat::svg;
  if (text == "png") return PeaksFormat::png;
  throw Error(Exit::usage, "--format", "unknown format '" + text + "'");
}

const char* format_name(PeaksFormat f) {
  switch (f) {
    case PeaksFormat::json:
      return "json";
    case PeaksFormat::dat:
      return "dat";
    case PeaksFormat::waveflow:
      return "waveflow";
    case PeaksFormat::svg:
      return "svg";
    case PeaksFormat::png:
      return "png";
  }
  return "?";
}

bool is_picture(PeaksFormat f) {
  return f == PeaksFormat::svg || f == PeaksFormat::png;
}

void append_int(std::string& out, long long v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void put_le(std::string& out, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void write_all(int fd, const std::string& bytes, const std::string& subject) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(Exit::io, subject, "write failed: " + errno_text(errno));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

// -----------------------------------------------------------------------------------------

void add_peaks_options(CLI::App& app, PeaksRequest& request, const std::string& prefix) {
  PeaksRequest* r = &request;
  r->option_prefix = prefix;
  const std::string p = "--" + prefix;
  const std::string group = "Waveform options";
  // audiowaveform's names too, for wf-peaks (no prefix), so its scripts run unchanged.
  const auto aw = [&prefix](const std::string& names) { return prefix.empty() ? names : ""; };
  app.add_option_function<std::string>(
         p + "format" + aw(",--output-format"),
         [r](const std::string& v) {
           r->format = parse_format(v);
           r->format_given = true;
         },
         "Output format: json (audiowaveform JSON v2), dat (audiowaveform binary v2), "
         "waveflow (exactly N peaks in 0..1), svg, png; default: from the output's extension")
      ->check(CLI::IsMember({"json", "dat", "waveflow", "svg", "png"}))
      ->type_name("FORMAT")
      ->group(group);
  auto* peaks = app.add_option_function<int>(
                       p + "peaks",
                       [r](int v) {
                         r->peaks = v;
                         r->peaks_given = true;
                       },
                       "About N pixels over the whole input (json, dat), exactly N values "
                       "(waveflow) [default: 4000 for waveflow; json and dat default to "
                       "256 samples per pixel, as audiowaveform]")
                    ->check(CLI::Range(1, kMaxPeaks))
                    ->type_name("N")
                    ->group(group);
  auto* spp = app.add_option(p + "samples-per-pixel" + aw(",-z,--zoom"), request.samples_per_pixel,
                             "Exactly N input samples per pixel (json, dat; at least 2)")
                  ->check(CLI::Range(2L, static_cast<long>(kMaxInt32)))
                  ->default_str("")
                  ->type_name("N")
                  ->group(group);
  auto* pps = app.add_option(p + "pixels-per-second", request.pixels_per_second,
                             "N pixels per second of audio (json, dat)")
                  ->check(CLI::Validator(
                      [](std::string& v) -> std::string {
                        double d = 0;
                        if (!CLI::detail::lexical_cast(v, d) || !(d > 0) || d > 1.0e6) {
                          return "must be a number above 0 and at most 1000000";
                        }
                        return {};
                      },
                      "POSITIVE"))
                  ->default_str("")
                  ->type_name("N")
                  ->group(group);
  peaks->excludes(spp);
  peaks->excludes(pps);
  spp->excludes(pps);
  app.add_flag(p + "split-channels", request.split_channels,
               "One min/max series per channel instead of their mix")
      ->group(group);
  app.add_option(aw("-b,") + p + "bits", request.bits, "Resolution of json and dat data: 8 or 16")
      ->check(CLI::IsMember({8, 16}))
      ->group(group);
  app.add_option(aw("-w,") + p + "width", request.width, "Picture width in pixels (svg, png)")
      ->check(CLI::Range(1, 30000))
      ->group(group);
  app.add_option(p + "height", request.height,
                 "Picture height in pixels (svg, png; a png has at most 50 million pixels)")
      ->check(CLI::Range(1, 10000))
      ->group(group);
  auto color_check = CLI::Validator(
      [](std::string& v) -> std::string {
        try {
          parse_color(v, "");
          return {};
        } catch (const Error& e) {
          return e.what();
        }
      },
      "COLOR");
  app.add_option(p + "color" + aw(",--waveform-color"), request.color,
                 "Picture waveform colour, #rgb or #rrggbb")
      ->check(color_check)
      ->group(group);
  app.add_option(p + "background" + aw(",--background-color"), request.background,
                 "Picture background colour")
      ->check(color_check)
      ->group(group);
}

void resolve_peaks_format(PeaksRequest& request, const std::string& output) {
  const std::string p = "--" + request.option_prefix;
  if (!request.format_given) {
    if (output == "-") {
      request.format = PeaksFormat::json;
    } else {
      std::string ext;
      const auto dot = output.rfind('.');
      const auto slash = output.rfind('/');
      if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
        ext = output.substr(dot + 1);
      }
      std::transform(ext.begin(), ext.end(), ext.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (ext == "json") {
        request.format = PeaksFormat::json;
      } else if (ext == "dat") {
        request.format = PeaksFormat::dat;
      } else if (ext == "svg") {
        request.format = PeaksFormat::svg;
      } else if (ext == "png") {
        request.format = PeaksFormat::png;
      } else {
        throw Error(Exit::usage, output,
                    "cannot tell the output format from the name; use " + p +
                        "format json|dat|waveflow|svg|png");
      }
    }
  }
  const PeaksFormat f = request.format;
  const std::string name = format_name(f);
  // With no resolution asked for, json and dat take audiowaveform's zoom: peaks.js's zoom
  // levels start at 256 samples per pixel and refuse data any coarser.
  if ((f == PeaksFormat::json || f == PeaksFormat::dat) && !request.peaks_given &&
      request.samples_per_pixel == 0 && !(request.pixels_per_second > 0)) {
    request.samples_per_pixel = kDefaultSamplesPerPixel;
  }
  if (f == PeaksFormat::waveflow || is_picture(f)) {
    if (request.samples_per_pixel > 0) {
      throw Error(Exit::usage, p + "samples-per-pixel", "does not apply to " + name);
    }
    if (request.pixels_per_second > 0) {
      throw Error(Exit::usage, p + "pixels-per-second", "does not apply to " + name);
    }
  }
  if (f == PeaksFormat::png &&
      static_cast<long long>(request.width) * request.height > kMaxPngPixels) {
    throw Error(Exit::usage, p + "width",
                std::to_string(request.width) + " x " + std::to_string(request.height) +
                    " is over the PNG limit of " + std::to_string(kMaxPngPixels / 1000000) +
                    " million pixels; make it smaller or use svg");
  }
  if (is_picture(f) && request.peaks_given) {
    throw Error(Exit::usage, p + "peaks",
                "does not apply to " + name + " (its columns are " + p + "width)");
  }
  if (f == PeaksFormat::dat || f == PeaksFormat::png)
    ensure_stdout_not_terminal(output, "binary " + name + " data");
}

// -----------------------------------------------------------------------------------------

struct PeaksWriter::Impl {
  PeaksRequest req;
  int rate = 0;
  int channels = 0;
  Mode mode = Mode::fixed;
  std::size_t target = 0;  // N (peaks or width) for known/adaptive/buckets
  PeakEnvelope env;
  std::string input_path, input_sha256;

  Impl(const PeaksRequest& r, int sample_rate, int ch, Mode m, std::size_t n, std::int64_t spp,
       std::size_t cap)
      : req(r),
        rate(sample_rate),
        channels(ch),
        mode(m),
        target(n),
        env(ch, r.split_channels, spp, cap) {}

  std::size_t stride() const { return 2 * static_cast<std::size_t>(env.out_channels()); }

  // The min/max series in full-scale-sum units and its samples_per_pixel.
  std::vector<float> series(std::int64_t& spp) const {
    std::vector<float> px = unsettled_series(spp);
    settle_pixels(px);
    return px;
  }

  std::vector<float> unsettled_series(std::int64_t& spp) const {
    std::vector<float> px = env.pixels();
    spp = env.spp();
    const std::size_t m = px.size() / stride();
    switch (mode) {
      case Mode::fixed:
        return px;
      case Mode::known:
        if (m <= 2 * target) return px;
        [[fallthrough]];  // the stated length was far off: group as if it were unknown
      case Mode::adaptive: {
        std::size_t g = std::max<std::size_t>(1, (m + target - 1) / target);
        if (spp * static_cast<std::int64_t>(g) < 2) g = 2;
        spp *= static_cast<std::int64_t>(g);
        return g == 1 ? px : group_pixels(px, stride(), g);
      }
      case Mode::buckets: {
        const std::int64_t f = env.frames();
        spp = std::max<std::int64_t>(
            1, (f + static_cast<std::int64_t>(target) / 2) / static_cast<std::int64_t>(target));
        return rebin_pixels(px, stride(), env.spp(), f, target);
      }
    }
    return px;
  }

  WaveformData waveform() const {
    WaveformData w;
    std::int64_t spp = 0;
    const std::vector<float> px = series(spp);
    w.sample_rate = rate;
    w.channels = env.out_channels();
    w.samples_per_pixel = static_cast<long>(spp);
    w.bits = req.bits;
    w.length = px.size() / stride();
    w.data.resize(px.size());
    const int div = env.divisor();
    for (std::size_t i = 0; i < px.size(); ++i) {
      const std::int16_t v = to16(px[i], div);
      w.data[i] = req.bits == 8 ? static_cast<std::int16_t>(v / 256) : v;
    }
    return w;
  }

  void check_fits(const WaveformData& w) const {
    if (w.samples_per_pixel > kMaxInt32 || w.length > static_cast<std::size_t>(kMaxInt32)) {
      throw Error(Exit::data, "", "the waveform is too large for the format");
    }
  }

  std::string json_text() const {
    const WaveformData w = waveform();
    check_fits(w);
    std::string out;
    out.reserve(160 + w.data.size() * 5);
    out += "{\"version\":2,\"channels\":";
    append_int(out, w.channels);
    out += ",\"sample_rate\":";
    append_int(out, w.sample_rate);
    out += ",\"samples_per_pixel\":";
    append_int(out, w.samples_per_pixel);
    out += ",\"bits\":";
    append_int(out, w.bits);
    out += ",\"length\":";
    append_int(out, static_cast<long long>(w.length));
    out += ",\"data\":[";
    for (std::size_t i = 0; i < w.data.size(); ++i) {
      if (i) out += ',';
      append_int(out, w.data[i]);
    }
    out += "]}\n";
    return out;
  }

  std::string dat_bytes() const {
    const WaveformData w = waveform();
    check_fits(w);
    std::string out;
    out.reserve(24 + w.data.size() * 2);
    put_le(out, 2, 4);                                          // version
    put_le(out, w.bits == 8 ? 1u : 0u, 4);                      // flags: bit 0 = 8-bit
    put_le(out, static_cast<std::uint32_t>(w.sample_rate), 4);  // sample rate
    put_le(out, static_cast<std::uint32_t>(w.samples_per_pixel), 4);
    put_le(out, static_cast<std::uint32_t>(w.length), 4);
    put_le(out, static_cast<std::uint32_t>(w.channels), 4);
    for (std::int16_t v : w.data) {
      put_le(out, static_cast<std::uint16_t>(v), w.bits == 8 ? 1 : 2);
    }
    return out;
  }

  std::string waveflow_text() const {
    std::int64_t spp = 0;
    const std::vector<float> px = series(spp);
    const std::size_t s = stride();
    const float div = static_cast<float>(env.divisor());
    std::vector<float> mags(px.size() / s, 0.0f);
    float loudest = 0;
    for (std::size_t j = 0; j < mags.size(); ++j) {
      float m = 0;
      for (std::size_t c = 0; c < s; c += 2) {
        m = std::max({m, -px[j * s + c], px[j * s + c + 1]});
      }
      // Finite even for infinite samples, so normalising never divides inf by inf.
      mags[j] = std::min(m / div, std::numeric_limits<float>::max());
      loudest = std::max(loudest, mags[j]);
    }
    Json data = Json::array();
    for (float m : mags) {
      data.push_back(loudest > 0 ? round_to(static_cast<double>(m) / loudest, 4) : 0.0);
    }
    Json doc;
    doc["schema"] = "wf.waveflow/1";
    doc["peaks"] = mags.size();
    doc["sample_rate"] = rate;
    doc["channels"] = channels;
    doc["duration"] = round_to(static_cast<double>(env.frames()) / rate, 6);
    doc["input"] = input_record(input_path, input_sha256);
    if (input_path.empty()) doc["input"]["path"] = nullptr;
    doc["toolkit_version"] = kToolkitVersion;
    doc["data"] = std::move(data);
    return doc.dump() + "\n";
  }

  ImageColumns columns() const {
    std::int64_t spp = 0;
    const std::vector<float> px = series(spp);
    ImageColumns cols;
    cols.channels = env.out_channels();
    cols.width = px.size() / stride();
    cols.minmax.resize(px.size());
    const float div = static_cast<float>(env.divisor());
    for (std::size_t i = 0; i < px.size(); ++i) {
      cols.minmax[i] = std::clamp(px[i] / div, -1.0f, 1.0f);
    }
    return cols;
  }

  ImageStyle style() const {
    ImageStyle st;
    st.height = req.height;
    st.color = parse_color(req.color, "--" + req.option_prefix + "color");
    st.background = parse_color(req.background, "--" + req.option_prefix + "background");
    return st;
  }
};

PeaksWriter::PeaksWriter(const PeaksRequest& request, int sample_rate, int channels,
                         std::int64_t expected_frames) {
  if (sample_rate <= 0) {
    throw Error(Exit::data, "", "invalid sample rate " + std::to_string(sample_rate));
  }
  if (channels <= 0) {
    throw Error(Exit::data, "", "invalid channel count " + std::to_string(channels));
  }
  const std::string p = "--" + request.option_prefix;
  if (request.bits != 8 && request.bits != 16) {
    throw Error(Exit::usage, p + "bits", "must be 8 or 16");
  }
  Mode mode = Mode::fixed;
  std::size_t n = 0;
  std::int64_t spp = 0;
  std::size_t cap = 0;
  const PeaksFormat f = request.format;
  if (f == PeaksFormat::waveflow || is_picture(f)) {
    const int count = is_picture(f) ? request.width : request.peaks;
    if (count < 1 || count > kMaxPeaks) {
      throw Error(Exit::usage, p + (is_picture(f) ? "width" : "peaks"),
                  std::to_string(count) + " is out of range");
    }
    mode = Mode::buckets;
    n = static_cast<std::size_t>(count);
    spp = 1;
    cap = cap_for(count);
  } else if (request.samples_per_pixel > 0) {
    if (request.samples_per_pixel < 2 || request.samples_per_pixel > kMaxInt32) {
      throw Error(Exit::usage, p + "samples-per-pixel",
                  std::to_string(request.samples_per_pixel) + " is out of range (2 or more)");
    }
    spp = request.samples_per_pixel;
  } else if (request.pixels_per_second > 0) {
    const double s = std::floor(sample_rate / request.pixels_per_second);
    if (s < 2) {
      throw Error(
          Exit::usage, p + "pixels-per-second",
          "at " + std::to_string(sample_rate) + " Hz this gives fewer than 2 samples per pixel");
    }
    if (s > static_cast<double>(kMaxInt32)) {
      throw Error(Exit::usage, p + "pixels-per-second", "too few pixels per second");
    }
    spp = static_cast<std::int64_t>(s);
  } else {
    if (request.peaks < 1 || request.peaks > kMaxPeaks) {
      throw Error(Exit::usage, p + "peaks", std::to_string(request.peaks) + " is out of range");
    }
    n = static_cast<std::size_t>(request.peaks);
    cap = cap_for(request.peaks);
    if (expected_frames > 0) {
      mode = Mode::known;
      spp = std::max<std::int64_t>(2, (expected_frames + request.peaks - 1) / request.peaks);
    } else {
      mode = Mode::adaptive;
      spp = 1;
    }
  }
  impl_ = std::make_unique<Impl>(request, sample_rate, channels, mode, n, spp, cap);
  if (is_picture(f)) impl_->style();  // reject bad colours before the long work
}

PeaksWriter::~PeaksWriter() = default;

void PeaksWriter::set_input(const std::string& path, const std::string& sha256) {
  impl_->input_path = path;
  impl_->input_sha256 = sha256;
}

void PeaksWriter::add(const float* interleaved, std::size_t frames) {
  impl_->env.add(interleaved, frames);
}

std::int64_t PeaksWriter::frames() const {
  return impl_->env.frames();
}

WaveformData PeaksWriter::result() const {
  return impl_->waveform();
}

std::string PeaksWriter::output() const {
  switch (impl_->req.format) {
    case PeaksFormat::json:
      return impl_->json_text();
    case PeaksFormat::dat:
      return impl_->dat_bytes();
    case PeaksFormat::waveflow:
      return impl_->waveflow_text();
    case PeaksFormat::svg:
      return render_svg(impl_->columns(), impl_->style());
    case PeaksFormat::png:
      return render_png(impl_->columns(), impl_->style());
  }
  throw Error(Exit::software, "", "unknown waveform format");
}

void PeaksWriter::write(const std::string& path) const {
  const std::string bytes = output();
  if (path == "-") {
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::cout.flush();
    if (!std::cout) throw Error(Exit::io, "stdout", "write failed");
    return;
  }
  AtomicFile file(path);
  write_all(file.fd(), bytes, path);
  file.commit();
}

FrameRange frame_range(double start_seconds, double end_seconds, int rate) {
  if (!std::isfinite(start_seconds) || start_seconds < 0)
    throw Error(Exit::usage, "--start", "must be 0 or more seconds");
  FrameRange r;
  r.begin = std::llround(start_seconds * rate);
  if (end_seconds >= 0) {
    if (!std::isfinite(end_seconds) || end_seconds <= start_seconds)
      throw Error(Exit::usage, "--end", "must be after --start");
    r.end = std::llround(end_seconds * rate);
  }
  return r;
}

std::int64_t FrameRange::length(std::int64_t total) const {
  if (total < 0) return end < 0 ? -1 : end - begin;
  const std::int64_t stop = end < 0 ? total : std::min(end, total);
  return std::max<std::int64_t>(0, stop - begin);
}

bool add_in_range(PeaksWriter& writer, const float* interleaved, std::size_t frames, int channels,
                  std::int64_t position, const FrameRange& range) {
  const auto chunk_end = position + static_cast<std::int64_t>(frames);
  const std::int64_t from = std::max(position, range.begin);
  const std::int64_t to = range.end < 0 ? chunk_end : std::min(chunk_end, range.end);
  if (to > from) {
    writer.add(interleaved + (from - position) * channels, static_cast<std::size_t>(to - from));
  }
  return range.end < 0 || chunk_end < range.end;
}

}  // namespace audio
