#include "libaudio/json_out.hpp"

#include <gtest/gtest.h>

#include "libaudio/error.hpp"

namespace {

using audio::Error;
using audio::Exit;
using audio::Json;
using audio::require_schema;

// The message require_schema fails with, after checking it is a data error about `subject`.
std::string failure(const Json& doc) {
  try {
    require_schema(doc, "djb.weights/1", "w.json", "document");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::data);
    EXPECT_EQ(e.subject(), "w.json");
    return e.what();
  }
  return "";
}

TEST(RequireSchema, AcceptsTheNamedSchema) {
  EXPECT_EQ(failure(Json{{"schema", "djb.weights/1"}, {"weights", Json::object()}}), "");
}

TEST(RequireSchema, NamesWhatIsWrong) {
  EXPECT_EQ(failure(Json::array()), "not a djb.weights/1 document");
  EXPECT_EQ(failure(Json::object()), "schema is missing, expected djb.weights/1");
  EXPECT_EQ(failure(Json{{"schema", "djb.weights/2"}}),
            "schema is \"djb.weights/2\", expected djb.weights/1");
  EXPECT_EQ(failure(Json{{"schema", 1}}), "schema is 1, expected djb.weights/1");
}

}  // namespace
