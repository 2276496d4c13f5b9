#include "libaudio/input_source.hpp"

#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libaudio/sha256.hpp"
#include "test_util.hpp"

namespace {

using audio::Exit;
using audio::InputSource;

Exit code_of(const std::string& path, long long max_bytes = -1) {
  return testutil::exit_code_of([&] { InputSource in(path, max_bytes); });
}

TEST(InputSource, RegularFileIsReadWhereItIs) {
  testutil::TempDir dir;
  std::ofstream(dir / "a.bin") << std::string(5000, 'x');
  InputSource in(dir / "a.bin");
  EXPECT_FALSE(in.spooled());
  EXPECT_EQ(in.source(), dir / "a.bin");
  EXPECT_EQ(in.bytes(), 5000u);
  EXPECT_EQ(in.sha256(), audio::sha256_file(dir / "a.bin").sha256);
}

TEST(InputSource, PipeIsSpooledOnceAndTheSpoolIsRemoved) {
  testutil::TempDir dir;
  const std::string fifo = dir / "fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // Several read blocks, beginning as a WAV file does (a spool refuses what no format reads).
  std::string data(3 << 20, 'y');
  data.replace(0, 16, std::string("RIFF\xff\xff\xff\x7fWAVEfmt ", 16));
  std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << data; });
  std::string spool;
  {
    InputSource in(fifo);
    writer.join();
    EXPECT_TRUE(in.spooled());
    spool = in.source();
    EXPECT_NE(spool, fifo);
    EXPECT_EQ(std::filesystem::file_size(spool), data.size());
    audio::Sha256 sha;
    sha.update(data.data(), data.size());
    EXPECT_EQ(in.sha256(), sha.hex_digest());
  }
  EXPECT_FALSE(std::filesystem::exists(spool));
}

TEST(InputSource, NoiseOnAPipeIsRefusedAfterItsFirstBlock) {
  testutil::TempDir dir;
  const std::string fifo = dir / "noise";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;  // the writer outlives the reader
  sigaction(SIGPIPE, &ignore, &old);
  std::thread writer([&] {
    std::ofstream out(fifo, std::ios::binary);
    const std::string block(1 << 16, '\x5a');
    for (int i = 0; i < 4096 && out.write(block.data(), static_cast<std::streamsize>(block.size()));
         ++i) {
    }
  });
  EXPECT_EQ(code_of(fifo), Exit::data);  // after 1 MiB, not the 256 MiB the writer offers
  writer.join();
  sigaction(SIGPIPE, &old, nullptr);
}

TEST(InputSource, BadInputsGetTheirCodes) {
  testutil::TempDir dir;
  std::ofstream(dir / "empty.wav").close();
  std::ofstream(dir / "big.bin") << std::string(2000, 'z');
  EXPECT_EQ(code_of(dir / "missing.wav"), Exit::no_input);
  EXPECT_EQ(code_of(dir.path().string()), Exit::no_input);
  EXPECT_EQ(code_of(dir / "empty.wav"), Exit::data);
  EXPECT_EQ(code_of(dir / "big.bin", 1999), Exit::data);
  EXPECT_EQ(code_of(dir / "big.bin", 2000), Exit::ok);
}

}  // namespace
