// Mixing stems into one track, streaming with flat memory.
//
// Every stem is decoded at the mix rate (default: the highest stem rate), so stems at other
// rates are resampled (libswresample). The mix is stereo if any stem has more than one
// channel, else mono, unless asked. A mono stem in a stereo mix is the same signal in both
// channels, at its own level (no pan law); a stereo stem in a mono mix is the average of its
// two channels; a stem with more than two channels is first folded to stereo by
// libswresample's standard downmix. Shorter stems are padded with silence to the longest.
//
// Each stem is scaled by its own gain, the sum by ONE gain fixed for the whole mix (never
// re-scaled as stems end, unlike ffmpeg's amix). That gain comes from the normalisation:
//   count    1/number of stems (what `sox -m` does)
//   peak     the mix's sample peak lands on the ceiling (1.0 with the ceiling off)
//   lufs:X   the mix's integrated loudness (EBU R128) lands on X LUFS
//   none     1
// then the ceiling (default 0.95, linear sample peak): if the peak after normalisation would
// exceed it, the gain is lowered so that the peak equals it. This is one static gain for the
// whole mix, not a limiter. With the ceiling off, samples beyond full scale are clipped
// (counted in the report).
//
// A mode that must know the mix's peak or loudness first (peak, lufs) measures it in a first
// pass that also writes the unscaled float mix to a temporary spool file beside the output
// (about 21 MB per stereo minute at 44.1 kHz; removed at the end, on failure and on
// SIGINT/SIGTERM), and writes the output in a second pass from the spool. Re-reading the
// spool was measured faster than decoding the stems again, even for WAV stems (10-minute
// stems: 1.34 s against 1.63 s of CPU; for MP3 stems 2.8 s against 4.5 s). count and none
// write in the first pass, with no spool, and only when the ceiling turns out to be exceeded
// decode the stems again for a second. Nothing holds the mix in memory.
//
// The output (WAV or FLAC, by extension) is written atomically; the loudness and peaks of
// the report, and the --peaks waveform, are measured on the samples as stored in the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libaudio/json_out.hpp"
#include "libaudio/peaks.hpp"
#include "libaudio/progress.hpp"
#include "libaudio/sound_writer.hpp"

namespace mix {

enum class Normalize { count, peak, lufs, none };

struct NormalizeSpec {
  Normalize mode = Normalize::count;
  double target_lufs = -14.0;  // for lufs
};

// "count", "peak", "none", "lufs" (= lufs:-14), "lufs:-16.5" (-70..0). Throws Error(usage).
NormalizeSpec parse_normalize(const std::string& text);
std::string to_string(const NormalizeSpec& spec);

// "0.95", "-0.5dB", or "none"/"off" (returns 0 = no ceiling). Throws Error(usage) unless
// 0 < ceiling <= 1.
double parse_ceiling(const std::string& text);

// Applies "N=GAIN" (N = 1-based stem index, GAIN as cli::parse_gain: "-3dB", "0.5") to
// `gains` (one per stem). Throws Error(usage).
void apply_gain_option(const std::string& text, std::vector<double>& gains);

// Applies a gains document (--gains FILE) to `gains`, one per stem of `stems`. Either an
// array with one gain per stem, in stem order, or an object whose keys are 1-based stem
// indexes ("2") or stem paths exactly as given; a gain is a number (linear) or a string
// ("-3dB", "0.5"). Throws Error(data) naming `source`.
void apply_gain_spec(const audio::Json& spec, const std::vector<std::string>& stems,
                     std::vector<double>& gains, const std::string& source);

struct MixOptions {
  std::vector<std::string> stems;  // paths; at most one may be "-" (stdin)
  std::vector<double> gains;       // linear, one per stem; empty = all 1
  std::string output;              // .wav or .flac
  int sample_rate = 0;             // 0 = the highest stem rate
  int channels = 0;                // 1 or 2; 0 = stereo if any stem is, else mono
  NormalizeSpec normalize;
  double ceiling = 0.95;  // 0 = none
  // 24-bit by default: a sum of 16-bit stems has more resolution than 16 bits, and 24-bit
  // holds it in WAV and FLAC alike with no dither.
  audio::SampleFormat format = audio::SampleFormat::pcm24;
  bool hash_inputs = true;                     // record each stem's SHA-256
  const audio::PeaksRequest* peaks = nullptr;  // waveform data of the final mix, or null
  std::string peaks_output;
  audio::Progress* progress = nullptr;  // optional
};

struct StemReport {
  std::string path;
  std::string sha256;   // empty when not hashed
  int sample_rate = 0;  // native
  int channels = 0;     // native
  double duration = 0;  // seconds
  bool resampled = false;
  double gain = 1.0;  // linear, as given
};

struct MixReport {
  std::string output;
  audio::SampleFormat format = audio::SampleFormat::pcm24;
  int sample_rate = 0;
  int channels = 0;
  std::int64_t frames = 0;
  NormalizeSpec normalize;
  double ceiling = 0.95;      // 0 = none
  double normalize_gain = 1;  // what the normalisation asked for
  double gain = 1;            // what was applied to the sum
  std::string gain_reason;    // count, peak, lufs, none, ceiling, silence
  int passes = 1;
  std::vector<StemReport> stems;
  // Measured on the output as stored.
  double sample_peak = 0;            // linear
  double true_peak = 0;              // linear
  double integrated_lufs = 0;        // -inf for silence
  double loudness_range = 0;         // LU
  std::int64_t clipped_samples = 0;  // beyond full scale before clipping
  std::string peaks_output;          // empty when none
};

// Mixes, writes the output (and the waveform data), and reports. Throws audio::Error:
// usage for bad options, no_input/data for bad stems, cant_create/io for the output. On any
// failure no output (nor temporary) is left behind.
MixReport mix_stems(const MixOptions& options);

// The wf.mix/1 document for a report.
audio::Json report_json(const MixReport& report);

}  // namespace mix
