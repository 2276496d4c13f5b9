// Writing WAV (16/24-bit PCM, 32-bit float) and FLAC (16/24-bit) through libsndfile,
// atomically: samples go to a temporary file beside the target, which commit() renames
// into place. Destroying an uncommitted writer removes the temporary. The path "-" streams
// WAV to stdout as it is written: a header with unknown sizes (0xFFFFFFFF, as FFmpeg writes
// on a pipe), then the same samples a file would hold; Error(io, "stdout") if a write fails. For
// 16/24-bit PCM, samples outside [-1, 1] are clipped, never wrapped; 32-bit float keeps them as
// they are.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace audio {

enum class SampleFormat { pcm16, pcm24, float32 };
enum class Container { wav, flac };

// The container for an output path's extension (.wav, .flac; case-insensitive).
// Throws Error(usage) for anything else.
Container container_for_path(const std::string& path);

// Parses "16", "24", "32f"/"float" for --bits style options. Throws Error(usage).
SampleFormat parse_sample_format(const std::string& text);

// Rounds float samples in place to what a writer in `format` stores and a decoder reads
// back (PCM: the nearest step of 2^-(bits-1), clipped to the format's range; float32:
// unchanged), so a program can measure exactly the samples it writes.
void snap_to_format(float* samples, std::size_t n, SampleFormat format);

class SoundWriter {
 public:
  SoundWriter(const std::string& path, int sample_rate, int channels, SampleFormat format,
              Container container);
  ~SoundWriter();
  SoundWriter(const SoundWriter&) = delete;
  SoundWriter& operator=(const SoundWriter&) = delete;

  void write(const float* interleaved, std::size_t frames);  // throws Error(io)
  void commit();                                             // close and rename into place
  std::size_t frames_written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace audio
