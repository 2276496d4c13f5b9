#include "libaudio/hash_store.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libaudio/sha256.hpp"
#include "test_util.hpp"

namespace {

namespace fs = std::filesystem;
using audio::Fingerprint;
using audio::HashStore;
using audio::Match;
using audio::StoreRecord;

std::string key_of(const std::string& text) {
  audio::Sha256 sha;
  sha.update(text.data(), text.size());
  return sha.hex_digest();
}

StoreRecord record(const std::string& path, const std::string& content = "") {
  StoreRecord r;
  r.path = path;
  r.bytes = path.size();
  r.sha256 = key_of("file:" + path);
  if (!content.empty()) {
    r.content_sha256 = key_of("content:" + content);
    r.content_rule = "pcm";
  }
  return r;
}

Fingerprint random_fingerprint(std::uint32_t seed, std::size_t n = 500) {
  std::mt19937 rng(seed);
  Fingerprint fp;
  for (std::size_t i = 0; i < n; ++i) fp.items.push_back(static_cast<std::uint32_t>(rng()));
  return fp;
}

// A re-encoded copy, roughly: a third of the items get one bit flipped.
Fingerprint variant(const Fingerprint& base, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Fingerprint fp = base;
  for (auto& v : fp.items) {
    if (rng() % 3 == 0) v ^= 1u << (rng() % 32);
  }
  return fp;
}

StoreRecord with_fp(StoreRecord r, const Fingerprint& fp) {
  r.fingerprint = fp.encoded();
  return r;
}

std::vector<std::string> files_starting_with_dot(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().filename().string()[0] == '.') out.push_back(e.path().string());
  }
  return out;
}

TEST(IndexValues, SamplesAboutOneSixteenthAndAtLeastEight) {
  auto fp = random_fingerprint(1, 4000);
  auto v = audio::index_values(fp.items);
  EXPECT_GT(v.size(), 4000u / 16 - 70);
  EXPECT_LT(v.size(), 4000u / 16 + 70);
  EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
  std::set<std::uint32_t> all(fp.items.begin(), fp.items.end());
  for (auto x : v) EXPECT_TRUE(all.count(x));
  // Chosen by value, not position: a trimmed copy keeps the choices it still contains.
  std::vector<std::uint32_t> trimmed(fp.items.begin() + 100, fp.items.end());
  auto t = audio::index_values(trimmed);
  std::set<std::uint32_t> in_trimmed(trimmed.begin(), trimmed.end());
  for (auto x : v) {
    if (in_trimmed.count(x)) {
      EXPECT_TRUE(std::binary_search(t.begin(), t.end(), x));
    }
  }
  auto small = random_fingerprint(2, 10);
  EXPECT_EQ(audio::index_values(small.items).size(), 8u);
  EXPECT_EQ(audio::index_values(small.items), audio::index_values(small.items));
}

TEST(HashStore, MemoryStoreFindsExactContentAndAcousticDuplicates) {
  HashStore store = HashStore::in_memory();
  auto base = random_fingerprint(7);
  auto a = with_fp(record("a.wav", "A"), base);
  EXPECT_FALSE(store.claim(a, &base));
  // Same bytes again.
  auto dup = store.claim(record("a.wav", "A"), nullptr);
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->match, Match::exact);
  EXPECT_EQ(dup->original.path, "a.wav");
  // Same content in another file.
  dup = store.claim(record("a.flac", "A"), nullptr);
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->match, Match::content);
  EXPECT_EQ(dup->original.path, "a.wav");
  // Another encoding of the same recording.
  auto near = variant(base, 1);
  dup = store.claim(with_fp(record("a.mp3", "A-mp3"), near), &near);
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->match, Match::acoustic);
  EXPECT_EQ(dup->original.path, "a.wav");
  EXPECT_GT(dup->similarity, 0.95);
  EXPECT_LT(dup->similarity, 1.0);
  // Something else entirely.
  auto other = random_fingerprint(8);
  EXPECT_FALSE(store.claim(with_fp(record("b.wav", "B"), other), &other));
  // A strict threshold turns the near-duplicate away.
  auto near2 = variant(base, 2);
  EXPECT_FALSE(store.claim(with_fp(record("a2.mp3", "A-mp3-2"), near2), &near2, 0.999));
}

