// Whole-buffer writes to a descriptor, for the writers that own an AtomicFile's fd.
// Internal to libmix.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <string>

#include "libaudio/error.hpp"

namespace mix::detail {

// write(2) until all `size` bytes are out (short writes and EINTR are not errors).
inline void write_all(int fd, const void* data, std::size_t size, const std::string& subject) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw audio::Error(audio::Exit::io, subject, "write failed: " + audio::errno_text(errno));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

// pwrite(2) of all `size` bytes at `offset`.
inline void pwrite_all(int fd, const void* data, std::size_t size, off_t offset,
                       const std::string& subject) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, p, size, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw audio::Error(audio::Exit::io, subject, "write failed: " + audio::errno_text(errno));
    }
    p += n;
    offset += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace mix::detail
