#include "libaudio/timbre.hpp"

#include <cmath>

#include "libaudio/stft.hpp"

namespace audio {
namespace {

constexpr int kNfft = 2048, kHop = 1024, kBands = 24;
constexpr double kLow = 60, kHigh = 10000;

double mel(double hz) {
  return 2595 * std::log10(1 + hz / 700);
}
double hz_of_mel(double m) {
  return 700 * (std::pow(10, m / 2595) - 1);
}

}  // namespace

struct TimbreStream::Impl {
  TimbreFeatures out;
  std::vector<std::vector<std::pair<int, float>>> bank;  // per band: (bin, weight)
  std::array<std::array<float, kBands>, kTimbreCoefficients> dct{};
  Stft stft;

  Impl() : stft(kNfft, kHop, [this](std::size_t, const float* m) { frame(m); }) {
    out.frame_rate = double(kTimbreRate) / kHop;
    out.time_offset = double(kNfft) / 2 / kTimbreRate;
    const double bin_hz = double(kTimbreRate) / kNfft;
    std::array<double, kBands + 2> edges{};
    for (int i = 0; i < kBands + 2; ++i)
      edges[i] = hz_of_mel(mel(kLow) + (mel(kHigh) - mel(kLow)) * i / (kBands + 1));
    bank.resize(kBands);
    for (int b = 0; b < kBands; ++b) {
      for (int k = 1; k < kNfft / 2; ++k) {
        const double f = k * bin_hz;
        double w = 0;
        if (f > edges[b] && f <= edges[b + 1]) w = (f - edges[b]) / (edges[b + 1] - edges[b]);
        if (f > edges[b + 1] && f < edges[b + 2])
          w = (edges[b + 2] - f) / (edges[b + 2] - edges[b + 1]);
        if (w > 0) bank[b].push_back({k, float(w)});
      }
    }
    for (int c = 0; c < kTimbreCoefficients; ++c)
      for (int b = 0; b < kBands; ++b)
        dct[c][b] =
            float(std::cos(M_PI * c * (b + 0.5) / kBands) * (c == 0 ? 1.0 / kBands : 2.0 / kBands));
  }

  void frame(const float* mag) {
    // Power normalised so a full-scale sine reads about 0 dB in its band.
    const double norm = 4.0 / (double(kNfft) * kNfft);
    std::array<double, kBands> db{};
    double log_sum = 0, sum = 0;
    for (int b = 0; b < kBands; ++b) {
      double p = 0;
      for (auto [k, w] : bank[b]) p += w * double(mag[k]) * mag[k];
      p = p * norm + 1e-12;
      db[b] = 10 * std::log10(p);
      log_sum += std::log(p);
      sum += p;
    }
    std::array<float, kTimbreCoefficients> c{};
    for (int i = 0; i < kTimbreCoefficients; ++i) {
      double v = 0;
      for (int b = 0; b < kBands; ++b) v += dct[i][b] * db[b];
      c[i] = float(v);
    }
    out.coefficients.push_back(c);
    out.flatness.push_back(float(std::exp(log_sum / kBands) / (sum / kBands)));
  }
};

TimbreStream::TimbreStream() : impl_(std::make_unique<Impl>()) {}
TimbreStream::~TimbreStream() = default;

void TimbreStream::push(const float* mono, std::size_t n) {
  impl_->stft.push(mono, n);
}

TimbreFeatures TimbreStream::finish() {
  impl_->stft.finish();
  return std::move(impl_->out);
}

TimbreFeatures timbre_features(const float* mono, std::size_t n) {
  TimbreStream s;
  s.push(mono, n);
  return s.finish();
}

}  // namespace audio
