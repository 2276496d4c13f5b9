// The smart cut of one video clip (see smart_cut.cpp for the design). Internal to libmix.
#pragma once

#include <optional>
#include <string>

#include "libmix/clip_cutter.hpp"

namespace mix::detail {

// The clip, frame-accurate, re-encoding only the frames the copied packets cannot give; or
// nullopt, with the reason in `why_not` and nothing written, when the source cannot be cut
// that way (not H.264 in an avcC track, a profile or pixel format libx264 cannot match, an
// encoder that will not open): the caller then re-encodes the whole clip.
std::optional<CutResult> smart_cut(const std::string& input, const CutRequest& req,
                                   const CutOptions& options, std::string& why_not);

}  // namespace mix::detail
