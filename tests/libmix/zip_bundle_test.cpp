#include "libmix/zip_bundle.hpp"

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "test_util.hpp"

namespace {

using audio::Exit;
using mix::ZipBundle;
using testutil::exit_code_of;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

// Runs a shell command; returns its stdout, and its exit status in *rc.
std::string run(const std::string& cmd, int* rc = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = pclose(p);
  if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// Binary data that does not compress, larger than the copy block.
std::string binary(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 2463534242u;
  for (auto& c : s) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x);
  }
  return s;
}

const std::string kLrc = [] {
  std::string s = "[ti:Mix]\n";
  for (int i = 0; i < 50; ++i) s += "[0" + std::to_string(i % 10) + ":00.00]Artist - Title\n";
  return s;
}();

// The bundle djb-render makes: the mix, its LRC and CUE, the plan (with a non-ASCII name
// here, for the UTF-8 flag).
void make_bundle(const std::string& zip, const std::string& mp3, const std::string& plan) {
  ZipBundle b(zip);
  b.add_file("mix.mp3", mp3);
  b.add_text("mix.lrc", kLrc);
  b.add_text("mix.cue", "x");  // too small to deflate: stored
  b.add_file("plän/ñ.json", plan);
  b.commit();
}

TEST(ZipBundle, UnzipAndPythonReadItBack) {
  testutil::TempDir dir;
  const auto mp3 = binary(3 * 1024 * 1024 + 17);
  const std::string plan = "{\"schema\":\"djb.plan/1\"}\n";
  write_file(dir / "mix.mp3", mp3);
  write_file(dir / "plan.json", plan);
  const std::string zip = dir / "bundle.zip";
  make_bundle(zip, dir / "mix.mp3", dir / "plan.json");

  int rc = -1;
  const auto tested = run("unzip -t '" + zip + "' 2>&1", &rc);
  EXPECT_EQ(rc, 0) << tested;
  EXPECT_NE(tested.find("No errors detected"), std::string::npos) << tested;
  EXPECT_EQ(run("unzip -p '" + zip + "' mix.mp3"), mp3);
  EXPECT_EQ(run("unzip -p '" + zip + "' mix.lrc"), kLrc);
  EXPECT_EQ(run("unzip -p '" + zip + "' mix.cue"), "x");

  // Python's zipfile: names decoded as UTF-8 (flag 11), methods, fixed dates, modes, CRCs.
  const auto py =
      run("python3 -c 'import sys, zipfile\n"
          "z = zipfile.ZipFile(sys.argv[1])\n"
          "assert z.testzip() is None\n"
          "for i in z.infolist():\n"
          "    print(i.filename, i.compress_type, i.date_time, oct(i.external_attr >> 16), "
          "i.flag_bits & 0x800, len(z.read(i)))\n' '" +
              zip + "' 2>&1",
          &rc);
  EXPECT_EQ(rc, 0) << py;
  EXPECT_EQ(py,
            "mix.mp3 0 (1980, 1, 1, 0, 0, 0) 0o100644 2048 3145745\n"
            "mix.lrc 8 (1980, 1, 1, 0, 0, 0) 0o100644 2048 " +
                std::to_string(kLrc.size()) +
                "\n"
                "mix.cue 0 (1980, 1, 1, 0, 0, 0) 0o100644 2048 1\n"
                "plän/ñ.json 0 (1980, 1, 1, 0, 0, 0) 0o100644 2048 " +
                std::to_string(plan.size()) + "\n");
  EXPECT_LT(std::filesystem::file_size(zip), mp3.size() + plan.size() + kLrc.size())
      << "the LRC should be deflated";
}

TEST(ZipBundle, SameInputsGiveTheSameBytes) {
  testutil::TempDir a, b;
  for (const auto* d : {&a, &b}) {
    write_file(*d / "mix.mp3", binary(200000));
    write_file(*d / "plan.json", "{}\n");
  }
  // Different modification times and modes of the sources must not show.
  struct timeval old_times[2] = {{1000000000, 0}, {1000000000, 0}};
  utimes((b / "mix.mp3").c_str(), old_times);
  chmod((b / "plan.json").c_str(), 0600);
  make_bundle(a / "x.zip", a / "mix.mp3", a / "plan.json");
  make_bundle(b / "x.zip", b / "mix.mp3", b / "plan.json");
  const auto first = read_file(a / "x.zip");
  ASSERT_GT(first.size(), 200000u);
  EXPECT_EQ(first, read_file(b / "x.zip"));
}

TEST(ZipBundle, EmptyBundleIsAValidZip) {
  testutil::TempDir dir;
  ZipBundle(dir / "empty.zip").commit();
  EXPECT_EQ(read_file(dir / "empty.zip"), std::string("PK\5\6", 4) + std::string(18, '\0'));
}

TEST(ZipBundle, UncommittedBundleLeavesNothing) {
  testutil::TempDir dir;
  {
    ZipBundle b(dir / "gone.zip");
    b.add_text("a.txt", "hello");
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(ZipBundle, BadNamesAndSourcesAreRejectedAndTheBundleStaysUsable) {
  testutil::TempDir dir;
  write_file(dir / "src.bin", "data");
  std::filesystem::create_directory(dir / "sub");
  const std::string zip = dir / "b.zip";
  ZipBundle b(zip);
  b.add_text("ok.txt", "ok");
  for (const std::string name : {"", "/abs", "../up", "a/../b", "a//b", "./a", "dir/",
                                 "back\\slash", "tab\there", "ok.txt"}) {
    EXPECT_EQ(exit_code_of([&] { b.add_text(name, "x"); }), Exit::usage) << name;
  }
  EXPECT_EQ(exit_code_of([&] { b.add_file("m.bin", dir / "missing.bin"); }), Exit::no_input);
  EXPECT_EQ(exit_code_of([&] { b.add_file("d.bin", dir / "sub"); }), Exit::no_input);

  // A 4 GiB source (sparse: no space used) is refused before a byte of it is written.
  { std::ofstream big(dir / "big.bin"); }
  std::filesystem::resize_file(dir / "big.bin", 4ull << 30);
  EXPECT_EQ(exit_code_of([&] { b.add_file("big.bin", dir / "big.bin"); }), Exit::cant_create);

  b.add_file("src.bin", dir / "src.bin");
  b.commit();
  int rc = -1;
  const auto listing = run("unzip -Z1 '" + zip + "'", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(listing, "ok.txt\nsrc.bin\n");
  EXPECT_EQ(run("unzip -p '" + zip + "' src.bin"), "data");
  EXPECT_EQ(exit_code_of([&] { b.add_text("late.txt", "x"); }), Exit::software);
}

TEST(ZipBundle, CannotCreateIsReported) {
  testutil::TempDir dir;
  EXPECT_EQ(exit_code_of([&] { ZipBundle b(dir / "no/such/dir/b.zip"); }), Exit::cant_create);
}

}  // namespace
