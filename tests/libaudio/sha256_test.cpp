#include "libaudio/sha256.hpp"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "test_util.hpp"

namespace {

TEST(Sha256, KnownVectors) {
  audio::Sha256 empty;
  EXPECT_EQ(empty.hex_digest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  audio::Sha256 abc;
  abc.update("abc", 3);
  EXPECT_EQ(abc.hex_digest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, StreamingEqualsOneShot) {
  std::string data(100000, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 3);
  audio::Sha256 one, many;
  one.update(data.data(), data.size());
  for (std::size_t i = 0; i < data.size(); i += 997)
    many.update(data.data() + i, std::min<std::size_t>(997, data.size() - i));
  EXPECT_EQ(one.hex_digest(), many.hex_digest());
}

std::string sha256sum_of(const std::string& path) {
  std::string cmd = "sha256sum '";
  cmd.append(path).append("'");
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  char buf[65] = {0};
  if (!p || fread(buf, 1, 64, p.get()) != 64) return "";
  return buf;
}

TEST(Sha256, FileDigestMatchesSha256sum) {
  testutil::TempDir dir;
  // Sizes around the 1 MiB read block, so block edges are exercised.
  for (std::size_t size :
       {std::size_t{1}, std::size_t{1048575}, std::size_t{1048576}, std::size_t{3145729}}) {
    std::string name = std::to_string(size);
    std::string path = dir / name.append(".bin");
    {
      std::ofstream out(path, std::ios::binary);
      for (std::size_t i = 0; i < size; ++i) out.put(static_cast<char>((i * 131) ^ (i >> 9)));
    }
    auto d = audio::sha256_file(path);
    EXPECT_EQ(d.bytes, size);
    EXPECT_EQ(d.sha256, sha256sum_of(path)) << size;
  }
}

TEST(Sha256, MissingFileIsNoInput) {
  try {
    audio::sha256_file("/nonexistent/file");
    FAIL();
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::no_input);
  }
}

}  // namespace