TEST(HashStore, AcousticMatchFindsTrimmedCopiesThroughTheIndex) {
  HashStore store = HashStore::in_memory();
  auto base = random_fingerprint(11, 900);
  EXPECT_FALSE(store.claim(with_fp(record("long.wav"), base), &base));
  Fingerprint trimmed;
  trimmed.items.assign(base.items.begin() + 40, base.items.end() - 25);
  trimmed = variant(trimmed, 3);
  auto dup = store.claim(with_fp(record("trimmed.mp3"), trimmed), &trimmed);
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->match, Match::acoustic);
  EXPECT_EQ(dup->original.path, "long.wav");
}

TEST(HashStore, DirectoryStoreLayoutPersistsAcrossOpens) {
  testutil::TempDir dir;
  const std::string root = dir / "store";
  auto base = random_fingerprint(21);
  auto a = with_fp(record("/music/a.wav", "A"), base);
  {
    HashStore store = HashStore::open_directory(root);
    EXPECT_FALSE(store.claim(a, &base));
  }
  EXPECT_TRUE(fs::exists(root + "/store.json"));
  const std::string exact = root + "/" + a.sha256.substr(0, 2) + "/" + a.sha256.substr(2);
  const std::string content =
      root + "/content/" + a.content_sha256.substr(0, 2) + "/" + a.content_sha256.substr(2);
  ASSERT_TRUE(fs::exists(exact));
  ASSERT_TRUE(fs::exists(content));
  std::ifstream in(exact);
  std::string line;
  std::getline(in, line);
  auto rec = StoreRecord::from_json(audio::Json::parse(line));
  EXPECT_EQ(rec.path, "/music/a.wav");
  EXPECT_EQ(rec.fingerprint, a.fingerprint);
  EXPECT_FALSE(fs::is_empty(root + "/fp"));

  HashStore again = HashStore::open_directory(root);
  auto dup = again.claim(record("/music/a.wav", "A"), nullptr);
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->match, Match::exact);
  auto near = variant(base, 5);
  dup = again.claim(with_fp(record("/music/a.ogg", "A-ogg"), near), &near);
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->match, Match::acoustic);
  EXPECT_EQ(dup->original.path, "/music/a.wav");
  EXPECT_TRUE(files_starting_with_dot(root).empty());
}

TEST(HashStore, ConcurrentThreadsClaimEachKeyExactlyOnce) {
  testutil::TempDir dir;
  const std::string root = dir / "store";
  constexpr int kThreads = 8, kKeys = 60;
  std::vector<std::map<int, std::string>> seen(kThreads);  // key -> "" (won) or winner path
  std::vector<std::string> errors(kThreads);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Errors are collected, not thrown: an exception leaving a thread would abort.
      try {
        std::optional<HashStore> store;
        try {
          store.emplace(HashStore::open_directory(root));
        } catch (...) {
          start.count_down();
          throw;
        }
        std::vector<int> order(kKeys);
        for (int k = 0; k < kKeys; ++k) order[k] = k;
        std::shuffle(order.begin(), order.end(), std::mt19937(static_cast<unsigned>(t)));
        start.arrive_and_wait();
        for (int k : order) {
          StoreRecord r = record(std::string("key").append(std::to_string(k)),
                                 std::string("c").append(std::to_string(k)));
          r.path = std::string("thread").append(std::to_string(t));  // same keys, other claimants
          auto dup = store->claim(r, nullptr);
          seen[t][k] = dup ? dup->original.path : "";
        }
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& e : errors) ASSERT_EQ(e, "");
  for (int k = 0; k < kKeys; ++k) {
    int winners = 0;
    std::string winner;
    for (int t = 0; t < kThreads; ++t) {
      if (seen[t][k].empty()) ++winners, winner = "thread" + std::to_string(t);
    }
    ASSERT_EQ(winners, 1) << "key " << k;
    for (int t = 0; t < kThreads; ++t) {
      if (!seen[t][k].empty()) {
        EXPECT_EQ(seen[t][k], winner) << "key " << k;
      }
    }
  }
  EXPECT_TRUE(files_starting_with_dot(root).empty());
}

