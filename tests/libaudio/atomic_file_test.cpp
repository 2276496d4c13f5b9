#include "libaudio/atomic_file.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

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

void write_text(audio::AtomicFile& f, const std::string& text) {
  ASSERT_EQ(write(f.fd(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

TEST(OutputGroup, OutputsAppearTogetherAtTheGroupsCommit) {
  testutil::TempDir dir;
  audio::OutputGroup group;
  for (const char* name : {"a.txt", "b.txt"}) {
    audio::AtomicFile f(dir / name);
    write_text(f, name);
    f.commit();
  }
  EXPECT_FALSE(fs::exists(dir / "a.txt"));  // held back
  EXPECT_EQ(slurp(audio::OutputGroup::readable(dir / "a.txt")), "a.txt");
  group.commit();
  EXPECT_EQ(slurp(dir / "a.txt"), "a.txt");
  EXPECT_EQ(slurp(dir / "b.txt"), "b.txt");
  EXPECT_EQ(entries(dir.path()), 2u);  // no temporaries left
}

TEST(OutputGroup, AGroupNotCommittedLeavesNothing) {
  testutil::TempDir dir;
  std::ofstream(dir / "old.txt") << "old";
  {
    audio::OutputGroup group;
    audio::AtomicFile f(dir / "old.txt");
    write_text(f, "new");
    f.commit();
    audio::AtomicFile g(dir / "other.txt");
    write_text(g, "other");
    g.commit();
  }  // e.g. the report could not be written
  EXPECT_EQ(slurp(dir / "old.txt"), "old");
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(OutputGroup, ANestedGroupJoinsTheOuterOne) {
  testutil::TempDir dir;
  audio::OutputGroup outer;
  {
    audio::OutputGroup inner;
    audio::AtomicFile f(dir / "x.txt");
    write_text(f, "x");
    f.commit();
    inner.commit();  // the outer group decides
  }
  EXPECT_FALSE(fs::exists(dir / "x.txt"));
  outer.commit();
  EXPECT_EQ(slurp(dir / "x.txt"), "x");
}

TEST(OutputGroup, AProtectedInputCanNeverBeATarget) {
  testutil::TempDir dir;
  std::ofstream(dir / "in.wav") << "input";
  fs::create_symlink(dir / "in.wav", dir / "alias.wav");
  audio::OutputGroup group;
  group.protect(dir / "in.wav", "the input");
  EXPECT_EQ(testutil::exit_code_of([&] { audio::AtomicFile f(dir / "in.wav"); }),
            audio::Exit::usage);
  EXPECT_EQ(testutil::exit_code_of([&] { audio::AtomicFile f(dir / "alias.wav"); }),
            audio::Exit::usage);
  EXPECT_EQ(testutil::exit_code_of([&] { audio::AtomicFile f(dir / "sub/../in.wav"); }),
            audio::Exit::usage);
  EXPECT_EQ(slurp(dir / "in.wav"), "input");
}

TEST(OutputGroup, TwoTargetsOfOneRunCannotBeOneFile) {
  testutil::TempDir dir;
  audio::OutputGroup group;
  audio::AtomicFile first(dir / "out.txt");
  EXPECT_EQ(testutil::exit_code_of([&] { audio::AtomicFile again(dir / "./out.txt"); }),
            audio::Exit::usage);
}

TEST(OutputGroup, AnAbandonedFileGivesItsTargetBack) {
  testutil::TempDir dir;
  audio::OutputGroup group;
  { audio::AtomicFile first_try(dir / "mix.wav"); }  // e.g. a second pass starts over
  audio::AtomicFile second_try(dir / "mix.wav");
  write_text(second_try, "mix");
  second_try.commit();
  group.commit();
  EXPECT_EQ(slurp(dir / "mix.wav"), "mix");
}

TEST(OutputGroup, StaleFilesGoOnlyWhenTheGroupCommits) {
  testutil::TempDir dir;
  std::ofstream(dir / "stale.txt") << "from an earlier run";
  {
    audio::OutputGroup failed;
    failed.remove_on_commit(dir / "stale.txt");
  }
  EXPECT_TRUE(fs::exists(dir / "stale.txt"));
  audio::OutputGroup group;
  group.remove_on_commit(dir / "stale.txt");
  group.commit();
  EXPECT_FALSE(fs::exists(dir / "stale.txt"));
}

TEST(EnsureDistinctFiles, OutputsMayBeNeitherInputsNorEachOther) {
  testutil::TempDir dir;
  std::ofstream(dir / "video.mp4") << "v";
  using audio::Exit;
  using testutil::exit_code_of;
  const std::vector<audio::NamedFile> inputs{{"--video", dir / "video.mp4"}, {"--subs", ""}};
  EXPECT_EQ(exit_code_of([&] {
              audio::ensure_distinct_files(inputs, {{"--report", dir / "video.mp4"}});
            }),
            Exit::usage);
  EXPECT_EQ(
      exit_code_of([&] {
        audio::ensure_distinct_files(inputs, {{"-o", dir / "out.mp4"}, {"--srt", dir / "out.mp4"}});
      }),
      Exit::usage);
  EXPECT_EQ(exit_code_of([&] {
              audio::ensure_distinct_files(
                  inputs, {{"-o", dir / "out.mp4"}, {"--srt", "-"}, {"--vtt", ""}});
            }),
            Exit::ok);
  EXPECT_EQ(exit_code_of([&] {
              audio::ensure_distinct_files(inputs, {{"-o", dir / "missing/out.mp4"}});
            }),
            Exit::cant_create);
}

}  // namespace
