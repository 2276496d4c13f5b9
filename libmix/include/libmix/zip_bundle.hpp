// Writing a ZIP archive (PKWARE APPNOTE 6.3) of a few files, deterministically and atomically.
//
// Members are written in the order added. add_file() copies a file in chunks, stored (MP3
// does not compress); add_text() deflates the text with zlib when that makes it smaller,
// else stores it. Every entry has its CRC-32, the UTF-8 name flag (bit 11), fixed DOS
// date/time 1980-01-01 00:00:00, no extra fields and Unix permissions 0644 in the central
// directory, so the same inputs always give a byte-identical archive. No ZIP64: an archive
// that would pass 4 GiB - 1 (or a member that large, or more than 65535 members) is an
// error, Error(cant_create). Names are relative, '/'-separated, without "..", unique.
//
// The archive is written to a temporary beside `path` (audio::AtomicFile) and renamed into
// place by commit(); destroying an uncommitted bundle removes the temporary.
#pragma once

#include <memory>
#include <string>

namespace mix {

class ZipBundle {
 public:
  // Throws audio::Error(cant_create) when the file cannot be created.
  explicit ZipBundle(const std::string& path);
  ~ZipBundle();
  ZipBundle(const ZipBundle&) = delete;
  ZipBundle& operator=(const ZipBundle&) = delete;

  // Throws Error: usage (64) for a bad or duplicate name, no_input (66) for a missing or
  // unreadable source (a directory included), io (74) on write failure, cant_create (73)
  // past the 4 GiB limit.
  void add_file(const std::string& name_in_zip, const std::string& source_path);
  void add_text(const std::string& name_in_zip, const std::string& text);
  // Writes the central directory and end record, renames into place.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mix
