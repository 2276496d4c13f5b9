#include "libaudio/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace {

// Everything written to stderr between start() and stop(), through a temporary file.
class StderrCapture {
 public:
  void start() {
    std::fflush(stderr);
    saved_ = dup(STDERR_FILENO);
    file_ = std::tmpfile();
    ASSERT_NE(file_, nullptr);
    dup2(fileno(file_), STDERR_FILENO);
  }
  std::string stop() {
    std::fflush(stderr);
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    std::string out;
    std::rewind(file_);
    for (int c; (c = std::fgetc(file_)) != EOF;) out += static_cast<char>(c);
    std::fclose(file_);
    return out;
  }

 private:
  int saved_ = -1;
  std::FILE* file_ = nullptr;
};

const std::string kErase = "\r\033[K";

TEST(Progress, AMessageFirstErasesTheBarWhichComesBackAtItsNextUpdate) {
  StderrCapture cap;
  cap.start();
  {
    audio::Progress bar(true, "job", 10);
    bar.update(3);
    audio::clear_progress_line();
    std::fprintf(stderr, "job: a message\n");
    audio::clear_progress_line();  // nothing drawn now: writes nothing
    bar.update(4);                 // within 100 ms, but the line was taken: drawn again
  }
  const std::string out = cap.stop();
  const std::string message = kErase + "job: a message\n";
  const auto at = out.find(message);
  ASSERT_NE(at, std::string::npos) << out;
  // Before the message: the bar at 30 %; after it: the bar at 40 %, then the final erase.
  EXPECT_NE(out.substr(0, at).find(" 30%"), std::string::npos) << out;
  const std::string after = out.substr(at + message.size());
  EXPECT_EQ(after.rfind(kErase + "job [", 0), 0u) << after;
  EXPECT_NE(after.find(" 40%"), std::string::npos) << after;
  EXPECT_EQ(after.substr(after.size() - kErase.size()), kErase);
}

TEST(Progress, ADisabledBarDrawsAndErasesNothing) {
  StderrCapture cap;
  cap.start();
  {
    audio::Progress bar(false, "job", 10);
    bar.update(5);
    audio::clear_progress_line();
    bar.finish();
  }
  EXPECT_EQ(cap.stop(), "");
}

TEST(Progress, AnUnknownTotalShowsTheAmount) {
  StderrCapture cap;
  cap.start();
  {
    audio::Progress bar(true, "decoding", 0);
    bar.update(12.5);
  }
  const std::string out = cap.stop();
  EXPECT_NE(out.find("decoding 12.5 "), std::string::npos) << out;
  EXPECT_EQ(out.substr(out.size() - kErase.size()), kErase);
}

}  // namespace
