#include "libaudio/song_analysis.hpp"

#include <algorithm>
#include <cmath>

#include "libaudio/error.hpp"
#include "libaudio/onset.hpp"
#include "libaudio/resampler.hpp"

namespace audio {
namespace {

constexpr std::size_t kChunkFrames = 8192;

std::pair<std::size_t, std::size_t> frame_range(double a, double b, std::size_t n) {
  const auto lo = static_cast<std::size_t>(std::clamp(std::round(a), 0.0, double(n)));
  const auto hi = static_cast<std::size_t>(std::clamp(std::round(b), 0.0, double(n)));
  return {lo, std::max(lo, hi)};
}

template <typename V>
V cut(const V& v, std::size_t a, std::size_t b) {
  return V(v.begin() + long(a), v.begin() + long(b));
}

// The frames of f that cover [t0, t1); gives s f's frame rate and the time of the first.
template <typename Features>
std::pair<std::size_t, std::size_t> slice_clock(const Features& f, double t0, double t1,
                                                Features& s) {
  const auto range = frame_range(f.frame_at(t0), f.frame_at(t1), f.frames());
  s.frame_rate = f.frame_rate;
  s.time_offset = f.time(double(range.first));
  return range;
}

}  // namespace

OnsetFeatures slice_features(const OnsetFeatures& f, double t0, double t1) {
  OnsetFeatures s;
  const auto [a, b] = slice_clock(f, t0, t1, s);
  s.strength = cut(f.strength, a, b);
  s.low_flux = cut(f.low_flux, a, b);
  s.mid_flux = cut(f.mid_flux, a, b);
  s.high_flux = cut(f.high_flux, a, b);
  s.low = cut(f.low, a, b);
  s.mid = cut(f.mid, a, b);
  s.high = cut(f.high, a, b);
  s.chroma = cut(f.chroma, a, b);
  return s;
}

TimbreFeatures slice_features(const TimbreFeatures& f, double t0, double t1) {
  TimbreFeatures s;
  const auto [a, b] = slice_clock(f, t0, t1, s);
  s.coefficients = cut(f.coefficients, a, b);
  s.flatness = cut(f.flatness, a, b);
  return s;
}

SongAnalysis analyze_song(const OnsetFeatures& onsets, const TimbreFeatures& timbre,
                          const StructureOptions& options) {
  SongAnalysis s;
  s.start = onsets.time(0);
  s.end = onsets.time(double(onsets.frames()));
  s.rhythm = analyze_rhythm(onsets);
  s.energy = analyze_energy(onsets, bar_grid(onsets, s.rhythm));
  s.structure = analyze_structure(onsets, timbre, s.rhythm, s.energy, options);
  return s;
}

MusicAnalysis analyze_music(const std::string& path, const SongAnalysisOptions& options) {
  MusicAnalysis m;
  Decoder dec(path);
  m.info = dec.info();
  const int rate = dec.sample_rate(), channels = dec.channels();
  Resampler resampler(rate, kTimbreRate, 1);
  OnsetStream onsets;
  TimbreStream timbre;
  std::vector<float> chunk(kChunkFrames * static_cast<std::size_t>(channels)), mono, low;
  auto feed = [&] {
    onsets.push(low.data(), low.size());
    timbre.push(low.data(), low.size());
  };
  const double max_frames = options.max_seconds * rate;
  float peak = 0;
  while (const std::size_t n = dec.read(chunk.data(), kChunkFrames)) {
    if (double(dec.frames_read()) > max_frames)
      throw Error(
          Exit::data, path,
          "longer than the limit of " + std::to_string(std::lround(options.max_seconds)) + " s");
    for (std::size_t i = 0; i < n * static_cast<std::size_t>(channels); ++i)
      peak = std::max(peak, std::abs(chunk[i]));
    downmix_to_mono(chunk.data(), n, channels, mono);
    low.clear();
    resampler.push(mono.data(), n, low);
    feed();
  }
  low.clear();
  resampler.flush(low);
  feed();
  m.duration = double(dec.frames_read()) / rate;
  m.peak = peak;
  const OnsetFeatures on = onsets.finish();
  const TimbreFeatures tb = timbre.finish();

  std::vector<SongSpan> spans;
  if (options.split) {
    m.split = split_songs(on, tb, options.song_split);
    spans = m.split.songs;
  } else if (m.duration > 0) {
    spans.push_back({0, m.duration});
  }
  for (const SongSpan& span : spans) {
    // A run of music longer than any song (a medley, a DJ set) is analysed in pieces.
    for (double t = span.start; t < span.end - 1; t += options.max_song_seconds) {
      const double e = std::min(span.end, t + options.max_song_seconds);
      m.songs.push_back(
          analyze_song(slice_features(on, t, e), slice_features(tb, t, e), options.structure));
      m.songs.back().start = t;
      m.songs.back().end = e;
    }
  }
  return m;
}

}  // namespace audio
