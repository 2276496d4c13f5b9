// Helpers shared by the unit tests: a scratch directory removed at the end of each test,
// writing synthesized fixtures to disk, a fixed pseudo-random sequence, and the exit code a
// call fails with.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libaudio/sound_writer.hpp"
#include "synth/synth.hpp"

namespace testutil {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "djb-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes synthesized audio to `path` (WAV or FLAC by its extension) and returns the path.
inline std::string write_audio(const std::string& path, const synth::Audio& a,
                               audio::SampleFormat format = audio::SampleFormat::pcm16) {
  audio::SoundWriter w(path, a.rate, a.channels, format, audio::container_for_path(path));
  w.write(a.samples.data(), a.frames());
  w.commit();
  return path;
}

// A fixed pseudo-random sequence in [0, 1) (Knuth's MMIX LCG): random-looking test data
// that is the same on every run, no seed from the clock.
struct Lcg {
  std::uint64_t s;
  double next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s >> 11) / 9007199254740992.0;
  }
};

// The code of the audio::Error that `f` throws, or Exit::ok when it returns.
inline audio::Exit exit_code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const audio::Error& e) {
    return e.code();
  }
  return audio::Exit::ok;
}

}  // namespace testutil
