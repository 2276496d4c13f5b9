#include "libaudio/input_file.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "test_util.hpp"

namespace {

using audio::Exit;
using testutil::exit_code_of;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const audio::Error& e) {
    return e.what();
  }
  return {};
}

TEST(CheckInput, RegularFilesAndFifosAreReadable) {
  testutil::TempDir dir;
  std::ofstream(dir / "a.json") << "{}";
  EXPECT_EQ(audio::check_input(dir / "a.json"), audio::InputKind::regular);
  ASSERT_EQ(mkfifo((dir / "p").c_str(), 0600), 0);
  EXPECT_EQ(audio::check_input(dir / "p"), audio::InputKind::stream);
}

TEST(CheckInput, StdinMayBeASocket) {
  // Node's child_process gives a child's stdin as one end of a socketpair.
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  const int saved = dup(STDIN_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_EQ(dup2(pair[0], STDIN_FILENO), STDIN_FILENO);
  ASSERT_EQ(write(pair[1], "{}\n", 3), 3);
  close(pair[1]);
  audio::InputKind kind = audio::InputKind::regular;
  std::string text;
  const std::string error = message_of([&] {
    kind = audio::check_input("-");
    text = audio::read_input_text("-");
  });
  dup2(saved, STDIN_FILENO);
  close(saved);
  close(pair[0]);
  EXPECT_EQ(error, "");
  EXPECT_EQ(kind, audio::InputKind::stream);
  EXPECT_EQ(text, "{}\n");
}

TEST(CheckInput, DirectoriesDevicesAndMissingFilesAreNoInput) {
  testutil::TempDir dir;
  EXPECT_EQ(exit_code_of([&] { audio::check_input(dir.path().string()); }), Exit::no_input);
  EXPECT_EQ(message_of([&] { audio::check_input(dir.path().string()); }), "is a directory");
  EXPECT_EQ(exit_code_of([] { audio::check_input("/dev/zero"); }), Exit::no_input);
  EXPECT_EQ(message_of([] { audio::check_input("/dev/zero"); }), "is a device, not a file");
  EXPECT_EQ(exit_code_of([&] { audio::check_input(dir / "missing"); }), Exit::no_input);
}

TEST(ReadInputText, ReadsAWholeFile) {
  testutil::TempDir dir;
  std::ofstream(dir / "a.txt") << "hello\nworld\n";
  EXPECT_EQ(audio::read_input_text(dir / "a.txt"), "hello\nworld\n");
  std::ofstream(dir / "empty.txt").flush();
  EXPECT_EQ(audio::read_input_text(dir / "empty.txt"), "");
}

TEST(ReadInputText, StopsAtTheLimitWithADataError) {
  testutil::TempDir dir;
  std::ofstream(dir / "big.txt") << std::string(1000, 'x');
  EXPECT_EQ(audio::read_input_text(dir / "big.txt", 1000).size(), 1000u);
  EXPECT_EQ(exit_code_of([&] { audio::read_input_text(dir / "big.txt", 999); }), Exit::data);
}

TEST(ReadInputText, AnEndlessPipeEndsAtTheLimit) {
  testutil::TempDir dir;
  const std::string fifo = dir / "endless";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // The writer's write after the reader gives up raises SIGPIPE: ignored for this test.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old);
  std::thread writer([&] {
    std::ofstream out(fifo, std::ios::binary);
    const std::string block(4096, '[');
    while (out.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  });
  EXPECT_EQ(exit_code_of([&] { audio::read_input_text(fifo, 1 << 20); }), Exit::data);
  writer.join();  // the reader closed the pipe: the writer's next write fails
  sigaction(SIGPIPE, &old, nullptr);
}

TEST(ReadInputText, ADeviceIsRefusedBeforeAnyRead) {
  EXPECT_EQ(exit_code_of([] { audio::read_input_text("/dev/zero"); }), Exit::no_input);
  EXPECT_EQ(exit_code_of([] { audio::read_input_text("/dev/urandom"); }), Exit::no_input);
}

}  // namespace
