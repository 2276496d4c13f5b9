// Pitch-class profiles (chroma) and tuning from STFT magnitude frames of mono audio.
//
// Each frame's spectrum is reduced to its tonal peaks in [min_freq, max_freq]: local maxima
// standing `peak_ratio` times above the mean magnitude of the surrounding bins (a local
// whitening, so noise, hats and snare noise do not count), located to a fraction of a bin by
// parabolic interpolation of the log magnitude. Only these sparse peaks are kept (a bounded
// number per frame: features, not audio). At finish() the tuning is estimated as the
// magnitude-weighted mode of every peak's deviation from 440 Hz equal temperament, and each
// peak then goes to the pitch class nearest its tuned pitch, weighted by cos^2 of its
// distance from it (a peak half a semitone off, like an untuned drum, counts nothing).
//
// With `harmonics` above 1, finish() also builds a second set of profiles, `harmonic`, where
// each peak also counts for the pitches of which it could be the h-th harmonic (h = 2..
// harmonics, frequency / h), weighted harmonic_decay^(h-1): Gomez's harmonic pitch class
// profile (HPCP). A real instrument's 3rd and 5th partials sound the fifth and the major
// third above its note; summed back down, they vote for the note. The key analysis uses both
// (key_chroma_options() in key.hpp); the default, 1, builds the plain profiles only.
//
// A frame's profile is left unnormalised: its sum is the frame's pitched salience (peak
// magnitude in units of sine amplitude), 0 where nothing is pitched, so a key estimate that
// adds profiles lets harmonic parts vote and drum-only parts abstain.
//
// Defaults: push() halves the rate first (a 5-tap binomial low-pass, then every other
// sample: nothing above 2.1 kHz is used, and the FFT is the cost), then n_fft 4096 at
// 11025 Hz (371 ms, 2.7 Hz bins: a bass note at 65 Hz is 3.9 Hz from its neighbour, so
// shorter windows smear the bass, which carries the key's roots) and hop 2048 (186 ms;
// key needs no finer time).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace audio {

struct ChromaOptions {
  int sample_rate = 22050;  // of the samples given to push()
  int decimation = 2;       // 1 or 2: push() analyses at sample_rate / decimation
  int n_fft = 4096;         // at the analysis rate
  int hop = 2048;
  double min_freq = 55.0;       // A1
  double max_freq = 2093.0;     // C7
  double peak_ratio = 4.0;      // a peak must exceed this multiple of the local mean magnitude
  int max_peaks = 24;           // strongest peaks kept per frame
  double floor = 1e-4;          // ignore peaks quieter than this (sine amplitude, -80 dBFS)
  int harmonics = 1;            // 1..16; above 1, `harmonic` profiles too: a peak counts for
  double harmonic_decay = 0.8;  // frequency / h, h = 1..harmonics, weighted decay^(h-1)
};

using PitchClassProfile = std::array<float, 12>;  // index 0 = C

// One tonal peak of one frame.
struct TonalPeak {
  float pitch;   // semitones above A4 (440 Hz), fractional: 0 = A4, -12 = A3, 3 = C5
  float weight;  // magnitude, in units of a sine's amplitude
};

struct ChromaResult {
  double tuning_cents = 0.0;                // deviation from A = 440 Hz, in [-50, 50)
  double frame_seconds = 0.0;               // hop / analysis rate: the time between frames
  double first_centre = 0.0;                // centre time of frame 0 (frames are left-aligned)
  std::vector<PitchClassProfile> frames;    // one per STFT frame, unnormalised (see above)
  std::vector<PitchClassProfile> harmonic;  // with subharmonics (harmonics > 1), else empty

  double frame_time(std::size_t i) const { return first_centre + frame_seconds * double(i); }
  double salience(std::size_t i) const;  // sum of frame i's profile
};

class ChromaAnalyzer {
 public:
  explicit ChromaAnalyzer(const ChromaOptions& options = {});
  ~ChromaAnalyzer();
  ChromaAnalyzer(const ChromaAnalyzer&) = delete;
  ChromaAnalyzer& operator=(const ChromaAnalyzer&) = delete;

  // Either feed mono samples at options.sample_rate (decimated, then framed by an internal
  // STFT) ...
  void push(const float* samples, std::size_t n);
  // ... or hand it magnitude frames (n_fft/2 + 1 bins, Hann window) of an audio::Stft with
  // the same n_fft and hop over audio at the analysis rate (sample_rate / decimation, low-
  // passed as push() does when decimation is 2). Do not mix the two.
  void add_spectrum(const float* magnitude);
  // Estimates the tuning and builds the profiles. Call once, after the last push/frame.
  ChromaResult finish();

  const ChromaOptions& options() const { return options_; }
  double analysis_rate() const { return double(options_.sample_rate) / options_.decimation; }

 private:
  ChromaOptions options_;
  int lo_bin_ = 0, hi_bin_ = 0;           // the peak search range
  std::vector<TonalPeak> peaks_;          // all frames' peaks, frame after frame
  std::vector<std::uint32_t> frame_end_;  // peaks_ index where each frame ends
  std::vector<double> prefix_;            // scratch: prefix sums of magnitude
  std::vector<TonalPeak> scratch_;
  struct Framer;
  std::unique_ptr<Framer> framer_;
};

// The weighted mode of the peaks' deviations from the equal-tempered grid, in cents
// [-50, 50), refined by a circular mean around it; 0 when there are no peaks.
double estimate_tuning_cents(const std::vector<TonalPeak>& peaks);

// Adds a peak to a profile: to the pitch class nearest pitch - tuning, weighted by cos^2 of
// the distance (in semitones) from that class's centre.
void add_to_profile(PitchClassProfile& profile, const TonalPeak& peak, double tuning_cents);

// add_to_profile for the peak and for each pitch it could be the h-th harmonic of, h = 2..
// harmonics, weighted decay^(h-1) (see ChromaOptions).
void add_with_subharmonics(PitchClassProfile& profile, const TonalPeak& peak, double tuning_cents,
                           int harmonics, double decay);

}  // namespace audio
