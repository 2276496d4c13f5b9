#include "libaudio/error.hpp"

#include <new>
#include <stdexcept>

#include <gtest/gtest.h>

namespace {

using audio::as_error;
using audio::Error;
using audio::Exit;

TEST(AsError, KeepsAnErrorAsItIs) {
  const Error e = as_error(Error(Exit::no_input, "a.wav", "cannot open"), "b.wav");
  EXPECT_EQ(e.code(), Exit::no_input);
  EXPECT_EQ(e.subject(), "a.wav");
  EXPECT_STREQ(e.what(), "cannot open");
}

TEST(AsError, OutOfMemoryIsASoftwareErrorAboutTheSubject) {
  const Error e = as_error(std::bad_alloc(), "b.wav");
  EXPECT_EQ(e.code(), Exit::software);
  EXPECT_EQ(e.subject(), "b.wav");
  EXPECT_STREQ(e.what(), "out of memory");
}

TEST(AsError, AnyOtherExceptionIsAnInternalError) {
  const Error e = as_error(std::logic_error("vector::at"), "");
  EXPECT_EQ(e.code(), Exit::software);
  EXPECT_EQ(e.subject(), "");
  EXPECT_STREQ(e.what(), "internal error: vector::at");
}

}  // namespace
