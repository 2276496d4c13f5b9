// JPEG thumbnails of a video at chosen times, skipping black frames.
//
// One demuxer and one (multi-threaded) decoder serve every thumbnail: targets are taken in
// time order, and the decoder seeks back to the keyframe before a target only when the
// target is behind it, or more than 3 s ahead with that keyframe after where it is (else it
// decodes on). On the way to a target, frames no other frame refers to are not decoded,
// until 0.5 s before it (a safe skip: no decoded frame can depend on them). The frame shown
// is the first at or after the target. A frame is black when its mean luma is under 10 %
// of the range and its brightest sampled pixel under 25 %: then the next frame 0.5 s later
// is tried, up to `search_end` (the clip's end); if all are black the last one is kept
// (and reported).
// Frames are scaled (swscale, bicubic) to at most max_width wide, keeping the display
// aspect, and encoded by libavcodec's mjpeg encoder (full-range YUV 4:2:0, q 3). Files are
// written atomically.
#pragma once

#include <string>
#include <vector>

namespace mix {

struct ThumbnailRequest {
  double time = 0;        // seconds
  double search_end = 0;  // seconds: how far to look past black frames
  std::string output;     // .jpg
};

struct Thumbnail {
  std::string output;
  double time = 0;  // the frame's time
  bool black = false;
  int width = 0, height = 0;
};

// Throws audio::Error(data) without a video stream, Error(cant_create/io) for outputs.
std::vector<Thumbnail> take_thumbnails(const std::string& input,
                                       const std::vector<ThumbnailRequest>& requests,
                                       int max_width = 640);

}  // namespace mix
