#include "libaudio/fingerprint.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <memory>

#include <chromaprint.h>

#include "libaudio/error.hpp"

namespace audio {
namespace {

struct ContextFree {
  void operator()(ChromaprintContext* c) const { chromaprint_free(c); }
};
using ContextPtr = std::unique_ptr<ChromaprintContext, ContextFree>;

// Memory Chromaprint hands out is released with chromaprint_dealloc, not free().
struct ChromaprintFree {
  void operator()(void* p) const { chromaprint_dealloc(p); }
};
template <typename T>
using ChromaprintPtr = std::unique_ptr<T, ChromaprintFree>;

std::int16_t to_int16(float v) {
  const float scaled = std::nearbyint(v * 32768.0f);
  return static_cast<std::int16_t>(std::clamp(scaled, -32768.0f, 32767.0f));
}

}  // namespace

std::string Fingerprint::encoded() const {
  if (items.empty()) return {};
  char* raw = nullptr;
  int size = 0;
  if (!chromaprint_encode_fingerprint(items.data(), static_cast<int>(items.size()), algorithm, &raw,
                                      &size, 1)) {
    throw Error(Exit::software, "", "cannot encode a fingerprint");
  }
  ChromaprintPtr<char> owner(raw);
  return std::string(raw, static_cast<std::size_t>(size));
}

Fingerprint Fingerprint::decode(const std::string& text) {
  Fingerprint fp;
  if (text.empty()) return fp;
  std::uint32_t* raw = nullptr;
  int size = 0, algorithm = 0;
  if (!chromaprint_decode_fingerprint(text.data(), static_cast<int>(text.size()), &raw, &size,
                                      &algorithm, 1) ||
      size < 0) {
    throw Error(Exit::data, "", "malformed fingerprint");
  }
  ChromaprintPtr<std::uint32_t> owner(raw);
  fp.items.assign(raw, raw + size);
  fp.algorithm = algorithm;
  return fp;
}

DecodeOptions fingerprint_decode_options() {
  DecodeOptions o;
  o.sample_rate = kFingerprintRate;
  o.channels = 1;
  return o;
}

Fingerprint fingerprint(Decoder& decoder, double max_seconds) {
  const std::string& path = decoder.info().path;
  const int rate = decoder.sample_rate();
  const int channels = decoder.channels();
  // Two contexts over the same samples, the second starting half an item later: a copy
  // trimmed by a fraction of an item then lines up with one of them within a quarter item.
  ContextPtr ctx[2] = {ContextPtr(chromaprint_new(CHROMAPRINT_ALGORITHM_DEFAULT)),
                       ContextPtr(chromaprint_new(CHROMAPRINT_ALGORITHM_DEFAULT))};
  for (auto& c : ctx) {
    if (!c) throw Error(Exit::software, path, "cannot set up Chromaprint");
    if (!chromaprint_start(c.get(), rate, channels)) {
      throw Error(Exit::software, path, "Chromaprint refused the audio format");
    }
  }
  const int item_frames = chromaprint_get_item_duration(ctx[0].get());
  const std::int64_t half_item =
      static_cast<std::int64_t>(item_frames) * rate / kFingerprintRate / 2;
  const auto limit = static_cast<std::int64_t>(std::max(0.0, max_seconds) * rate);
  constexpr std::size_t kChunk = 4096;
  const auto ch = static_cast<std::size_t>(channels);
  std::vector<float> in(kChunk * ch);
  std::vector<std::int16_t> pcm(in.size());
  std::int64_t fed = 0;
  auto feed = [&](ChromaprintContext* c, const std::int16_t* data, std::size_t frames) {
    if (frames && !chromaprint_feed(c, data, static_cast<int>(frames * ch))) {
      throw Error(Exit::software, path, "Chromaprint failed");
    }
  };
  while (fed < limit) {
    const auto want = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(kChunk), limit - fed));
    const std::size_t got = decoder.read(in.data(), want);
    if (got == 0) break;
    std::transform(in.begin(), in.begin() + static_cast<long>(got * ch), pcm.begin(), to_int16);
    feed(ctx[0].get(), pcm.data(), got);
    const std::int64_t skip =
        std::clamp<std::int64_t>(half_item - fed, 0, static_cast<std::int64_t>(got));
    feed(ctx[1].get(), pcm.data() + static_cast<std::size_t>(skip) * ch,
         got - static_cast<std::size_t>(skip));
    fed += static_cast<std::int64_t>(got);
  }
  Fingerprint fp;
  fp.seconds = static_cast<double>(fed) / rate;
  // (chromaprint_get_algorithm is declared but not exported by libchromaprint 1.5.)
  fp.algorithm = CHROMAPRINT_ALGORITHM_DEFAULT;
  std::vector<std::uint32_t>* out[2] = {&fp.items, &fp.shifted};
  for (int k = 0; k < 2; ++k) {
    if (!chromaprint_finish(ctx[k].get())) throw Error(Exit::software, path, "Chromaprint failed");
    std::uint32_t* raw = nullptr;
    int size = 0;
    // Chromaprint reports an error for audio too short to give a single item.
    if (chromaprint_get_raw_fingerprint(ctx[k].get(), &raw, &size) && raw) {
      ChromaprintPtr<std::uint32_t> owner(raw);
      out[k]->assign(raw, raw + std::max(size, 0));
    }
  }
  return fp;
}

