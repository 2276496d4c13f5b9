// Timbre features of mono audio for structure analysis: MFCC-like coefficients per frame.
//
// Each STFT magnitude frame (n_fft 2048, hop 1024 at 22050 Hz: 21.5 frames/s, enough for
// beat-synchronous averaging at any tempo, and cheap) is reduced to 24 triangular bands
// spaced evenly on the mel scale from 60 Hz to 10 kHz, their log power (dB) is taken, and a
// DCT-II of the 24 values gives the coefficients. c0 is the frame's overall level (dB); c1..
// c12 describe the spectral envelope (how bright, how much bass, how dense): what changes
// when drums, bass or a lead come in, whatever the notes. Flatness (geometric over
// arithmetic mean of the band powers, 0..1) tells broadband noise (applause) from pitched
// or percussive music. About 60 bytes per frame: 5 MB per hour.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <vector>

namespace audio {

inline constexpr int kTimbreCoefficients = 13;  // c0..c12

struct TimbreFeatures {
  double frame_rate = 0;   // frames per second
  double time_offset = 0;  // seconds: centre of frame 0
  std::vector<std::array<float, kTimbreCoefficients>> coefficients;
  std::vector<float> flatness;  // 0..1 per frame

  std::size_t frames() const { return coefficients.size(); }
  double time(double frame) const { return time_offset + frame / frame_rate; }
  double frame_at(double seconds) const { return (seconds - time_offset) * frame_rate; }
};

// Fed with mono samples at 22050 Hz in any chunk sizes.
class TimbreStream {
 public:
  TimbreStream();
  ~TimbreStream();
  TimbreStream(const TimbreStream&) = delete;
  TimbreStream& operator=(const TimbreStream&) = delete;

  void push(const float* mono, std::size_t n);
  TimbreFeatures finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

inline constexpr int kTimbreRate = 22050;

// All at once (tests, short signals).
TimbreFeatures timbre_features(const float* mono, std::size_t n);

}  // namespace audio
