// Cutting clips out of a video or an audio file with FFmpeg's libraries.
//
// Video (MP4 out, H.264 kept or re-encoded, the audio stream copied), three modes:
//  - copy: stream copy from the video keyframe at or before the asked start (no quality
//    loss and no decoding: a clip starts up to one GOP early; the result gives the real
//    start) up to the asked end (video packets while their decode time is before the end,
//    so every kept frame stays decodable; audio packets whose time is before the end);
//  - smart (the default): frame-accurate at the cost of re-encoding at most about a GOP.
//    The frames from the one nearest the start up to the source's next IDR keyframe are
//    decoded (from the keyframe before them) and re-encoded with libx264 at the source's
//    size, pixel format, time base, frame rate, profile and level (crf and smart_preset
//    below); every packet from that keyframe on is copied. smart_cut.cpp tells how the parts
//    are joined into one decodable H.264 track (both encoders' SPS/PPS in the avcC, under
//    ids that do not collide) and how the end is cut when the source has B-frames (the last
//    few frames re-encoded when frames before the end reference one after it). A start
//    within half a frame of a keyframe and an end no kept frame reaches past need no
//    re-encoding at all. A source that is not H.264 in an avcC track, or that libx264
//    cannot match (profile, pixel format, interlacing), is cut as in exact, and
//    CutResult::note says why;
//  - exact: decoded from that keyframe and re-encoded with libx264 (preset and CRF in the
//    options) from the first frame at or after the start, for frame-accurate cuts;
//  - aspect "9:16" or "1:1" (any mode): the exact re-encode, centre-cropped to that shape
//    (even sizes).
// A smart clip holds the frames whose times are in [start, end) rounded to the nearest frame
// (so it lasts its asked length within a frame); its result gives the first frame's time and
// the last frame's end.
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
// outputs, Error(usage) for an unknown mode name.
#pragma once

#include <string>
#include <vector>

#include "libaudio/decoder.hpp"

namespace mix {

struct CutRequest {
  double start = 0, end = 0;  // seconds
  std::string output;
};

enum class CutMode { copy, smart, exact };

// "copy", "smart", "exact"; parse_cut_mode throws audio::Error(usage) for anything else.
CutMode parse_cut_mode(const std::string& name);
const char* cut_mode_name(CutMode mode);

struct CutOptions {
  CutMode mode = CutMode::smart;
  std::string aspect;               // "", "9:16", "1:1"
  int crf = 20;                     // libx264 quality of every re-encode
  std::string preset = "veryfast";  // libx264 preset of exact and aspect clips
  // The preset of the frames a smart cut re-encodes: up to a GOP per clip (10 s of 1080p
  // from a camera or libx264's defaults), where a slower preset would cost seconds a clip.
  std::string smart_preset = "ultrafast";
  double fade = 0.02;  // seconds, audio clips
};

struct CutResult {
  std::string output;
  double start = 0, end = 0;  // what the clip really covers, seconds in the input
  bool reencoded = false;     // some (smart) or all of its video frames were re-encoded
  int reencoded_frames = 0;   // how many (video; 0 for audio clips)
  std::string note;           // why a smart cut became a full re-encode, else empty
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
