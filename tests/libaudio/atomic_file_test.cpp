#include "libaudio/atomic_file.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "test_util.hpp"

namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(AtomicFile, CommitRenamesOverTheTarget) {
  testutil::TempDir dir;
  std::ofstream(dir / "out.txt") << "old";
  {
    audio::AtomicFile f(dir / "out.txt");
    EXPECT_NE(f.temp_path(), f.target());
    EXPECT_EQ(f.temp_path().rfind(dir.path().string(), 0), 0u);  // beside the target
    ASSERT_EQ(write(f.fd(), "new", 3), 3);
    EXPECT_EQ(slurp(dir / "out.txt"), "old");  // untouched until commit
    f.commit();
  }
  EXPECT_EQ(slurp(dir / "out.txt"), "new");
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(AtomicFile, UncommittedTemporaryIsRemoved) {
  testutil::TempDir dir;
  {
    audio::AtomicFile f(dir / "out.txt");
    ASSERT_EQ(write(f.fd(), "partial", 7), 7);
    EXPECT_TRUE(fs::exists(f.temp_path()));
  }
  EXPECT_EQ(entries(dir.path()), 0u);
}

TEST(AtomicFile, MissingDirectoryIsCantCreate) {
  try {
    audio::AtomicFile f("/nonexistent-dir/out.txt");
    FAIL() << "created a file in a missing directory";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::cant_create);
  }
}

TEST(AtomicFile, RefusesToOverwriteTheInput) {
  testutil::TempDir dir;
  std::ofstream(dir / "in.wav") << "x";
  fs::create_hard_link(dir / "in.wav", dir / "alias.wav");
  EXPECT_THROW(audio::ensure_not_same_file(dir / "in.wav", dir / "alias.wav"), audio::Error);
  EXPECT_NO_THROW(audio::ensure_not_same_file(dir / "in.wav", dir / "other.wav"));
}

TEST(AtomicFile, OutputWritabilityIsCheckedUpFront) {
  testutil::TempDir dir;
  EXPECT_NO_THROW(audio::ensure_output_writable(dir / "x.wav"));
  EXPECT_THROW(audio::ensure_output_writable(dir / "missing/x.wav"), audio::Error);
  EXPECT_THROW(audio::ensure_output_writable(dir.path().string()), audio::Error);  // a directory
}

}  // namespace
