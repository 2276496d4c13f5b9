#include "libaudio/chroma.hpp"

#include <algorithm>
#include <cmath>

#include "libaudio/error.hpp"
#include "libaudio/stft.hpp"

namespace audio {

struct ChromaAnalyzer::Framer {
  Stft stft;
  int decimation;
  float history[4] = {0, 0, 0, 0};  // the last input samples, newest last
  bool odd = false;                 // whether the next input sample is a discarded one
  std::vector<float> out;
  Framer(int n_fft, int hop, int decimation_, ChromaAnalyzer* owner)
      : stft(n_fft, hop, [owner](std::size_t, const float* mag) { owner->add_spectrum(mag); }),
        decimation(decimation_) {}

  void push(const float* x, std::size_t n) {
    if (decimation == 1) {
      stft.push(x, n);
      return;
    }
    // [1 4 6 4 1] / 16: zeros at the input's Nyquist, -43 dB where anything would alias
    // below 2.1 kHz, a gentle droop in the passband that add_spectrum() undoes.
    out.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const float v = x[i];
      if (!odd)
        out.push_back((history[0] + v + 4.0f * (history[1] + history[3]) + 6.0f * history[2]) /
                      16.0f);
      history[0] = history[1];
      history[1] = history[2];
      history[2] = history[3];
      history[3] = v;
      odd = !odd;
    }
    stft.push(out.data(), out.size());
  }
};

double ChromaResult::salience(std::size_t i) const {
  double s = 0;
  for (float v : frames[i]) s += v;
  return s;
}

ChromaAnalyzer::ChromaAnalyzer(const ChromaOptions& options) : options_(options) {
  const auto& o = options_;
  if (o.sample_rate < 1000 || (o.decimation != 1 && o.decimation != 2) || o.n_fft < 256 ||
      o.n_fft % 2 != 0 || o.hop < 1 || o.hop > o.n_fft || !(o.min_freq > 0) ||
      !(o.max_freq > o.min_freq) || !(o.peak_ratio >= 1) || o.max_peaks < 1 || o.harmonics < 1 ||
      o.harmonics > 16 || !(o.harmonic_decay > 0 && o.harmonic_decay <= 1)) {
    throw Error(Exit::software, "", "invalid chroma options");
  }
  const double bin_hz = analysis_rate() / o.n_fft;
  if (o.max_freq >= 0.45 * analysis_rate())
    throw Error(Exit::software, "", "chroma range above the analysis band");
  lo_bin_ = std::max(2, int(std::ceil(o.min_freq / bin_hz)));
  hi_bin_ = std::min(o.n_fft / 2 - 2, int(std::floor(o.max_freq / bin_hz)));
  if (hi_bin_ <= lo_bin_) throw Error(Exit::software, "", "chroma range below one bin");
}

ChromaAnalyzer::~ChromaAnalyzer() = default;

void ChromaAnalyzer::push(const float* samples, std::size_t n) {
  if (!framer_)
    framer_ = std::make_unique<Framer>(options_.n_fft, options_.hop, options_.decimation, this);
  framer_->push(samples, n);
}

void ChromaAnalyzer::add_spectrum(const float* magnitude) {
  const auto& o = options_;
  const double bin_hz = analysis_rate() / o.n_fft;
  // The local mean spans about +-50 Hz: wide enough that a peak's own lobe (4 bins) weighs
  // little in it, narrow enough to follow the bass-heavy slope of a mix.
  const int half = std::max(4, int(std::lround(50.0 / bin_hz)));
  const int bins = o.n_fft / 2 + 1;
  const int from = std::max(0, lo_bin_ - half), to = std::min(bins - 1, hi_bin_ + half);
  prefix_.resize(std::size_t(to - from + 2));
  prefix_[0] = 0;
  for (int k = from; k <= to; ++k)
    prefix_[std::size_t(k - from + 1)] = prefix_[std::size_t(k - from)] + magnitude[k];
  // A sine of amplitude A peaks at A * n_fft / 4 under a Hann window.
  const double to_amplitude = 4.0 / o.n_fft;
  const float floor = float(o.floor / to_amplitude);
  scratch_.clear();
  for (int k = lo_bin_; k <= hi_bin_; ++k) {
    const float m = magnitude[k];
    if (m < floor || !(m > magnitude[k - 1]) || m < magnitude[k + 1]) continue;
    const int a = std::max(from, k - half), b = std::min(to, k + half);
    const double mean =
        (prefix_[std::size_t(b - from + 1)] - prefix_[std::size_t(a - from)]) / (b - a + 1);
    if (m < o.peak_ratio * mean) continue;
    // Parabola through the log magnitudes: the Hann lobe is close to a Gaussian, so this
    // puts the peak within a few hundredths of a bin.
    const double l = std::log(double(magnitude[k - 1]) + 1e-20), c = std::log(double(m)),
                 r = std::log(double(magnitude[k + 1]) + 1e-20);
    const double denom = l - 2 * c + r;
    const double delta = denom < 0 ? std::clamp(0.5 * (l - r) / denom, -0.5, 0.5) : 0.0;
    const double height = std::exp(c - 0.25 * (l - r) * delta) * to_amplitude;
    const double freq = (k + delta) * bin_hz;
    double gain = 1.0;  // the decimation filter's response, undone
    if (o.decimation == 2) gain = std::pow(std::cos(M_PI * freq / o.sample_rate), 4);
    scratch_.push_back({float(12.0 * std::log2(freq / 440.0)), float(height / gain)});
  }
  if (scratch_.size() > std::size_t(o.max_peaks)) {
    auto mid = scratch_.begin() + o.max_peaks;
    std::partial_sort(scratch_.begin(), mid, scratch_.end(),
                      [](const TonalPeak& x, const TonalPeak& y) {
                        return x.weight != y.weight ? x.weight > y.weight : x.pitch < y.pitch;
                      });
    scratch_.erase(mid, scratch_.end());
  }
  peaks_.insert(peaks_.end(), scratch_.begin(), scratch_.end());
  frame_end_.push_back(std::uint32_t(peaks_.size()));
}

