// Hashing one file for wf-hash: its SHA-256 (as sha256sum), an "is it audio?" probe, and
// on request the content hash and the acoustic fingerprint, within a size limit.
//
// stdin and other non-regular inputs (pipes) are read once into a temporary spool file,
// hashing as they go, because the probe, the content hash and the fingerprint each read the
// input again; stdin redirected from a regular file is read in place. Failures come back in
// HashResult::error (never thrown) so a batch can go on past a bad file.
#pragma once

#include <optional>
#include <string>

#include "libaudio/error.hpp"
#include "libaudio/fingerprint.hpp"
#include "libaudio/hash_store.hpp"
#include "libaudio/json_out.hpp"

namespace audio {

struct HashOptions {
  bool content = false;      // add content_sha256 / content_rule
  bool fingerprint = false;  // add the Chromaprint fingerprint
  long long max_size = -1;   // bytes; < 0: no limit (hashing streams: size costs no memory)
};

struct HashResult {
  std::optional<Error> error;  // set on failure, naming the path the user gave
  Json doc;                    // the wf.hash/1 document, without duplicate_of
  StoreRecord record;          // what a store claim needs
  std::optional<Fingerprint> fp;
};

HashResult hash_file(const std::string& path, const HashOptions& options);

}  // namespace audio
