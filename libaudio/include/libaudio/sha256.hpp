// SHA-256 through OpenSSL's EVP interface, streaming. sha256_file() gives the same digest
// as sha256sum for any file and reads in large blocks so it runs at disk/CPU speed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace audio {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(const void* data, std::size_t size);
  // Finishes the digest; the object may not be updated afterwards.
  std::array<std::uint8_t, 32> digest();
  std::string hex_digest();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string to_hex(const std::uint8_t* data, std::size_t size);

struct FileDigest {
  std::string sha256;       // lower-case hex
  std::uint64_t bytes = 0;  // bytes hashed
};

// Hashes a file ("-" = stdin). `on_progress(bytes_so_far)` is called now and then.
// Throws Error(no_input) if it cannot be opened, Error(io) on a read error.
FileDigest sha256_file(const std::string& path,
                       const std::function<void(std::uint64_t)>& on_progress = {});

}  // namespace audio
