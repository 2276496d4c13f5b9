// Byte-for-byte comparison of two files, for golden files of no known structure: sizes,
// SHA-256 digests and the first offset where they differ, in one streaming pass.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace audio {

struct BytesComparison {
  std::uint64_t expected_size = 0, actual_size = 0;
  std::string expected_sha256, actual_sha256;
  // Offset of the first differing byte (the shorter size when one is a prefix of the other);
  // nullopt when the files are identical.
  std::optional<std::uint64_t> first_difference;

  bool identical() const { return !first_difference; }
};

// Throws Error(no_input) if a file cannot be opened, Error(io) on a read error.
BytesComparison compare_bytes(const std::string& expected_path, const std::string& actual_path);

}  // namespace audio
