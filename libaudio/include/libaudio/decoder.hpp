// Decoding any format FFmpeg reads (WAV, FLAC, MP3, Ogg, Opus, AAC/M4A, a video's audio)
// from a path or "-" (stdin) into interleaved float samples, a chunk at a time, so memory
// stays flat for any length. Optionally resampled and re-channelled (libswresample).
//
// Errors: a missing or unreadable path is Error(no_input); anything that is not decodable
// audio (empty, not a media file, no audio stream, truncated lossless data) is Error(data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace audio {

struct AudioInfo {
  std::string path;
  std::string container;     // FFmpeg demuxer name, e.g. "wav", "flac", "mp3", "mov,mp4,..."
  std::string codec;         // FFmpeg codec name, e.g. "pcm_s16le", "flac", "mp3", "aac"
  int stream_index = -1;     // index of the chosen audio stream in the container
  int sample_rate = 0;       // native rate
  int channels = 0;          // native channel count
  int bits_per_sample = 0;   // for lossless/PCM codecs, else 0
  bool lossless = false;     // PCM, FLAC, ALAC, WavPack, ...
  bool has_video = false;    // the container also holds a (non-cover-art) video stream
  double duration = -1.0;    // seconds, -1 when unknown
  std::int64_t frames = -1;  // exact sample frames when the container states them, else -1
  std::int64_t bit_rate = 0;
  // Descriptive tags (ID3, Vorbis comments, RIFF INFO, MP4 atoms as FFmpeg names them),
  // from the container or else the audio stream; empty when absent.
  std::string title, artist, album;
};

struct DecodeOptions {
  int sample_rate = 0;  // 0 = native
  int channels = 0;     // 0 = native; otherwise up/down-mixed by libswresample
  int stream = -1;      // -1 = FFmpeg's best audio stream, else a container stream index
  int threads = 1;      // decoder threads: 1 (batches parallelise across files instead), or
                        // 0 = one per core, for codecs that decode frames in parallel (FLAC)
};

// Opens and probes the input without decoding it (used to validate "is this audio?").
AudioInfo probe_audio(const std::string& path);

// Reads every packet of the audio stream without decoding it and throws Error(data, path)
// ("truncated: the header promises X s, the data holds Y s") when they end short of the
// duration the container or stream header states (not one estimated from the bit rate).
// The check Decoder makes at the end of a decode, for programs that do not decode (wf-hash);
// it costs one read of the file and no decoding.
void check_stream_complete(const std::string& path);

class Decoder {
 public:
  explicit Decoder(const std::string& path, const DecodeOptions& options = {});
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  const AudioInfo& info() const;
  int sample_rate() const;  // output rate
  int channels() const;     // output channel count

  // Fills `out` with up to `max_frames` interleaved float frames. Returns the number of
  // frames written; 0 only at the end of the stream. Throws Error(data) on corrupt data.
  std::size_t read(float* out, std::size_t max_frames);

  std::int64_t frames_read() const;  // output frames delivered so far
  double seconds_read() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads the compressed packets of the audio stream in order, without decoding (for
// content hashing of lossy audio, where decoders may differ in their last bits).
class PacketReader {
 public:
  explicit PacketReader(const std::string& path, int stream = -1);
  ~PacketReader();
  PacketReader(const PacketReader&) = delete;
  PacketReader& operator=(const PacketReader&) = delete;

  const AudioInfo& info() const;
  // Points `data`/`size` at the next packet's payload (valid until the next call).
  // Returns false at the end of the stream.
  bool next(const std::uint8_t*& data, std::size_t& size);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace audio
