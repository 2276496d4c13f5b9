#include "libaudio/bytes_compare.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "libaudio/error.hpp"
#include "libaudio/sha256.hpp"

namespace audio {
namespace {

struct Close {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, Close>;

File open_input(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) throw Error(Exit::no_input, path, "cannot open: " + errno_text(errno));
  return f;
}

// Reads a full block unless the file ends first.
std::size_t read_block(std::FILE* f, unsigned char* buf, std::size_t size,
                       const std::string& path) {
  const std::size_t n = std::fread(buf, 1, size, f);
  if (n < size && std::ferror(f)) throw Error(Exit::io, path, "read error: " + errno_text(errno));
  return n;
}

}  // namespace

BytesComparison compare_bytes(const std::string& expected_path, const std::string& actual_path) {
  File ef = open_input(expected_path), af = open_input(actual_path);
  constexpr std::size_t kBlock = 1 << 20;
  std::vector<unsigned char> eb(kBlock), ab(kBlock);
  Sha256 es, as;
  BytesComparison r;
  for (;;) {
    const std::size_t en = read_block(ef.get(), eb.data(), kBlock, expected_path);
    const std::size_t an = read_block(af.get(), ab.data(), kBlock, actual_path);
    if (!r.first_difference) {
      const std::size_t common = std::min(en, an);
      if (std::memcmp(eb.data(), ab.data(), common) != 0) {
        std::size_t i = 0;
        while (eb[i] == ab[i]) ++i;
        r.first_difference = r.expected_size + i;
      } else if (en != an) {
        r.first_difference = r.expected_size + common;
      }
    }
    es.update(eb.data(), en);
    as.update(ab.data(), an);
    r.expected_size += en;
    r.actual_size += an;
    if (en == 0 && an == 0) break;
  }
  r.expected_sha256 = es.hex_digest();
  r.actual_sha256 = as.hex_digest();
  return r;
}

}  // namespace audio
