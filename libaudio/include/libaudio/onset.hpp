// Onset strength and per-frame band features of mono audio, the input of tempo, beat,
// downbeat (and energy-curve) analysis.
//
// Consumes STFT magnitude frames (Stft, Hann window, n_fft/2 + 1 bins) one by one, so a
// track is analysed while it decodes and only these features are held (about 80 bytes per
// frame: 25 MB for an hour at the default 86 frames/s), never the raw audio.
//
// Per frame i (time(i) seconds, the moment an onset detected in frame i happened):
//  - strength: onset strength, the half-wave rectified flux of a log-compressed, log-spaced
//    filterbank (6 bands per octave, 30 Hz .. Nyquist). Log frequency spacing makes each
//    octave count the same, so a kick weighs as much as a hi-hat; log compression
//    (log1p(1000 * amplitude / (reference / 0.3))) makes a quiet hat's onset visible next to
//    a loud pad. The reference is the recent loudness (a running peak of frame RMS that
//    decays over 4 s, floored at -70 dBFS), so the envelope does not depend on the gain: a
//    track 30 dB down gives the same onsets, tempo and beats.
//  - low_flux / mid_flux / high_flux: the same flux split at 150 Hz and 4 kHz (kick+bass,
//    snare body+harmony, hats+snare noise); strength is their sum.
//  - low / mid / high: band power (mean square amplitude of a full-scale-normalised spectrum,
//    linear; take 10*log10 for dB) — for energy curves and bar-level cues.
//  - chroma: 12 pitch-class magnitudes (C = 0) from 100 Hz .. 5 kHz, for harmonic change.
//
// Defaults: 22050 Hz, n_fft 1024 (46 ms: ~21.5 Hz bins, short enough to separate the
// attacks of 16th notes at 180 BPM), hop 256 (11.6 ms: beat positions quantised far below
// the 70 ms beat tolerance; 86.13 frames/s).
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <vector>

namespace audio {

struct OnsetOptions {
  int sample_rate = 22050;
  int n_fft = 1024;
  int hop = 256;
};

struct OnsetFeatures {
  double frame_rate = 0;   // frames per second (sample_rate / hop)
  double time_offset = 0;  // seconds: time(i) = time_offset + i / frame_rate
  std::vector<float> strength;
  std::vector<float> low_flux, mid_flux, high_flux;
  std::vector<float> low, mid, high;
  std::vector<std::array<float, 12>> chroma;

  std::size_t frames() const { return strength.size(); }
  double time(double frame) const { return time_offset + frame / frame_rate; }
  double frame_at(double seconds) const { return (seconds - time_offset) * frame_rate; }
};

class OnsetAnalyzer {
 public:
  explicit OnsetAnalyzer(const OnsetOptions& options = {});
  ~OnsetAnalyzer();
  OnsetAnalyzer(const OnsetAnalyzer&) = delete;
  OnsetAnalyzer& operator=(const OnsetAnalyzer&) = delete;

  // One STFT magnitude frame (n_fft/2 + 1 bins, unnormalised as Stft gives it).
  void push_frame(const float* magnitude);
  const OnsetFeatures& features() const { return features_; }
  // Hands the features over (the analyser is empty afterwards).
  OnsetFeatures take();

 private:
  struct Bank;
  OnsetOptions options_;
  std::unique_ptr<Bank> bank_;
  OnsetFeatures features_;
  std::vector<float> previous_, current_;
  float reference_ = 0, reference_decay_ = 1;
};

// Convenience: the STFT and the analyser together, fed with mono samples at
// options.sample_rate in any chunk sizes.
class OnsetStream {
 public:
  explicit OnsetStream(const OnsetOptions& options = {});
  ~OnsetStream();
  OnsetStream(const OnsetStream&) = delete;
  OnsetStream& operator=(const OnsetStream&) = delete;

  void push(const float* mono, std::size_t n);
  OnsetFeatures finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// All of it at once, for tests and short signals.
OnsetFeatures onset_features(const float* mono, std::size_t n, const OnsetOptions& options = {});

}  // namespace audio
