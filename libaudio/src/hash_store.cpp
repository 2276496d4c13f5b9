#include "libaudio/hash_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "libaudio/atomic_file.hpp"
#include "libaudio/error.hpp"
#include "libaudio/sha256.hpp"

namespace audio {
namespace {

constexpr const char* kRecordSchema = "wf.hash.store/1";
constexpr std::size_t kEntrySize = 36;  // u32 value + 32-byte sha256
// A value shared by more indexed files than this says nothing about any one of them
// (silence, a common drum hit): it is left out of the vote.
constexpr std::size_t kMaxPostingsPerValue = 2000;

std::uint32_t mix32(std::uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

// Rank for sampling: its top 4 bits are the hash's low 4, so "rank < 2^28" keeps 1/16.
std::uint32_t sample_rank(std::uint32_t value) {
  const std::uint32_t h = mix32(value);
  return (h << 28) | (h >> 4);
}

unsigned bucket_of(std::uint32_t value) {
  return (mix32(value) >> 20) & 0xFFFu;
}

bool is_hex_key(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::array<std::uint8_t, 32> key_bytes(const std::string& hex) {
  std::array<std::uint8_t, 32> out{};
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i < 32; ++i) {
    out[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return out;
}

std::vector<std::uint32_t> query_values(const Fingerprint& fp) {
  std::vector<std::uint32_t> v = index_values(fp.items);
  std::vector<std::uint32_t> s = index_values(fp.shifted);
  std::vector<std::uint32_t> out;
  std::set_union(v.begin(), v.end(), s.begin(), s.end(), std::back_inserter(out));
  return out;
}

enum class Space { exact, content };

}  // namespace

std::vector<std::uint32_t> index_values(const std::vector<std::uint32_t>& items) {
  std::vector<std::uint32_t> distinct(items);
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranked;  // (rank, value)
  ranked.reserve(distinct.size());
  for (std::uint32_t v : distinct) ranked.emplace_back(sample_rank(v), v);
  std::sort(ranked.begin(), ranked.end());
  constexpr std::size_t kAtLeast = 8;
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    if (ranked[i].first >= (1u << 28) && i >= kAtLeast) break;
    out.push_back(ranked[i].second);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Json StoreRecord::to_json() const {
  Json j;
  j["schema"] = kRecordSchema;
  j["path"] = path;
  j["bytes"] = bytes;
  j["sha256"] = sha256;
  if (!content_sha256.empty()) {
    j["content_sha256"] = content_sha256;
    j["content_rule"] = content_rule;
  }
  if (!fingerprint.empty()) j["fingerprint"] = fingerprint;
  return j;
}

StoreRecord StoreRecord::from_json(const Json& doc) {
  // A record may have been edited by hand: every field is checked for its type, and any
  // surprise is "not a record" (65), never a type error escaping as an internal one.
  const auto text = [&doc](const char* key, bool required) -> std::string {
    const auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) {
      if (required) throw Error(Exit::data, "", "not a wf-hash store record");
      return {};
    }
    if (!it->is_string()) throw Error(Exit::data, "", "not a wf-hash store record");
    return it->get<std::string>();
  };
  if (!doc.is_object() || text("schema", true) != kRecordSchema) {
    throw Error(Exit::data, "", "not a wf-hash store record");
  }
  StoreRecord r;
  r.path = text("path", true);
  r.sha256 = text("sha256", true);
  if (const auto bytes = doc.find("bytes"); bytes != doc.end()) {
    // A count of bytes: an unsigned integer (a float such as 6e26 would not convert).
    if (!bytes->is_number_unsigned() && !(bytes->is_number_integer() && *bytes >= 0)) {
      throw Error(Exit::data, "", "not a wf-hash store record");
    }
    r.bytes = bytes->get<std::uint64_t>();
  }
  r.content_sha256 = text("content_sha256", false);
  r.content_rule = text("content_rule", false);
  r.fingerprint = text("fingerprint", false);
  return r;
}

const char* match_name(Match m) {
  switch (m) {
    case Match::exact:
      return "exact";
    case Match::content:
      return "content";
    case Match::acoustic:
      return "acoustic";
  }
  return "?";
}

// What a store keeps and how; the matching logic in claim() is shared.
struct HashStore::Backend {
  virtual ~Backend() = default;
  // Takes `key` in `space` for `record`, or returns the record that already holds it.
  virtual std::optional<StoreRecord> take(Space space, const std::string& key,
                                          const StoreRecord& record) = 0;
  // The record under an exact key (it must exist: the index only names claimed records).
  virtual StoreRecord record(const std::string& sha256) = 0;
  // Exclusive access to the fingerprint index for the lifetime of the returned guard.
  virtual std::shared_ptr<void> lock_index() = 0;
  // For each value, the sha256 keys of records indexed under it.
  virtual std::map<std::uint32_t, std::vector<std::string>> postings(
      const std::vector<std::uint32_t>& values) = 0;
  virtual void add_postings(const std::vector<std::uint32_t>& values,
                            const std::string& sha256) = 0;
};

namespace {

class MemoryBackend : public HashStore::Backend {
 public:
  std::optional<StoreRecord> take(Space space, const std::string& key,
                                  const StoreRecord& record) override {
    auto& map = space == Space::exact ? exact_ : content_;
    auto [it, inserted] = map.emplace(key, record);
    if (inserted) return std::nullopt;
    return it->second;
  }
  StoreRecord record(const std::string& sha256) override { return exact_.at(sha256); }
  std::shared_ptr<void> lock_index() override { return nullptr; }
  std::map<std::uint32_t, std::vector<std::string>> postings(
      const std::vector<std::uint32_t>& values) override {
    std::map<std::uint32_t, std::vector<std::string>> out;
    for (std::uint32_t v : values) {
      auto it = index_.find(v);
      if (it != index_.end()) out[v] = it->second;
    }
    return out;
  }
  void add_postings(const std::vector<std::uint32_t>& values, const std::string& sha256) override {
    for (std::uint32_t v : values) index_[v].push_back(sha256);
  }

 private:
  std::unordered_map<std::string, StoreRecord> exact_, content_;
  std::unordered_map<std::uint32_t, std::vector<std::string>> index_;
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

void make_dir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
    throw Error(Exit::cant_create, dir, "cannot create store directory: " + errno_text(errno));
  }
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Exit::io, path, "cannot read store file: " + errno_text(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(Exit::io, path, "read error");
  return text;
}

void write_all(int fd, const std::string& path, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(Exit::io, path, "write failed: " + errno_text(errno));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

class DirectoryBackend : public HashStore::Backend {
 public:
  explicit DirectoryBackend(std::string dir) : dir_(std::move(dir)) {
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    struct stat st {};
    if (stat(dir_.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      throw Error(Exit::cant_create, dir_, "store is not a directory");
    }
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);  // with its parents, like mkdir -p
    if (ec) throw Error(Exit::cant_create, dir_, "cannot create store directory: " + ec.message());
    make_dir(dir_ + "/content");
    make_dir(dir_ + "/fp");
    const std::string marker = dir_ + "/store.json";
    if (access(marker.c_str(), F_OK) != 0) {
      AtomicFile f(marker);
      const std::string text = Json{{"schema", kRecordSchema}}.dump() + "\n";
      write_all(f.fd(), marker, text.data(), text.size());
      f.commit();
    }
    if (access(dir_.c_str(), W_OK) != 0) {
      throw Error(Exit::cant_create, dir_, "store is not writable");
    }
  }

  std::optional<StoreRecord> take(Space space, const std::string& key,
                                  const StoreRecord& record) override {
    if (!is_hex_key(key)) throw Error(Exit::software, key, "not a SHA-256 key");
    const std::string parent =
        (space == Space::exact ? dir_ : dir_ + "/content") + "/" + key.substr(0, 2);
    make_dir(parent);
    const std::string target = parent + "/" + key.substr(2);
    AtomicFile temp(target);  // removed when it goes out of scope, linked or not
    const std::string text = record.to_json().dump() + "\n";
    write_all(temp.fd(), temp.temp_path(), text.data(), text.size());
    if (::link(temp.temp_path().c_str(), target.c_str()) == 0) return std::nullopt;
    if (errno != EEXIST) {
      throw Error(Exit::cant_create, target, "cannot write store record: " + errno_text(errno));
    }
    return load(target);
  }

  StoreRecord record(const std::string& sha256) override {
    return load(dir_ + "/" + sha256.substr(0, 2) + "/" + sha256.substr(2));
  }

  std::shared_ptr<void> lock_index() override {
    const std::string path = dir_ + "/fp/lock";
    auto fd = std::make_shared<Fd>(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666));
    if (fd->get() < 0) throw Error(Exit::cant_create, path, "cannot open: " + errno_text(errno));
    while (flock(fd->get(), LOCK_EX) != 0) {
      if (errno != EINTR) throw Error(Exit::io, path, "cannot lock: " + errno_text(errno));
    }
    return fd;  // closing the descriptor releases the lock
  }

  std::map<std::uint32_t, std::vector<std::string>> postings(
      const std::vector<std::uint32_t>& values) override {
    std::map<unsigned, std::vector<std::uint32_t>> by_bucket;
    for (std::uint32_t v : values) by_bucket[bucket_of(v)].push_back(v);
    std::map<std::uint32_t, std::vector<std::string>> out;
    for (const auto& [bucket, wanted] : by_bucket) {
      const std::string path = bucket_path(bucket);
      if (access(path.c_str(), F_OK) != 0) continue;
      const std::string data = read_all(path);
      // A crash mid-append can leave a partial entry at the end: ignore it.
      for (std::size_t pos = 0; pos + kEntrySize <= data.size(); pos += kEntrySize) {
        const auto* e = reinterpret_cast<const std::uint8_t*>(data.data() + pos);
        const std::uint32_t value = static_cast<std::uint32_t>(e[0]) | (e[1] << 8) | (e[2] << 16) |
                                    (static_cast<std::uint32_t>(e[3]) << 24);
        if (!std::binary_search(wanted.begin(), wanted.end(), value)) continue;
        out[value].push_back(to_hex(e + 4, 32));
      }
    }
    return out;
  }

  void add_postings(const std::vector<std::uint32_t>& values, const std::string& sha256) override {
    const auto key = key_bytes(sha256);
    std::map<unsigned, std::string> by_bucket;
    for (std::uint32_t v : values) {
      std::string& buf = by_bucket[bucket_of(v)];
      const char entry[4] = {static_cast<char>(v), static_cast<char>(v >> 8),
                             static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
      buf.append(entry, 4);
      buf.append(reinterpret_cast<const char*>(key.data()), key.size());
    }
    for (const auto& [bucket, buf] : by_bucket) {
      const std::string path = bucket_path(bucket);
      Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666));
      if (fd.get() < 0) throw Error(Exit::cant_create, path, "cannot open: " + errno_text(errno));
      // Under the index lock: cut a partial entry a crashed writer left, then append.
      struct stat st {};
      if (fstat(fd.get(), &st) == 0 && st.st_size % static_cast<off_t>(kEntrySize) != 0) {
        if (ftruncate(fd.get(), st.st_size - st.st_size % static_cast<off_t>(kEntrySize)) != 0) {
          throw Error(Exit::io, path, "cannot repair: " + errno_text(errno));
        }
      }
      write_all(fd.get(), path, buf.data(), buf.size());
    }
  }

 private:
  std::string bucket_path(unsigned bucket) const {
    static const char* digits = "0123456789abcdef";
    const char name[4] = {digits[(bucket >> 8) & 15], digits[(bucket >> 4) & 15],
                          digits[bucket & 15], 0};
    return dir_ + "/fp/" + name;
  }

  static StoreRecord load(const std::string& path) {
    const std::string text = read_all(path);
    Json doc = Json::parse(text, nullptr, false);
    if (doc.is_discarded()) {
      throw Error(Exit::data, path, "corrupt store record (delete it to repair the store)");
    }
    try {
      return StoreRecord::from_json(doc);
    } catch (const Error&) {
      throw Error(Exit::data, path, "corrupt store record (delete it to repair the store)");
    }
  }

  std::string dir_;
};

}  // namespace

HashStore::HashStore(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {}
HashStore::HashStore(HashStore&&) noexcept = default;
HashStore& HashStore::operator=(HashStore&&) noexcept = default;
HashStore::~HashStore() = default;

HashStore HashStore::open_directory(const std::string& dir) {
  return HashStore(std::make_unique<DirectoryBackend>(dir));
}

HashStore HashStore::in_memory() {
  return HashStore(std::make_unique<MemoryBackend>());
}

std::optional<Duplicate> HashStore::claim(const StoreRecord& record, const Fingerprint* fp,
                                          double threshold) {
  if (auto prior = backend_->take(Space::exact, record.sha256, record)) {
    return Duplicate{*prior, Match::exact, 1.0};
  }
  if (!record.content_sha256.empty()) {
    if (auto prior = backend_->take(Space::content, record.content_sha256, record)) {
      return Duplicate{*prior, Match::content, 1.0};
    }
  }
  if (!fp || !fp->usable()) return std::nullopt;

  const std::vector<std::uint32_t> values = query_values(*fp);
  auto guard = backend_->lock_index();
  std::map<std::string, std::size_t> votes;
  for (const auto& [value, keys] : backend_->postings(values)) {
    if (keys.size() > kMaxPostingsPerValue) continue;
    std::set<std::string> distinct(keys.begin(), keys.end());
    for (const std::string& k : distinct) ++votes[k];
  }
  votes.erase(record.sha256);
  const std::size_t min_votes = std::min<std::size_t>(2, values.size());
  std::vector<std::pair<std::size_t, std::string>> ranked;
  for (const auto& [key, n] : votes) {
    if (n >= min_votes) ranked.emplace_back(n, key);
  }
  // Most shared values first; equal counts in key order, so the choice is deterministic.
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (ranked.size() > kMaxCandidates) ranked.resize(kMaxCandidates);

  std::optional<Duplicate> best;
  for (const auto& candidate : ranked) {
    StoreRecord prior = backend_->record(candidate.second);
    if (prior.fingerprint.empty()) continue;
    const double score = similarity(*fp, Fingerprint::decode(prior.fingerprint)).score;
    if (score >= threshold && (!best || score > best->similarity)) {
      best = Duplicate{std::move(prior), Match::acoustic, score};
    }
  }
  if (!best) backend_->add_postings(index_values(fp->items), record.sha256);
  return best;
}

}  // namespace audio
