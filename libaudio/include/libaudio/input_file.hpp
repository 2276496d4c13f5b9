// The checks every reader makes on an input the user names, and one bounded read.
//
// A path must name a regular file or a pipe (FIFO, or "-" for stdin, which may also be a
// socket, as Node's child_process gives it): a directory, a device such as /dev/zero, a
// socket or a terminal is refused before anything is read, so no reader can hang on an
// endless input. Pipes can still be endless, so whole-input reads are capped.
#pragma once

#include <cstddef>
#include <string>

namespace audio {

enum class InputKind { regular, stream };

// Throws Error(no_input, path): "no such file", "is a directory", "is a device, not a file",
// "is a terminal", "permission denied". "-" checks stdin. Returns what can be read there.
InputKind check_input(const std::string& path);

// The cap for documents read whole (JSON, subtitles, track lists): far above any real one.
inline constexpr std::size_t kMaxDocumentBytes = std::size_t{256} << 20;

// Reads all of `path` ("-": stdin) after check_input. Throws Error(data) naming the path when
// it holds more than `max_bytes`, Error(io) on a read error. May return an empty string.
std::string read_input_text(const std::string& path, std::size_t max_bytes = kMaxDocumentBytes);

}  // namespace audio
