// Fuzz target: FFmpeg's probing and our decoder wrapper on any bytes, as every program that
// reads audio or video sees them: audio::probe_audio, then audio::Decoder for at most a few
// seconds of audio (natively, or resampled and re-channelled, chosen by the input's length),
// then audio::PacketReader (wf-hash's content hash of lossy audio) for a few hundred packets.
#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" {
#include <libavutil/log.h>
}

#include "fuzz_support.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"

namespace {

constexpr double kMaxSeconds = 3.0;
constexpr int kMaxPackets = 500;

void decode(const std::string& path, const audio::DecodeOptions& options) {
  audio::Decoder decoder(path, options);
  (void)decoder.info();
  const std::size_t chunk = 1024;
  std::vector<float> buffer(chunk * static_cast<std::size_t>(decoder.channels()));
  while (decoder.seconds_read() < kMaxSeconds && decoder.read(buffer.data(), chunk) > 0) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  av_log_set_level(AV_LOG_QUIET);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fuzz::TempFile file("media_probe");
  file.write(data, size);
  try {
    (void)audio::probe_audio(file.path());
  } catch (const audio::Error&) {
    return 0;
  }
  audio::DecodeOptions options;
  if (size % 3 == 1) options.sample_rate = 22050, options.channels = 1;
  if (size % 3 == 2) options.sample_rate = 48000, options.channels = 2;
  try {
    decode(file.path(), options);
  } catch (const audio::Error&) {
  }
  try {
    audio::PacketReader packets(file.path());
    const std::uint8_t* p = nullptr;
    std::size_t n = 0;
    for (int i = 0; i < kMaxPackets && packets.next(p, n); ++i) {
    }
  } catch (const audio::Error&) {
  }
  return 0;
}