TEST(HashStore, ForkedProcessesClaimEachKeyExactlyOnce) {
  testutil::TempDir dir;
  const std::string root = dir / "store";
  constexpr int kProcs = 4, kKeys = 40;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int rc = 0;
      try {
        HashStore store = HashStore::open_directory(root);
        std::ofstream out(dir / ("result" + std::to_string(p)));
        for (int i = 0; i < kKeys; ++i) {
          const int k = (i * 7 + p * 13) % kKeys;  // a different order in each process
          StoreRecord r = record("key" + std::to_string(k));
          r.path = "proc" + std::to_string(p);
          auto dup = store.claim(r, nullptr);
          out << k << ' ' << (dup ? dup->original.path : "WON") << '\n';
        }
      } catch (...) {
        rc = 1;
      }
      _exit(rc);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::map<int, std::vector<std::pair<int, std::string>>> by_key;
  for (int p = 0; p < kProcs; ++p) {
    std::ifstream in(dir / ("result" + std::to_string(p)));
    int k;
    std::string who;
    while (in >> k >> who) by_key[k].emplace_back(p, who);
  }
  ASSERT_EQ(by_key.size(), static_cast<std::size_t>(kKeys));
  for (const auto& [k, results] : by_key) {
    ASSERT_EQ(results.size(), static_cast<std::size_t>(kProcs));
    std::string winner;
    for (const auto& [p, who] : results) {
      if (who == "WON") {
        EXPECT_TRUE(winner.empty()) << "two winners for key " << k;
        winner = "proc" + std::to_string(p);
      }
    }
    ASSERT_FALSE(winner.empty()) << "no winner for key " << k;
    for (const auto& [p, who] : results) {
      if (who != "WON") {
        EXPECT_EQ(who, winner);
      }
    }
  }
}

TEST(HashStore, ConcurrentNearDuplicatesAreReportedExactlyOnce) {
  for (int round = 0; round < 5; ++round) {
    testutil::TempDir dir;
    const std::string root = dir / "store";
    constexpr int kThreads = 6;
    const Fingerprint base = random_fingerprint(100 + static_cast<std::uint32_t>(round));
    std::vector<std::optional<audio::Duplicate>> result(kThreads);
    std::vector<std::string> errors(kThreads);
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        const Fingerprint fp = variant(base, static_cast<std::uint32_t>(t + 1));
        const auto r = with_fp(record("copy" + std::to_string(t)), fp);
        start.arrive_and_wait();
        try {
          HashStore store = HashStore::open_directory(root);
          result[t] = store.claim(r, &fp);
        } catch (const std::exception& e) {
          errors[t] = e.what();
        }
      });
    }
    for (auto& th : threads) th.join();
    for (const auto& e : errors) ASSERT_EQ(e, "");
    int originals = 0;
    std::string original;
    for (int t = 0; t < kThreads; ++t) {
      if (!result[t]) ++originals, original = "copy" + std::to_string(t);
    }
    ASSERT_EQ(originals, 1) << "round " << round;
    for (int t = 0; t < kThreads; ++t) {
      if (!result[t]) continue;
      EXPECT_EQ(result[t]->match, Match::acoustic);
      EXPECT_EQ(result[t]->original.path, original);
    }
  }
}

TEST(HashStore, SurvivesATornIndexEntry) {
  testutil::TempDir dir;
  const std::string root = dir / "store";
  HashStore store = HashStore::open_directory(root);
  auto a = random_fingerprint(31);
  EXPECT_FALSE(store.claim(with_fp(record("a"), a), &a));
  // A writer killed mid-append leaves a partial entry in every bucket it touched.
  for (const auto& e : fs::directory_iterator(root + "/fp")) {
    if (e.path().filename() == "lock") continue;
    std::ofstream(e.path(), std::ios::app | std::ios::binary) << "junk!";
  }
  auto b = random_fingerprint(32);
  EXPECT_FALSE(store.claim(with_fp(record("b"), b), &b));
  auto near_a = variant(a, 9), near_b = variant(b, 9);
  auto dup = store.claim(with_fp(record("a2"), near_a), &near_a);
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->original.path, "a");
  dup = store.claim(with_fp(record("b2"), near_b), &near_b);
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->original.path, "b");
}

TEST(HashStore, CorruptRecordIsADataErrorNamingIt) {
  testutil::TempDir dir;
  const std::string root = dir / "store";
  HashStore store = HashStore::open_directory(root);
  auto r = record("a");
  EXPECT_FALSE(store.claim(r, nullptr));
  const std::string path = root + "/" + r.sha256.substr(0, 2) + "/" + r.sha256.substr(2);
  std::ofstream(path, std::ios::trunc) << "";
  try {
    store.claim(r, nullptr);
    FAIL() << "no error";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::data);
    EXPECT_EQ(e.subject(), path);
  }
}

TEST(HashStore, StoreThatIsAFileCannotBeCreated) {
  testutil::TempDir dir;
  std::ofstream(dir / "file") << "x";
  try {
    HashStore::open_directory(dir / "file");
    FAIL() << "no error";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::cant_create);
  }
}

}  // namespace
