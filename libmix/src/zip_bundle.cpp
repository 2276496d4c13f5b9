#include "libmix/zip_bundle.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "fd_io.hpp"
#include "libaudio/atomic_file.hpp"
#include "libaudio/error.hpp"

namespace mix {
namespace {

using audio::Error;
using audio::Exit;

constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kEndSig = 0x06054b50;
constexpr std::uint16_t kUtf8Flag = 1u << 11;
constexpr std::uint16_t kDosTime = 0;                 // 00:00:00
constexpr std::uint16_t kDosDate = (1 << 5) | 1;      // 1980-01-01 (year 0 = 1980, month 1, day 1)
constexpr std::uint16_t kMadeByUnix = (3 << 8) | 20;  // host Unix, spec 2.0
constexpr std::uint32_t kMode0644 = 0100644u << 16;   // regular file, rw-r--r--
constexpr std::uint64_t kMax32 = 0xFFFFFFFFu;  // without ZIP64, every offset and size fits here
constexpr std::size_t kLocalHeader = 30, kEndRecord = 22;
constexpr std::size_t kCopyBlock = 1 << 20;

struct Entry {
  std::string name;
  std::uint16_t method = 0;  // 0 stored, 8 deflated
  std::uint32_t crc = 0;
  std::uint64_t compressed = 0, size = 0, offset = 0;
};

class Bytes {
 public:
  void u16(std::uint16_t v) {
    b_.push_back(static_cast<std::uint8_t>(v));
    b_.push_back(static_cast<std::uint8_t>(v >> 8));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v));
    u16(static_cast<std::uint16_t>(v >> 16));
  }
  void str(const std::string& s) { b_.insert(b_.end(), s.begin(), s.end()); }
  const std::vector<std::uint8_t>& data() const { return b_; }

 private:
  std::vector<std::uint8_t> b_;
};

std::uint16_t version_needed(const Entry& e) {
  return e.method == 8 ? 20 : 10;
}

// The fields the local and the central header share, from "version needed" to the name's
// length: the ZIP format lays them out alike in both.
void shared_fields(Bytes& h, const Entry& e) {
  h.u16(version_needed(e));
  h.u16(kUtf8Flag);
  h.u16(e.method);
  h.u16(kDosTime);
  h.u16(kDosDate);
  h.u32(e.crc);
  h.u32(static_cast<std::uint32_t>(e.compressed));
  h.u32(static_cast<std::uint32_t>(e.size));
  h.u16(static_cast<std::uint16_t>(e.name.size()));
}

Bytes local_header(const Entry& e) {
  Bytes h;
  h.u32(kLocalSig);
  shared_fields(h, e);
  h.u16(0);  // no extra field (no timestamps, uid/gid: deterministic)
  h.str(e.name);
  return h;
}

// Raw deflate (no zlib header), as ZIP's method 8 wants. Returns nullopt if it does not
// make the text smaller.
std::optional<std::string> deflate_raw(const std::string& text) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error(Exit::software, "zlib", "deflateInit2 failed");
  }
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const auto n = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw Error(Exit::software, "zlib", "deflate failed");
  if (n >= text.size()) return std::nullopt;
  out.resize(n);
  return out;
}

std::uint32_t crc_of(const void* data, std::size_t n, std::uint32_t crc = 0) {
  return static_cast<std::uint32_t>(
      crc32_z(crc, static_cast<const Bytef*>(data), static_cast<z_size_t>(n)));
}

void check_name(const std::string& name, const std::set<std::string>& taken) {
  auto bad = [&](const std::string& why) {
    return Error(Exit::usage, name, "bad name in ZIP: " + why);
  };
  if (name.empty()) throw bad("empty");
  if (name.size() > 0xFFFF) throw bad("longer than 65535 bytes");
  if (name.front() == '/') throw bad("absolute");
  if (name.back() == '/') throw bad("names a directory");
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F || c == '\\') throw bad("control character or backslash");
  }
  std::size_t start = 0;
  while (start <= name.size()) {
    const auto end = std::min(name.find('/', start), name.size());
    const auto part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") throw bad("empty, '.' or '..' component");
    start = end + 1;
  }
  if (taken.count(name)) throw Error(Exit::usage, name, "already in the ZIP");
}

