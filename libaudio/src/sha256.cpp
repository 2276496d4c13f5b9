#include "libaudio/sha256.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <openssl/evp.h>

#include "libaudio/error.hpp"

namespace audio {

struct Sha256::Ctx {
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> md{EVP_MD_CTX_new()};
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  if (!ctx_->md || EVP_DigestInit_ex(ctx_->md.get(), EVP_sha256(), nullptr) != 1) {
    throw Error(Exit::software, "", "OpenSSL SHA-256 initialisation failed");
  }
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t size) {
  if (size) EVP_DigestUpdate(ctx_->md.get(), data, size);
}

std::array<std::uint8_t, 32> Sha256::digest() {
  std::array<std::uint8_t, 32> out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->md.get(), out.data(), &len);
  return out;
}

std::string Sha256::hex_digest() {
  auto d = digest();
  return to_hex(d.data(), d.size());
}

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string s(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    s[2 * i] = digits[data[i] >> 4];
    s[2 * i + 1] = digits[data[i] & 15];
  }
  return s;
}

namespace {
struct Fd {
  int fd;
  bool owned;
  ~Fd() {
    if (owned && fd >= 0) close(fd);
  }
};
}  // namespace

FileDigest sha256_file(const std::string& path,
                       const std::function<void(std::uint64_t)>& on_progress) {
  Fd f{path == "-" ? STDIN_FILENO : open(path.c_str(), O_RDONLY | O_CLOEXEC), path != "-"};
  if (f.fd < 0) throw Error(Exit::no_input, path, "cannot open: " + errno_text(errno));
  posix_fadvise(f.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  constexpr std::size_t kBlock = 1 << 20;
  std::vector<unsigned char> buf(kBlock);
  Sha256 sha;
  FileDigest out;
  std::uint64_t since_progress = 0;
  for (;;) {
    ssize_t n = read(f.fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EISDIR) throw Error(Exit::no_input, path, "is a directory");
      throw Error(Exit::io, path, "read error: " + errno_text(errno));
    }
    if (n == 0) break;
    sha.update(buf.data(), static_cast<std::size_t>(n));
    out.bytes += static_cast<std::uint64_t>(n);
    since_progress += static_cast<std::uint64_t>(n);
    if (on_progress && since_progress >= (16u << 20)) {
      on_progress(out.bytes);
      since_progress = 0;
    }
  }
  out.sha256 = sha.hex_digest();
  return out;
}

}  // namespace audio
