// Writing MP3 through libmp3lame: 320 kbps CBR by default, an ID3v2 tag first, and the
// LAME/Xing "Info" frame that tells decoders the encoder delay and padding, so that a decoder
// which reads it (FFmpeg, mpg123, foobar2000, iTunes, ...) trims the output to exactly the
// frames written (gapless playback) and can seek accurately.
//
// Samples stream through in chunks (flat memory). The file is written to a temporary beside
// `path` (audio::AtomicFile) and renamed into place by commit(); destroying an uncommitted
// writer, or SIGINT/SIGTERM, removes the temporary. Only commit() writes the real Info frame,
// by seeking back to the placeholder LAME put after the ID3v2 tag.
//
// "-" writes to stdout. stdout cannot seek back to fill in the Info frame, so there the
// stream has none (rather than LAME's placeholder, which decoders would play as one more
// frame of silence): decoders then play the encoder delay (576 + 529 samples of silence) at
// the start and up to one frame of padding at the end, and the duration is not exact.
// Write to a file when exact length matters.
//
// The ID3v2.3 tag holds the non-empty fields of Id3Tags (TIT2, TPE1, TALB, COMM, TYER); text
// that is pure ASCII is stored as ISO-8859-1, anything else as UTF-16 with a BOM (the form
// ID3v2.3 readers all understand). Strings are taken as UTF-8. No ID3v1 tag is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace mix {

struct Id3Tags {
  std::string title, artist, album, comment, year;  // empty = not written
};

struct Mp3Options {
  int bitrate_kbps = 320;   // CBR; must be an MPEG bitrate valid at sample_rate
  int quality = 2;          // LAME's -q: 0 (best, slowest) .. 9
  int sample_rate = 44100;  // of the input and of the MP3 (never resampled): 32000/44100/48000,
                            // or the MPEG-2/2.5 rates with their bitrates
  int channels = 2;         // 1 (mono) or 2 (joint stereo)
  Id3Tags tags;
};

class Mp3Writer {
 public:
  // Throws audio::Error: cant_create (73) when the file cannot be created, usage (64) for
  // options LAME rejects (bitrate, quality, rate, channels).
  Mp3Writer(const std::string& path, const Mp3Options& options);
  ~Mp3Writer();  // removes the temporary unless committed
  Mp3Writer(const Mp3Writer&) = delete;
  Mp3Writer& operator=(const Mp3Writer&) = delete;

  // `frames` frames of `channels` interleaved samples. Samples outside [-1, 1] are clipped
  // to it (and counted); NaN is written as 0 and counted as clipped. Throws Error(io).
  void write(const float* interleaved, std::size_t frames);
  // Flushes the encoder, writes the Info frame, renames into place. Throws Error(io /
  // cant_create). Nothing may be written after it.
  void commit();

  std::int64_t frames_written() const;   // frames given to write()
  std::int64_t clipped_samples() const;  // samples (not frames) clipped so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mix
