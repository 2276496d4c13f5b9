// Extracting a video's (or any media file's) audio as PCM WAV for speech recognition: the
// equivalent of `ffmpeg -i IN -vn -ac 1 -ar 16000 OUT.wav` by default.
//
// Streaming with flat memory: chunks are decoded and resampled by the libaudio Decoder
// (libswresample, FFmpeg's defaults), re-channelled with the matrix FFmpeg's command line
// uses for 16-bit output (normalised: stereo to mono is (L + R) / 2), so the samples match
// FFmpeg's own conversion closely, and written as they come. A file output is written atomically
// (SoundWriter: temp file, rename). "-" writes the WAV to stdout: the header cannot be
// patched afterwards, so its RIFF and data sizes are 0xFFFFFFFF ("unknown"), as FFmpeg writes
// to a pipe; FFmpeg, SoX and libsndfile read such a stream to its end.
#pragma once

#include <cstdint>
#include <string>

#include "libaudio/decoder.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/sound_writer.hpp"

namespace mix {

struct ExtractOptions {
  std::string input;   // path or "-"
  std::string output;  // .wav path or "-" (stdout)
  int sample_rate = 16000;
  int channels = 1;
  int stream = -1;  // container stream index; -1 = FFmpeg's best audio stream
  audio::SampleFormat format = audio::SampleFormat::pcm16;
};

struct ExtractReport {
  audio::AudioInfo source;  // the stream that was read
  std::string output;
  int sample_rate = 0, channels = 0;
  audio::SampleFormat format = audio::SampleFormat::pcm16;
  std::int64_t frames = 0;
};

// Throws Error(no_input) for a missing input, Error(data) when it has no (such) audio stream
// or is corrupt, Error(usage) for a bad option, Error(cant_create/io) for the output.
ExtractReport extract_audio(const ExtractOptions& options);

// The dub.extract/1 document (see dub-mux(1)).
audio::Json extract_report_json(const ExtractReport& report, const std::string& input_sha256);

}  // namespace mix
