#include "h264_config.hpp"

#include <algorithm>

namespace mix::detail {
namespace {

// Reads the first few Exp-Golomb fields of a NAL unit, skipping emulation prevention bytes.
class BitReader {
 public:
  BitReader(const Bytes& nal, std::size_t from) : nal_(nal), byte_(from) {}
  int ue() {  // unsigned Exp-Golomb; -1 when the data runs out or the value is absurd
    int zeros = 0;
    while (true) {
      const int b = bit();
      if (b < 0 || zeros > 31) return -1;
      if (b == 1) break;
      ++zeros;
    }
    std::uint64_t v = 1;
    for (int i = 0; i < zeros; ++i) {
      const int b = bit();
      if (b < 0) return -1;
      v = v << 1 | std::uint64_t(b);
    }
    return v - 1 > 0x7fffffff ? -1 : int(v - 1);
  }

 private:
  int bit() {
    if (bit_ == 8) {
      ++byte_;
      bit_ = 0;
      // 00 00 03: the 03 is an emulation prevention byte, not data.
      if (byte_ < nal_.size() && nal_[byte_] == 3 && byte_ >= 2 && nal_[byte_ - 1] == 0 &&
          nal_[byte_ - 2] == 0)
        ++byte_;
    }
    if (byte_ >= nal_.size()) return -1;
    return (nal_[byte_] >> (7 - bit_++)) & 1;
  }
  const Bytes& nal_;
  std::size_t byte_;
  int bit_ = 0;
};

std::size_t read_be(const std::uint8_t* p, int n) {
  std::size_t v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

void put_be(Bytes& out, std::size_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(std::uint8_t(v >> (8 * i)));
}

// Reads `count` 16-bit-length-prefixed units at `p`; false when they overrun `end`.
bool read_units(const std::uint8_t*& p, const std::uint8_t* end, int count,
                std::vector<Bytes>& out) {
  for (int i = 0; i < count; ++i) {
    if (end - p < 2) return false;
    const std::size_t n = read_be(p, 2);
    p += 2;
    if (std::size_t(end - p) < n || n == 0) return false;
    out.emplace_back(p, p + n);
    p += n;
  }
  return true;
}

}  // namespace

std::optional<AvcConfig> parse_avcc(const std::uint8_t* data, std::size_t size) {
  if (!data || size < 7 || data[0] != 1) return std::nullopt;
  AvcConfig c;
  c.profile = data[1];
  c.compatibility = data[2];
  c.level = data[3];
  c.length_size = (data[4] & 3) + 1;
  if (c.length_size == 3) return std::nullopt;
  const std::uint8_t* p = data + 6;
  const std::uint8_t* end = data + size;
  if (!read_units(p, end, data[5] & 0x1f, c.sps) || p >= end) return std::nullopt;
  const int pps_count = *p++;
  if (!read_units(p, end, pps_count, c.pps)) return std::nullopt;
  c.trailer.assign(p, end);
  return c;
}

Bytes write_avcc(const AvcConfig& c) {
  Bytes out = {1,
               c.profile,
               c.compatibility,
               c.level,
               std::uint8_t(0xfc | (c.length_size - 1)),
               std::uint8_t(0xe0 | c.sps.size())};
  for (const Bytes& s : c.sps) {
    put_be(out, s.size(), 2);
    out.insert(out.end(), s.begin(), s.end());
  }
  out.push_back(std::uint8_t(c.pps.size()));
  for (const Bytes& s : c.pps) {
    put_be(out, s.size(), 2);
    out.insert(out.end(), s.begin(), s.end());
  }
  out.insert(out.end(), c.trailer.begin(), c.trailer.end());
  return out;
}

std::vector<Bytes> annexb_nals(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kNone = ~std::size_t(0);
  std::vector<Bytes> nals;
  std::size_t i = 0, start = kNone;
  auto close = [&](std::size_t at) {
    if (start == kNone) return;
    while (at > start && data[at - 1] == 0) --at;  // trailing_zero_8bits belong to no NAL
    if (at > start) nals.emplace_back(data + start, data + at);
  };
  while (i + 3 <= size) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      close(i);
      i += 3;
      start = i;
    } else {
      ++i;
    }
  }
  close(size);
  return nals;
}

Bytes length_prefixed(const std::vector<Bytes>& nals, int length_size) {
  Bytes out;
  for (const Bytes& n : nals) {
    put_be(out, n.size(), length_size);
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

bool has_idr_slice(const std::uint8_t* data, std::size_t size, int length_size) {
  std::size_t i = 0;
  while (i + std::size_t(length_size) <= size) {
    const std::size_t n = read_be(data + i, length_size);
    i += std::size_t(length_size);
    if (n == 0 || n > size - i) return false;
    if ((data[i] & 0x1f) == 5) return true;
    i += n;
  }
  return false;
}

int sps_id(const Bytes& nal) {
  if (nal.size() < 5 || (nal[0] & 0x1f) != 7) return -1;
  return BitReader(nal, 4).ue();  // after the NAL header, profile, constraint flags, level
}

int pps_id(const Bytes& nal) {
  if (nal.size() < 2 || (nal[0] & 0x1f) != 8) return -1;
  return BitReader(nal, 1).ue();
}

int free_parameter_set_id(const AvcConfig& config) {
  for (int id = 0; id < 32; ++id) {
    const bool used = std::any_of(config.sps.begin(), config.sps.end(),
                                  [&](const Bytes& s) { return sps_id(s) == id; }) ||
                      std::any_of(config.pps.begin(), config.pps.end(),
                                  [&](const Bytes& s) { return pps_id(s) == id; });
    if (!used) return id;
  }
  return -1;
}

}  // namespace mix::detail