Fingerprint fingerprint_file(const std::string& path, double max_seconds) {
  Decoder decoder(path, fingerprint_decode_options());
  return fingerprint(decoder, max_seconds);
}

namespace {

// Chance agreement of two fingerprints: per bit position, how often two items picked at
// random (one from each) agree, averaged over the 32 bits. Bits that hardly ever change
// (steady noise, a held tone, silence) make it high, so agreement on them counts for little.
double chance_agreement(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
  std::array<double, 32> ones_a{}, ones_b{};
  for (std::uint32_t v : a)
    for (int k = 0; k < 32; ++k) ones_a[k] += (v >> k) & 1u;
  for (std::uint32_t v : b)
    for (int k = 0; k < 32; ++k) ones_b[k] += (v >> k) & 1u;
  double sum = 0;
  for (int k = 0; k < 32; ++k) {
    const double pa = ones_a[k] / static_cast<double>(a.size());
    const double pb = ones_b[k] / static_cast<double>(b.size());
    sum += pa * pb + (1 - pa) * (1 - pb);
  }
  return sum / 32.0;
}

void slide(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b,
           Similarity& best) {
  if (a.size() < kMinFingerprintItems || b.size() < kMinFingerprintItems) return;
  const auto na = static_cast<long>(a.size());
  const auto nb = static_cast<long>(b.size());
  const long shorter = std::min(na, nb);
  const long min_overlap =
      std::max(shorter / 2, std::min(static_cast<long>(kMinOverlapItems), shorter));
  const double chance = chance_agreement(a, b);
  if (chance > 1.0 - 1e-6) return;  // both constant: nothing to tell them apart by
  // offset: a[i] is compared with b[i - offset].
  for (long offset = -(nb - min_overlap); offset <= na - min_overlap; ++offset) {
    const long begin = std::max(0L, offset);
    const long end = std::min(na, nb + offset);
    const long overlap = end - begin;
    long differing = 0;
    for (long i = begin; i < end; ++i) {
      differing +=
          std::popcount(a[static_cast<std::size_t>(i)] ^ b[static_cast<std::size_t>(i - offset)]);
    }
    const double equal =
        1.0 - static_cast<double>(differing) / (32.0 * static_cast<double>(overlap));
    const double score = std::max(0.0, (equal - chance) / (1.0 - chance));
    if (score > best.score || best.overlap == 0) {
      best.score = score;
      best.equal_bits = equal;
      best.offset = static_cast<int>(offset);
      best.overlap = static_cast<std::size_t>(overlap);
    }
  }
}

}  // namespace

Similarity similarity(const Fingerprint& a, const Fingerprint& b) {
  Similarity best;
  slide(a.items, b.items, best);
  // One side's half-item variant is enough to bring any trim within a quarter item.
  if (!b.shifted.empty()) slide(a.items, b.shifted, best);
  if (!a.shifted.empty()) slide(a.shifted, b.items, best);
  return best;
}

}  // namespace audio
