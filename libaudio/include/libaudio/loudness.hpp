// Loudness metering after EBU R128 / ITU-R BS.1770-4, streaming: libebur128 for the
// loudness (momentary, short-term, integrated, range); the peaks measured here, the true peak
// by 4x over-sampling as BS.1770-4 Annex 2 describes (see loudness.cpp for the filter),
// skipping blocks that cannot raise the maximum, which makes it several times cheaper than
// libebur128's.
//
// Feed interleaved float samples in chunks of any size with add(); read the measures at any
// time. Integrated loudness is gated (absolute gate -70 LUFS, relative gate -10 LU), so it is
// -infinity for silence or for less than one 400 ms block: callers print that as JSON null
// (see loudness_json). Channels follow libebur128's default map, which is BS.1770's for the
// usual layouts: 1 = mono (one channel, weight 1, so a full-scale 1 kHz sine reads -3.01
// LUFS; in both channels of a stereo signal it reads 0), 2 = L R, 5 = L R C Ls Rs,
// 6 = L R C LFE Ls Rs (LFE ignored). Memory is flat but for the gating history libebur128
// keeps (every 100 ms block's energy): about 2 MB per hour of audio.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "libaudio/json_out.hpp"

namespace audio {

// Which measures to compute; each one left off saves work.
struct LoudnessOptions {
  bool integrated = true;   // integrated loudness (LUFS); also enables momentary
  bool range = true;        // loudness range (LU); also enables short-term
  bool sample_peak = true;  // largest |sample|
  bool true_peak = true;    // largest |value| of the 4x over-sampled signal, never below the
                            // sample peak (implies sample_peak)
};

class LoudnessMeter {
 public:
  // Throws Error(usage) for an unsupported rate or channel count, Error(software) when
  // libebur128 cannot allocate its state.
  LoudnessMeter(int sample_rate, int channels, const LoudnessOptions& options = {});
  ~LoudnessMeter();
  LoudnessMeter(LoudnessMeter&&) noexcept;
  LoudnessMeter& operator=(LoudnessMeter&&) noexcept;

  void add(const float* interleaved, std::size_t frames);

  int sample_rate() const;
  int channels() const;
  std::int64_t frames() const;  // frames added so far

  // LUFS; -infinity when no block passes the gates.
  double integrated() const;
  // LU (EBU Tech 3342); 0 when there is too little material.
  double range() const;
  // LUFS of the last 400 ms / 3 s; -infinity before the window has filled with sound.
  double momentary() const;
  double short_term() const;
  // Linear, the largest over all channels (1.0 = full scale); 0 for silence.
  double sample_peak() const;
  double true_peak() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The largest |sample| of a buffer (any layout: all channels at once when interleaved).
float abs_peak(const float* samples, std::size_t n);

// 20*log10(linear); -infinity for 0.
double to_db(double linear);

// A measure for JSON: the value rounded to `decimals`, or null when it is not finite
// (silence reads -infinity, which JSON cannot hold).
Json loudness_json(double value, int decimals = 2);

}  // namespace audio
