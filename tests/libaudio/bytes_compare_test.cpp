#include "libaudio/bytes_compare.hpp"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libaudio/sha256.hpp"
#include "test_util.hpp"

namespace {

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(BytesCompare, IdenticalFiles) {
  testutil::TempDir dir;
  write(dir / "a", "hello\n");
  write(dir / "b", "hello\n");
  auto r = audio::compare_bytes(dir / "a", dir / "b");
  EXPECT_TRUE(r.identical());
  EXPECT_EQ(r.expected_size, 6u);
  EXPECT_EQ(r.expected_sha256, r.actual_sha256);
  EXPECT_EQ(r.expected_sha256, audio::sha256_file(dir / "a").sha256);
}

TEST(BytesCompare, FirstDifferenceAcrossBlocks) {
  testutil::TempDir dir;
  std::string big(3'000'000, 'x');
  write(dir / "e", big);
  big[1'500'001] = 'y';
  write(dir / "a", big);
  auto r = audio::compare_bytes(dir / "e", dir / "a");
  ASSERT_FALSE(r.identical());
  EXPECT_EQ(*r.first_difference, 1'500'001u);
  EXPECT_EQ(r.actual_size, 3'000'000u);
  EXPECT_EQ(r.actual_sha256, audio::sha256_file(dir / "a").sha256);
  EXPECT_NE(r.expected_sha256, r.actual_sha256);
}

TEST(BytesCompare, PrefixDiffersAtTheShorterLength) {
  testutil::TempDir dir;
  write(dir / "e", "abc");
  write(dir / "a", "abcdef");
  auto r = audio::compare_bytes(dir / "e", dir / "a");
  EXPECT_EQ(*r.first_difference, 3u);
  EXPECT_EQ(r.expected_size, 3u);
  EXPECT_EQ(r.actual_size, 6u);
  write(dir / "empty", "");
  EXPECT_EQ(*audio::compare_bytes(dir / "empty", dir / "a").first_difference, 0u);
  EXPECT_TRUE(audio::compare_bytes(dir / "empty", dir / "empty").identical());
}

TEST(BytesCompare, MissingFileIsNoInput) {
  testutil::TempDir dir;
  write(dir / "e", "abc");
  try {
    audio::compare_bytes(dir / "e", dir / "missing");
    FAIL();
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::no_input);
    EXPECT_EQ(e.subject(), dir / "missing");
  }
}

}  // namespace
