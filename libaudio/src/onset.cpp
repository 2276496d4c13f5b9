#include "libaudio/onset.hpp"

#include <algorithm>
#include <cmath>

#include "libaudio/error.hpp"
#include "libaudio/stft.hpp"

namespace audio {
namespace {

constexpr double kLowSplit = 150.0, kHighSplit = 4000.0;
constexpr double kBandsPerOctave = 6.0, kBankLow = 30.0;
constexpr double kChromaLow = 100.0, kChromaHigh = 5000.0;
constexpr float kCompression = 1000.0f;
// The compression is relative to the recent loudness: a running peak of the frame RMS
// that decays with a 4 s time constant, floored at -70 dBFS. A track played 30 dB quieter
// then gives the same onset envelope; kReference is where that equals log1p(1000 x).
constexpr float kReference = 0.3f, kReferenceFloor = 3e-4f;
constexpr double kReferenceSeconds = 4.0;

enum Region : unsigned char { kLow, kMid, kHigh };

}  // namespace

// The fixed mapping of FFT bins to filterbank bands, regions and pitch classes.
struct OnsetAnalyzer::Bank {
  int bins = 0;
  float norm = 1;               // magnitude -> amplitude of a full-scale sine
  std::vector<int> band_first;  // first bin of each band (bands are contiguous)
  std::vector<int> band_last;   // one past the last bin
  std::vector<Region> band_region;
  int low_end = 1, mid_end = 1;          // band powers: bins [1, low_end), [low_end, mid_end), rest
  std::vector<signed char> bin_pc;       // pitch class of a bin
  int chroma_first = 1, chroma_end = 1;  // bins in the chroma range
};

OnsetAnalyzer::OnsetAnalyzer(const OnsetOptions& options)
    : options_(options), bank_(std::make_unique<Bank>()) {
  if (options.sample_rate < 4000 || options.n_fft < 64 || options.n_fft % 2 != 0 ||
      options.hop < 1 || options.hop > options.n_fft) {
    throw Error(Exit::software, "", "invalid onset analysis parameters");
  }
  Bank& b = *bank_;
  b.bins = options.n_fft / 2 + 1;
  b.norm = 4.0f / static_cast<float>(options.n_fft);
  const double bin_hz = static_cast<double>(options.sample_rate) / options.n_fft;
  b.bin_pc.assign(static_cast<std::size_t>(b.bins), 0);
  auto region_of = [](double f) { return f < kLowSplit ? kLow : f < kHighSplit ? kMid : kHigh; };
  int current_band = -1;
  for (int k = 1; k < b.bins; ++k) {  // DC carries no onsets
    const double f = k * bin_hz;
    if (f < kLowSplit) b.low_end = k + 1;
    if (f < kHighSplit) b.mid_end = k + 1;
    if (f >= kChromaLow && f <= kChromaHigh) {
      const long pitch = std::lround(69.0 + 12.0 * std::log2(f / 440.0));
      b.bin_pc[static_cast<std::size_t>(k)] = static_cast<signed char>(((pitch % 12) + 12) % 12);
      if (b.chroma_end == 1) b.chroma_first = k;
      b.chroma_end = k + 1;
    }
    if (f < kBankLow) continue;
    // Log-spaced bands; where bins are wider than a band, a bin is a band of its own.
    const int band = static_cast<int>(std::floor(kBandsPerOctave * std::log2(f / kBankLow)));
    if (b.band_region.empty() || band != current_band || region_of(f) != b.band_region.back()) {
      b.band_first.push_back(k);
      b.band_last.push_back(k + 1);
      b.band_region.push_back(region_of(f));
      current_band = band;
    } else {
      b.band_last.back() = k + 1;
    }
  }
  const double rate = options.sample_rate;
  features_.frame_rate = rate / options.hop;
  // A frame's flux jumps when an attack enters the last hop of its window (where the Hann
  // window rises from zero) and keeps rising for a frame as the attack reaches its louder
  // middle: on average an onset detected at frame i happened a hop before the window's end.
  features_.time_offset = (options.n_fft - options.hop) / rate;
  reference_decay_ = static_cast<float>(std::exp(-options.hop / (rate * kReferenceSeconds)));
  previous_.assign(b.band_first.size(), 0.0f);
  current_.resize(b.band_first.size());
}

OnsetAnalyzer::~OnsetAnalyzer() = default;

void OnsetAnalyzer::push_frame(const float* magnitude) {
  const Bank& b = *bank_;
  // Separate loops per region: one accumulator each, no store-to-load chain.
  auto sum_squares = [magnitude](int from, int to) {
    float s = 0;
    for (int k = from; k < to; ++k) s += magnitude[k] * magnitude[k];
    return s;
  };
  const float n2 = b.norm * b.norm;
  const float power[3] = {sum_squares(1, b.low_end) * n2, sum_squares(b.low_end, b.mid_end) * n2,
                          sum_squares(b.mid_end, b.bins) * n2};
  const float rms = std::sqrt((power[0] + power[1] + power[2]) / 1.5f);
  reference_ = std::max({rms, reference_ * reference_decay_, kReferenceFloor});
  const float scale = kCompression * kReference / reference_;
  std::array<float, 12> chroma{};
  for (int k = b.chroma_first; k < b.chroma_end; ++k)
    chroma[static_cast<std::size_t>(b.bin_pc[static_cast<std::size_t>(k)])] +=
        magnitude[k] * b.norm;
  float flux[3] = {0, 0, 0};
  for (std::size_t j = 0; j < current_.size(); ++j) {
    float sum = 0;
    for (int k = b.band_first[j]; k < b.band_last[j]; ++k) sum += magnitude[k];
    const float mean = sum * b.norm / static_cast<float>(b.band_last[j] - b.band_first[j]);
    current_[j] = std::log1p(scale * mean);
    const float rise = current_[j] - previous_[j];
    if (rise > 0) flux[b.band_region[j]] += rise;
  }
  previous_.swap(current_);
  // Mean square amplitude of the band-limited signal: a Hann window spreads a sine of
  // amplitude A over bins whose squares add up to 1.5 A^2.
  features_.low.push_back(power[kLow] / 3.0f);
  features_.mid.push_back(power[kMid] / 3.0f);
  features_.high.push_back(power[kHigh] / 3.0f);
  features_.low_flux.push_back(flux[kLow]);
  features_.mid_flux.push_back(flux[kMid]);
  features_.high_flux.push_back(flux[kHigh]);
  features_.strength.push_back(flux[kLow] + flux[kMid] + flux[kHigh]);
  features_.chroma.push_back(chroma);
}

OnsetFeatures OnsetAnalyzer::take() {
  OnsetFeatures out = std::move(features_);
  features_ = OnsetFeatures{};
  features_.frame_rate = out.frame_rate;
  features_.time_offset = out.time_offset;
  std::fill(previous_.begin(), previous_.end(), 0.0f);
  reference_ = 0;
  return out;
}

struct OnsetStream::Impl {
  OnsetAnalyzer analyzer;
  Stft stft;
  explicit Impl(const OnsetOptions& o)
      : analyzer(o), stft(o.n_fft, o.hop, [this](std::size_t, const float* magnitude) {
          analyzer.push_frame(magnitude);
        }) {}
};

OnsetStream::OnsetStream(const OnsetOptions& options) : impl_(std::make_unique<Impl>(options)) {}
OnsetStream::~OnsetStream() = default;

void OnsetStream::push(const float* mono, std::size_t n) {
  impl_->stft.push(mono, n);
}

OnsetFeatures OnsetStream::finish() {
  impl_->stft.finish();
  return impl_->analyzer.take();
}

OnsetFeatures onset_features(const float* mono, std::size_t n, const OnsetOptions& options) {
  OnsetStream stream(options);
  stream.push(mono, n);
  return stream.finish();
}

}  // namespace audio
