// Cutting clips out of a video or an audio file with FFmpeg's libraries.
//
// Video (MP4 out, H.264 kept or re-encoded, the audio stream copied):
//  - default: stream copy from the video keyframe at or before the asked start (no quality
//    loss and no decoding: a clip starts up to one GOP early; the result gives the real
//    start) up to the asked end (video packets while their decode time is before the end,
//    so every kept frame stays decodable; audio packets whose time is before the end);
//  - exact: decoded from that keyframe and re-encoded with libx264 (preset and CRF in the
//    options) from the first frame at or after the start, for frame-accurate cuts;
//  - aspect "9:16" or "1:1": the same re-encode, centre-cropped to that shape (even sizes).
// Audio is copied packet by packet in every mode (its packets are ~20 ms: accurate enough,
// and no generation loss).
//
// Audio files: one decoding pass cuts every clip; each is written in the input's format
// when that is WAV or FLAC (same bit depth, 16 or 24 bits; float stays float in WAV), else
// as MP3 (LAME, 192 kb/s CBR), with short fades at both edges so a cut never clicks.
//
// Every output is written to a temporary file beside it and renamed into place; on error
// nothing is left behind. Errors: Error(data) for inputs without the needed stream or
// undecodable data, Error(software) when an encoder is missing, Error(cant_create/io) for
// outputs.
#pragma once

#include <string>
#include <vector>

#include "libaudio/decoder.hpp"

namespace mix {

struct CutRequest {
  double start = 0, end = 0;  // seconds
  std::string output;
};

struct CutOptions {
  bool exact = false;
  std::string aspect;  // "", "9:16", "1:1"
  int crf = 20;
  std::string preset = "veryfast";
  double fade = 0.02;  // seconds, audio clips
};

struct CutResult {
  std::string output;
  double start = 0, end = 0;  // what the clip really covers, seconds in the input
  bool reencoded = false;
};

// Validates "", "9:16", "1:1". Throws audio::Error(usage).
void check_aspect(const std::string& aspect);

std::vector<CutResult> cut_video(const std::string& input, const std::vector<CutRequest>& clips,
                                 const CutOptions& options = {});

std::vector<CutResult> cut_audio(const std::string& input, const std::vector<CutRequest>& clips,
                                 const CutOptions& options = {});

// "wav" or "flac" when the input is that container (and lossless), else "mp3".
std::string audio_clip_extension(const audio::AudioInfo& info);

}  // namespace mix