ChromaResult ChromaAnalyzer::finish() {
  if (framer_) framer_->stft.finish();
  ChromaResult out;
  out.frame_seconds = options_.hop / analysis_rate();
  out.first_centre = 0.5 * options_.n_fft / analysis_rate();
  out.tuning_cents = estimate_tuning_cents(peaks_);
  out.frames.resize(frame_end_.size());
  if (options_.harmonics > 1) out.harmonic.resize(frame_end_.size());
  std::size_t begin = 0;
  for (std::size_t f = 0; f < frame_end_.size(); ++f) {
    PitchClassProfile& p = out.frames[f];
    p.fill(0.0f);
    for (std::size_t i = begin; i < frame_end_[f]; ++i)
      add_to_profile(p, peaks_[i], out.tuning_cents);
    if (options_.harmonics > 1) {
      PitchClassProfile& hp = out.harmonic[f];
      hp.fill(0.0f);
      for (std::size_t i = begin; i < frame_end_[f]; ++i)
        add_with_subharmonics(hp, peaks_[i], out.tuning_cents, options_.harmonics,
                              options_.harmonic_decay);
    }
    begin = frame_end_[f];
  }
  return out;
}

double estimate_tuning_cents(const std::vector<TonalPeak>& peaks) {
  // Histogram of deviations at 1-cent resolution on the circle [-50, 50).
  std::array<double, 100> hist{};
  double total = 0;
  for (const auto& p : peaks) {
    const double cents = 100.0 * (p.pitch - std::round(p.pitch));  // [-50, 50]
    int bin = int(std::floor(cents + 50.0));
    bin = ((bin % 100) + 100) % 100;
    hist[std::size_t(bin)] += p.weight;
    total += p.weight;
  }
  if (!(total > 0)) return 0.0;
  // Smooth over +-5 cents (triangular), take the mode.
  int best = 0;
  double best_v = -1;
  for (int i = 0; i < 100; ++i) {
    double v = 0;
    for (int d = -5; d <= 5; ++d) v += (6 - std::abs(d)) * hist[std::size_t((i + d + 100) % 100)];
    if (v > best_v) {
      best_v = v;
      best = i;
    }
  }
  const double mode = best - 50 + 0.5;
  // Circular mean of the deviations within +-20 cents of the mode: the mode is robust to
  // stray partials (drums, inharmonic overtones), the mean is precise.
  double s = 0, c = 0;
  for (const auto& p : peaks) {
    const double cents = 100.0 * (p.pitch - std::round(p.pitch));
    double diff = std::remainder(cents - mode, 100.0);
    if (std::abs(diff) > 20.0) continue;
    const double angle = 2 * M_PI * cents / 100.0;
    s += p.weight * std::sin(angle);
    c += p.weight * std::cos(angle);
  }
  double t = std::atan2(s, c) / (2 * M_PI) * 100.0;
  if (t >= 50.0) t -= 100.0;
  return t;
}

void add_to_profile(PitchClassProfile& profile, const TonalPeak& peak, double tuning_cents) {
  const double p = peak.pitch - tuning_cents / 100.0;
  const double n = std::round(p);
  const double w = std::cos(M_PI * (p - n));
  const int pc = ((int(n) + 9) % 12 + 12) % 12;  // pitch 0 is A
  profile[std::size_t(pc)] += float(peak.weight * w * w);
}

void add_with_subharmonics(PitchClassProfile& profile, const TonalPeak& peak, double tuning_cents,
                           int harmonics, double decay) {
  double weight = 1.0;
  for (int h = 1; h <= harmonics; ++h, weight *= decay) {
    const TonalPeak under{float(peak.pitch - 12.0 * std::log2(double(h))),
                          float(peak.weight * weight)};
    add_to_profile(profile, under, tuning_cents);
  }
}

}  // namespace audio