// A source file's descriptor, closed on every path.
class InputFd {
 public:
  explicit InputFd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw Error(Exit::no_input, path, "cannot open: " + audio::errno_text(errno));
  }
  ~InputFd() { ::close(fd_); }
  InputFd(const InputFd&) = delete;
  InputFd& operator=(const InputFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

struct ZipBundle::Impl {
  std::string path;
  audio::AtomicFile file;
  std::vector<Entry> entries;
  std::set<std::string> names;
  std::uint64_t offset = 0;  // bytes written so far
  bool broken = false;       // a member was half-written: the archive cannot be finished
  bool committed = false;

  explicit Impl(const std::string& p) : path(p), file(p) {}

  void usable() const {
    if (committed) throw Error(Exit::software, path, "ZIP already committed");
    if (broken) throw Error(Exit::software, path, "ZIP is incomplete after an earlier error");
  }
  void fits(const Entry& e) const {
    const std::uint64_t end = offset + kLocalHeader + e.name.size() + e.compressed;
    if (e.size > kMax32 || end > kMax32 || entries.size() + 1 > 0xFFFF) {
      throw Error(
          Exit::cant_create, path,
          "adding " + e.name + " would pass 4 GiB or 65535 members (ZIP64 is not supported)");
    }
  }
  void put(const void* data, std::size_t n) {
    detail::write_all(file.fd(), data, n, path);
    offset += n;
  }
  void put(const Bytes& b) { put(b.data().data(), b.data().size()); }
};

ZipBundle::ZipBundle(const std::string& path) : impl_(std::make_unique<Impl>(path)) {}
ZipBundle::~ZipBundle() = default;  // the AtomicFile removes an uncommitted temporary

void ZipBundle::add_text(const std::string& name_in_zip, const std::string& text) {
  auto& m = *impl_;
  m.usable();
  check_name(name_in_zip, m.names);
  Entry e;
  e.name = name_in_zip;
  e.size = text.size();
  e.crc = crc_of(text.data(), text.size());
  const auto deflated = deflate_raw(text);
  e.method = deflated ? 8 : 0;
  const std::string& body = deflated ? *deflated : text;
  e.compressed = body.size();
  e.offset = m.offset;
  m.fits(e);
  m.broken = true;
  m.put(local_header(e));
  m.put(body.data(), body.size());
  m.broken = false;
  m.entries.push_back(e);
  m.names.insert(e.name);
}

void ZipBundle::add_file(const std::string& name_in_zip, const std::string& source_path) {
  auto& m = *impl_;
  m.usable();
  check_name(name_in_zip, m.names);
  InputFd in(source_path);
  struct stat st {};
  if (fstat(in.get(), &st) != 0) {
    throw Error(Exit::no_input, source_path, "cannot read: " + audio::errno_text(errno));
  }
  if (!S_ISREG(st.st_mode)) throw Error(Exit::no_input, source_path, "not a regular file");
  Entry e;
  e.name = name_in_zip;
  e.size = e.compressed = static_cast<std::uint64_t>(st.st_size);
  e.offset = m.offset;
  m.fits(e);

  // The CRC is known only after the copy: the header goes out with 0 and is patched.
  m.broken = true;
  m.put(local_header(e));
  std::vector<unsigned char> buf(kCopyBlock);
  std::uint64_t copied = 0;
  for (;;) {
    const ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(Exit::io, source_path, "read failed: " + audio::errno_text(errno));
    }
    if (n == 0) break;
    copied += static_cast<std::uint64_t>(n);
    if (copied > e.size) break;
    e.crc = crc_of(buf.data(), static_cast<std::size_t>(n), e.crc);
    m.put(buf.data(), static_cast<std::size_t>(n));
  }
  if (copied != e.size) throw Error(Exit::io, source_path, "changed size while being read");
  Bytes crc;
  crc.u32(e.crc);
  detail::pwrite_all(m.file.fd(), crc.data().data(), 4, static_cast<off_t>(e.offset + 14), m.path);
  m.broken = false;
  m.entries.push_back(e);
  m.names.insert(e.name);
}

void ZipBundle::commit() {
  auto& m = *impl_;
  m.usable();
  Bytes cd;
  for (const auto& e : m.entries) {
    cd.u32(kCentralSig);
    cd.u16(kMadeByUnix);
    shared_fields(cd, e);
    cd.u16(0);  // extra
    cd.u16(0);  // comment
    cd.u16(0);  // disk
    cd.u16(0);  // internal attributes
    cd.u32(kMode0644);
    cd.u32(static_cast<std::uint32_t>(e.offset));
    cd.str(e.name);
  }
  const std::uint64_t cd_offset = m.offset, cd_size = cd.data().size();
  if (cd_offset + cd_size + kEndRecord > kMax32) {
    throw Error(Exit::cant_create, m.path, "the ZIP would pass 4 GiB (ZIP64 is not supported)");
  }
  Bytes end;
  end.u32(kEndSig);
  end.u16(0);  // this disk
  end.u16(0);  // disk with the central directory
  end.u16(static_cast<std::uint16_t>(m.entries.size()));
  end.u16(static_cast<std::uint16_t>(m.entries.size()));
  end.u32(static_cast<std::uint32_t>(cd_size));
  end.u32(static_cast<std::uint32_t>(cd_offset));
  end.u16(0);  // comment length
  m.put(cd);
  m.put(end);
  m.file.commit();
  m.committed = true;
}

}  // namespace mix
