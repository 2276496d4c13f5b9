#include "libmix/stem_mixer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

#include "libaudio/atomic_file.hpp"
#include "libaudio/cli.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "libaudio/loudness.hpp"
#include "libaudio/sha256.hpp"
#include "libaudio/version.hpp"

namespace mix {

using audio::Error;
using audio::Exit;

// ---- options --------------------------------------------------------------------------

namespace {

// A stem index: 1 to 6 digits, nothing else.
bool parse_index(std::string_view text, unsigned long& out) {
  if (text.empty() || text.size() > 6) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

NormalizeSpec parse_normalize(const std::string& text) {
  NormalizeSpec spec;
  if (text == "count") {
    spec.mode = Normalize::count;
  } else if (text == "peak") {
    spec.mode = Normalize::peak;
  } else if (text == "none") {
    spec.mode = Normalize::none;
  } else if (text == "lufs") {
    spec.mode = Normalize::lufs;
  } else if (text.rfind("lufs:", 0) == 0) {
    const std::string value = text.substr(5);
    const auto target = audio::cli::parse_real(value);
    if (target) spec.target_lufs = *target;
    if (!target) {
      throw Error(Exit::usage, "--normalize", "'" + value + "' is not a loudness in LUFS");
    }
    spec.mode = Normalize::lufs;
    if (spec.target_lufs < -70 || spec.target_lufs > 0) {
      throw Error(Exit::usage, "--normalize", "target " + value + " LUFS is outside -70..0");
    }
  } else {
    throw Error(Exit::usage, "--normalize",
                "'" + text + "' is not one of count, peak, lufs:TARGET, none");
  }
  return spec;
}

std::string to_string(const NormalizeSpec& spec) {
  switch (spec.mode) {
    case Normalize::count:
      return "count";
    case Normalize::peak:
      return "peak";
    case Normalize::none:
      return "none";
    case Normalize::lufs: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "lufs:%g", spec.target_lufs);
      return buf;
    }
  }
  return "?";
}

double parse_ceiling(const std::string& text) {
  if (text == "none" || text == "off") return 0.0;
  const double c = audio::cli::parse_gain(text, "--ceiling");
  if (!(c > 0.0 && c <= 1.0)) {
    throw Error(Exit::usage, "--ceiling", "'" + text + "' is not in 0 < ceiling <= 1 (or none)");
  }
  return c;
}

void apply_gain_option(const std::string& text, std::vector<double>& gains) {
  const std::size_t eq = text.find('=');
  const std::string_view index_text =
      trim(std::string_view(text).substr(0, eq == std::string::npos ? 0 : eq));
  unsigned long index = 0;
  if (eq == std::string::npos || index_text.empty() ||
      !std::all_of(index_text.begin(), index_text.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    throw Error(Exit::usage, "--gain", "'" + text + "' is not STEM=GAIN (e.g. 2=-3dB)");
  }
  if (!parse_index(index_text, index) || index < 1 || index > gains.size()) {
    throw Error(Exit::usage, "--gain",
                "stem " + std::string(index_text) + " does not exist (there are " +
                    std::to_string(gains.size()) + " stems)");
  }
  gains[index - 1] = audio::cli::parse_gain(text.substr(eq + 1), "--gain");
}

namespace {

double gain_from_json(const audio::Json& value, const std::string& source,
                      const std::string& where) {
  if (value.is_number()) {
    const double g = value.get<double>();
    if (!(g >= 0 && g <= 1000)) {
      throw Error(Exit::data, source, where + ": gain " + value.dump() + " is out of range");
    }
    return g;
  }
  if (value.is_string()) {
    try {
      return audio::cli::parse_gain(value.get<std::string>(), where);
    } catch (const Error& e) {
      throw Error(Exit::data, source, where + ": " + e.what());
    }
  }
  throw Error(Exit::data, source, where + ": a gain must be a number or a string like \"-3dB\"");
}

}  // namespace

void apply_gain_spec(const audio::Json& spec, const std::vector<std::string>& stems,
                     std::vector<double>& gains, const std::string& source) {
  if (spec.is_array()) {
    if (spec.size() != stems.size()) {
      throw Error(Exit::data, source,
                  "holds " + std::to_string(spec.size()) + " gains for " +
                      std::to_string(stems.size()) + " stems");
    }
    for (std::size_t i = 0; i < spec.size(); ++i) {
      gains[i] = gain_from_json(spec[i], source, "stem " + std::to_string(i + 1));
    }
    return;
  }
  if (!spec.is_object()) {
    throw Error(Exit::data, source, "must be an array of gains or an object of STEM: GAIN");
  }
  for (const auto& [key, value] : spec.items()) {
    bool matched = false;
    unsigned long index = 0;
    if (parse_index(key, index)) {
      if (index < 1 || index > stems.size()) {
        throw Error(Exit::data, source,
                    "stem " + key + " does not exist (there are " + std::to_string(stems.size()) +
                        " stems)");
      }
      gains[index - 1] = gain_from_json(value, source, "stem " + key);
      matched = true;
    } else {
      for (std::size_t i = 0; i < stems.size(); ++i) {
        if (stems[i] == key) {
          gains[i] = gain_from_json(value, source, key);
          matched = true;
        }
      }
    }
    if (!matched) throw Error(Exit::data, source, "'" + key + "' names no stem");
  }
}

namespace {

constexpr std::size_t kChunk = 8192;  // frames per step: small enough for the cache

// ---- decoding and summing -------------------------------------------------------------

struct Stem {
  std::string path;
  double gain = 1.0;
  audio::AudioInfo info;
  int decode_channels = 0;  // what the decoder delivers: native, or 2 for more than two
  std::int64_t frames = 0;  // at the mix rate, from the last pass
};

// Decodes every stem at the mix rate and sums them, a chunk at a time. Stems that have
// ended contribute silence, which is the zero-padding.
class StemSum {
 public:
  StemSum(std::vector<Stem>& stems, int rate, int channels) : stems_(stems), channels_(channels) {
    std::size_t widest = 1;
    for (Stem& s : stems_) {
      audio::DecodeOptions opt;
      opt.sample_rate = rate;
      opt.channels = s.decode_channels == s.info.channels ? 0 : s.decode_channels;
      decoders_.push_back(std::make_unique<audio::Decoder>(s.path, opt));
      done_.push_back(false);
      s.frames = 0;
      widest = std::max(widest, static_cast<std::size_t>(s.decode_channels));
    }
    buf_.resize(kChunk * widest);
  }

  // Fills `mix` (kChunk frames of `channels` interleaved) with the gained sum. Returns the
  // frames produced: kChunk until the longest stem ends, then fewer, then 0.
  std::size_t next(float* mix) {
    const std::size_t oc = static_cast<std::size_t>(channels_);
    std::size_t produced = 0;
    std::fill(mix, mix + kChunk * oc, 0.0f);
    for (std::size_t k = 0; k < stems_.size(); ++k) {
      if (done_[k]) continue;
      const std::size_t n = decoders_[k]->read(buf_.data(), kChunk);
      if (n < kChunk) {
        done_[k] = true;
        decoders_[k].reset();  // frees the decoder's memory as soon as the stem ends
      }
      stems_[k].frames += static_cast<std::int64_t>(n);
      produced = std::max(produced, n);
      accumulate(mix, buf_.data(), n, stems_[k].decode_channels,
                 static_cast<float>(stems_[k].gain));
    }
    // A NaN in a float stem becomes silence rather than poisoning the gain and the meters.
    const std::size_t total = produced * oc;
    for (std::size_t i = 0; i < total; ++i) mix[i] = mix[i] == mix[i] ? mix[i] : 0.0f;
    return produced;
  }

 private:
  void accumulate(float* mix, const float* in, std::size_t n, int in_channels, float g) const {
    if (in_channels == channels_) {
      const std::size_t total = n * static_cast<std::size_t>(channels_);
      for (std::size_t i = 0; i < total; ++i) mix[i] += g * in[i];
    } else if (in_channels == 1) {  // mono into stereo: the same signal in both channels
      for (std::size_t i = 0; i < n; ++i) {
        const float v = g * in[i];
        mix[2 * i] += v;
        mix[2 * i + 1] += v;
      }
    } else {  // stereo into mono: the average of the two channels
      const float h = 0.5f * g;
      for (std::size_t i = 0; i < n; ++i) mix[i] += h * (in[2 * i] + in[2 * i + 1]);
    }
  }

  std::vector<Stem>& stems_;
  int channels_;
  std::vector<std::unique_ptr<audio::Decoder>> decoders_;
  std::vector<bool> done_;
  std::vector<float> buf_;
};

// The mix's container: by its extension; stdout carries WAV.
audio::Container output_container(const std::string& output) {
  return output == "-" ? audio::Container::wav : audio::container_for_path(output);
}

// ---- the float spool: the unscaled mix kept on disk between the passes ----------------

// Beside the output (same file system, so its space is the output's), or in $TMPDIR when the
// mix goes to stdout.
std::string spool_path(const std::string& output) {
  if (output != "-") return output + ".spool";
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp && *tmp ? tmp : "/tmp") + "/wf-mixstems.spool";
}

class Spool {
 public:
  explicit Spool(const std::string& output) : file_(spool_path(output)) {}

  void write(const float* data, std::size_t count) {
    const char* p = reinterpret_cast<const char*>(data);
    std::size_t left = count * sizeof(float);
    while (left > 0) {
      const ssize_t n = ::write(file_.fd(), p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw Error(Exit::io, file_.target(),
                    "cannot write the temporary mix: " + audio::errno_text(errno));
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }

  void rewind() {
    if (::lseek(file_.fd(), 0, SEEK_SET) != 0) {
      throw Error(Exit::io, file_.target(), "cannot rewind the temporary mix");
    }
  }

  // Reads up to `count` floats; returns how many (fewer only at the end).
  std::size_t read(float* data, std::size_t count) {
    char* p = reinterpret_cast<char*>(data);
    std::size_t want = count * sizeof(float), got = 0;
    while (got < want) {
      const ssize_t n = ::read(file_.fd(), p + got, want - got);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw Error(Exit::io, file_.target(),
                    "cannot read the temporary mix: " + audio::errno_text(errno));
      }
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    return got / sizeof(float);
  }

 private:
  audio::AtomicFile file_;  // never committed: removed on destruction or a signal
};

// ---- a second thread for the metering ---------------------------------------------------

// Runs `work` on chunks of samples on a second thread, in order, so that metering overlaps
// decoding and writing. A few chunk buffers circulate between the two threads; the producer
// blocks when all are queued, so memory stays flat.
class ChunkWorker {
 public:
  using Work = std::function<void(const float*, std::size_t)>;

  ChunkWorker(std::size_t chunk_samples, Work work) : work_(std::move(work)) {
    for (auto& b : buffers_) b.resize(chunk_samples);
    thread_ = std::thread([this] { loop(); });
  }

  ~ChunkWorker() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  ChunkWorker(const ChunkWorker&) = delete;
  ChunkWorker& operator=(const ChunkWorker&) = delete;

  // A free buffer to fill, valid until the next submit(); blocks while all are queued.
  float* acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return queued_ < kBuffers || error_; });
    rethrow();
    return buffers_[(head_ + queued_) % kBuffers].data();
  }

  // Queues the buffer from acquire() with `frames` frames in it. The caller may still read
  // it until its next acquire().
  void submit(std::size_t frames) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      rethrow();
      frames_[(head_ + queued_) % kBuffers] = frames;
      ++queued_;
    }
    changed_.notify_all();
  }

  // Waits until every queued chunk is done; rethrows the work's exception, if any.
  void finish() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return queued_ == 0 || error_; });
    rethrow();
  }

 private:
  static constexpr std::size_t kBuffers = 4;

  void rethrow() {
    if (error_) std::rethrow_exception(error_);
  }

  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return queued_ > 0 || stop_; });
      if (stop_) return;
      const float* data = buffers_[head_].data();
      const std::size_t frames = frames_[head_];
      lock.unlock();
      std::exception_ptr error;
      try {
        work_(data, frames);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      if (error) {
        error_ = error;
        changed_.notify_all();
        return;
      }
      head_ = (head_ + 1) % kBuffers;
      --queued_;
      changed_.notify_all();
    }
  }

  Work work_;
  std::array<std::vector<float>, kBuffers> buffers_;
  std::array<std::size_t, kBuffers> frames_{};
  std::size_t head_ = 0;    // the oldest queued buffer
  std::size_t queued_ = 0;  // buffers waiting for (or in) work
  bool stop_ = false;
  std::exception_ptr error_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::thread thread_;
};

// ---- the writing pass ------------------------------------------------------------------

// Takes the unscaled mix, applies the one gain, and writes the result; a second thread
// meters it and draws its waveform.
class Sink {
 public:
  Sink(const MixOptions& opt, int rate, int channels, double gain, std::int64_t expected_frames)
      : channels_(channels),
        gain_(static_cast<float>(gain)),
        format_(opt.format),
        writer_(opt.output, rate, channels, opt.format, output_container(opt.output)),
        meter_(rate, channels),
        peaks_(opt.peaks ? std::make_unique<audio::PeaksWriter>(*opt.peaks, rate, channels,
                                                                expected_frames)
                         : nullptr),
        worker_(kChunk * static_cast<std::size_t>(channels),
                [this](const float* samples, std::size_t frames) {
                  meter_.add(samples, frames);
                  if (peaks_) peaks_->add(samples, frames);
                }) {}

  void add(const float* mix, std::size_t frames) {
    const std::size_t n = frames * static_cast<std::size_t>(channels_);
    float* out = worker_.acquire();
    std::int64_t clipped = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const float v = gain_ * mix[i];
      clipped += (v > 1.0f) | (v < -1.0f);
      out[i] = std::clamp(v, -1.0f, 1.0f);
    }
    clipped_ += clipped;
    audio::snap_to_format(out, n, format_);  // meter exactly what is stored
    worker_.submit(frames);
    writer_.write(out, frames);
  }

  // Hands the output to the run's OutputGroup, then writes the waveform data (waveflow
  // records the mix's SHA-256, as wf-peaks would); the group commits both or neither.
  void commit(const MixOptions& opt) {
    worker_.finish();
    writer_.commit();
    if (!peaks_) return;
    if (opt.peaks->format == audio::PeaksFormat::waveflow) {
      // A mix sent to stdout cannot be read back: its hash stays unknown.
      const std::string mix = audio::OutputGroup::readable(opt.output);
      peaks_->set_input(opt.output, opt.output == "-" ? "" : audio::sha256_file(mix).sha256);
    }
    peaks_->write(opt.peaks_output);
  }

  std::int64_t frames() const { return static_cast<std::int64_t>(writer_.frames_written()); }

  // Call after commit().
  void fill(MixReport& r) const {
    r.frames = static_cast<std::int64_t>(writer_.frames_written());
    r.sample_peak = meter_.sample_peak();
    r.true_peak = meter_.true_peak();
    r.integrated_lufs = meter_.integrated();
    r.loudness_range = meter_.range();
    r.clipped_samples = clipped_;
  }

 private:
  int channels_;
  float gain_;
  audio::SampleFormat format_;
  audio::SoundWriter writer_;
  audio::LoudnessMeter meter_;
  std::unique_ptr<audio::PeaksWriter> peaks_;
  std::int64_t clipped_ = 0;
  ChunkWorker worker_;  // last: its thread uses the members above
};

void validate(const MixOptions& opt) {
  if (opt.stems.empty()) throw Error(Exit::usage, "", "no stems to mix");
  if (!opt.gains.empty() && opt.gains.size() != opt.stems.size()) {
    throw Error(Exit::software, "", "one gain per stem expected");
  }
  for (double g : opt.gains) {
    if (!(g >= 0 && g <= 1000)) throw Error(Exit::usage, "--gain", "gain out of range");
  }
  if (opt.channels != 0 && opt.channels != 1 && opt.channels != 2) {
    throw Error(Exit::usage, "--channels", "must be 1 or 2");
  }
  if (opt.sample_rate != 0 && (opt.sample_rate < 1000 || opt.sample_rate > 768000)) {
    throw Error(Exit::usage, "--rate", "must be within 1000..768000 Hz");
  }
  if (!(opt.ceiling >= 0 && opt.ceiling <= 1)) {
    throw Error(Exit::usage, "--ceiling", "must be in 0 < ceiling <= 1 (or none)");
  }
  if (opt.normalize.mode == Normalize::lufs &&
      !(opt.normalize.target_lufs >= -70 && opt.normalize.target_lufs <= 0)) {
    throw Error(Exit::usage, "--normalize", "target loudness outside -70..0 LUFS");
  }
  if (opt.output.empty()) {
    throw Error(Exit::usage, "--output", "name a .wav or .flac file to write, or - for stdout");
  }
  const bool to_stdout = opt.output == "-";
  const audio::Container container = output_container(opt.output);
  if (container == audio::Container::flac && opt.format == audio::SampleFormat::float32) {
    throw Error(Exit::usage, opt.output, "FLAC cannot hold float samples (use --bits 16 or 24)");
  }
  if (!to_stdout) audio::ensure_output_writable(opt.output);
  for (const std::string& s : opt.stems) {
    if (s == "-") {
      throw Error(Exit::usage, "-", "stems must be files (a stem may be read twice)");
    }
    if (!to_stdout) audio::ensure_not_same_file(s, opt.output);
  }
  if (opt.peaks) {
    if (opt.peaks_output.empty() || opt.peaks_output == "-") {
      throw Error(Exit::usage, "--peaks", "name a file (stdout carries the report)");
    }
    if (!to_stdout && std::filesystem::absolute(opt.peaks_output).lexically_normal() ==
                          std::filesystem::absolute(opt.output).lexically_normal()) {
      throw Error(Exit::usage, opt.peaks_output, "the waveform data would overwrite the mix");
    }
    audio::ensure_output_writable(opt.peaks_output);
    for (const std::string& s : opt.stems) audio::ensure_not_same_file(s, opt.peaks_output);
  }
}

}  // namespace

MixReport mix_stems(const MixOptions& opt) {
  validate(opt);
  audio::OutputGroup outputs;  // the mix and its waveform data: both or neither
  for (const std::string& s : opt.stems) outputs.protect(s, "a stem");

  // Probe every stem before any long work, so a bad one fails at once.
  std::vector<Stem> stems(opt.stems.size());
  int highest_rate = 0;
  bool any_stereo = false;
  for (std::size_t i = 0; i < stems.size(); ++i) {
    Stem& s = stems[i];
    s.path = opt.stems[i];
    s.gain = opt.gains.empty() ? 1.0 : opt.gains[i];
    s.info = audio::probe_audio(s.path);
    s.decode_channels = std::min(s.info.channels, 2);
    highest_rate = std::max(highest_rate, s.info.sample_rate);
    any_stereo = any_stereo || s.info.channels > 1;
  }
  const int rate = opt.sample_rate > 0 ? opt.sample_rate : highest_rate;
  const int channels = opt.channels > 0 ? opt.channels : (any_stereo ? 2 : 1);

  // The hashes are independent of the mixing: take them on another thread meanwhile.
  std::atomic<bool> stop_hashing{false};
  std::future<std::vector<std::string>> hashes;
  if (opt.hash_inputs) {
    std::vector<std::string> paths = opt.stems;
    hashes = std::async(std::launch::async, [paths, &stop_hashing] {
      std::vector<std::string> out;
      for (const std::string& p : paths) {
        out.push_back(audio::sha256_file(p, [&](std::uint64_t) {
                        if (stop_hashing) throw Error(Exit::software, p, "cancelled");
                      }).sha256);
      }
      return out;
    });
  }
  // On a failure, stop the hashing before the future's destructor waits for it.
  struct StopOnExit {
    std::atomic<bool>& flag;
    ~StopOnExit() { flag = true; }
  } stop_on_exit{stop_hashing};

  // The exact length is known up front when every stem is PCM/FLAC at the mix rate.
  std::int64_t known_frames = 0;
  double longest = 0;
  bool all_pcm_at_rate = true;
  for (const Stem& s : stems) {
    longest = std::max(longest, s.info.duration);
    const bool exact = s.info.lossless && s.info.frames >= 0 && s.info.sample_rate == rate;
    all_pcm_at_rate = all_pcm_at_rate && exact;
    if (exact) known_frames = std::max(known_frames, s.info.frames);
  }
  if (!all_pcm_at_rate) known_frames = -1;

  MixReport report;
  report.output = opt.output;
  report.format = opt.format;
  report.sample_rate = rate;
  report.channels = channels;
  report.normalize = opt.normalize;
  report.ceiling = opt.ceiling;

  const Normalize mode = opt.normalize.mode;
  // Waveform data of about N peaks in the audiowaveform formats is drawn at
  // ceil(frames / N) samples per pixel: the exact length must be known before the writing
  // pass. (Other requests do not depend on it.) Constructing a writer here also rejects a
  // request that cannot be met before any long work.
  const bool peaks_length_matters = opt.peaks &&
                                    (opt.peaks->format == audio::PeaksFormat::json ||
                                     opt.peaks->format == audio::PeaksFormat::dat) &&
                                    opt.peaks->samples_per_pixel == 0 &&
                                    opt.peaks->pixels_per_second == 0;
  if (opt.peaks) audio::PeaksWriter check(*opt.peaks, rate, channels, known_frames);
  const bool peaks_need_length = peaks_length_matters && known_frames < 0;
  const bool measure_first =
      mode == Normalize::peak || mode == Normalize::lufs || peaks_need_length;

  audio::Progress* progress = opt.progress;
  const double total_seconds = longest > 0 ? longest : 0;
  auto pass_label = [&](int pass, int passes) {
    if (!progress) return;
    progress->set_label(passes == 1 ? "mixing"
                                    : "mixing (pass " + std::to_string(pass) + "/" +
                                          std::to_string(passes) + ")");
    progress->set_total(total_seconds);
    progress->update(0);
  };

  std::vector<float> mix(kChunk * static_cast<std::size_t>(channels));
  double raw_peak = 0;
  double gain = 1.0;
  std::optional<Spool> spool;
  std::int64_t mix_frames = 0;

  // Whether `g` would lift the mix's peak over the ceiling (peak normalisation aims exactly at
  // it, so a rounding error's worth over is not over).
  auto over_ceiling = [&](double g) {
    return opt.ceiling > 0 && raw_peak * g > opt.ceiling * (1 + 1e-9);
  };
  std::optional<Sink> sink;
  // Writes the mix with `g`, from the stems or from the spool, into a fresh `sink`.
  auto write_once = [&](double g, bool from_spool, std::int64_t expected) {
    sink.reset();  // drops an earlier attempt's temporary first
    sink.emplace(opt, rate, channels, g, expected);
    std::int64_t done = 0;
    if (from_spool) {
      spool->rewind();
      const std::size_t per_chunk = kChunk * static_cast<std::size_t>(channels);
      while (std::size_t got = spool->read(mix.data(), per_chunk)) {
        const std::size_t frames = got / static_cast<std::size_t>(channels);
        sink->add(mix.data(), frames);
        done += static_cast<std::int64_t>(frames);
        if (progress) progress->update(static_cast<double>(done) / rate);
      }
      return;
    }
    StemSum sum(stems, rate, channels);
    double peak = 0;
    while (std::size_t frames = sum.next(mix.data())) {
      peak = std::max<double>(
          peak, audio::abs_peak(mix.data(), frames * static_cast<std::size_t>(channels)));
      sink->add(mix.data(), frames);
      done += static_cast<std::int64_t>(frames);
      if (progress) progress->update(static_cast<double>(done) / rate);
    }
    raw_peak = peak;
    mix_frames = done;
  };
  auto write_pass = [&](double g, bool from_spool, std::int64_t expected) {
    write_once(g, from_spool, expected);
    // A lossless stem may end a few frames before its header says (within the decoder's
    // slack), so the waveform was drawn for a length the output does not have: draw again.
    if (peaks_length_matters && sink->frames() != expected) {
      ++report.passes;
      write_once(g, from_spool, sink->frames());
    }
  };

  if (measure_first) {
    // Pass 1: the unscaled mix's peak (and loudness), nothing written but the spool.
    const int passes = 2;
    pass_label(1, passes);
    std::optional<audio::LoudnessMeter> meter;
    if (mode == Normalize::lufs) {
      audio::LoudnessOptions lo;
      lo.range = lo.sample_peak = lo.true_peak = false;
      meter.emplace(rate, channels, lo);
    }
    spool.emplace(opt.output);
    {
      // The loudness and the spool on a second thread, the decoding on this one.
      ChunkWorker worker(kChunk * static_cast<std::size_t>(channels),
                         [&](const float* samples, std::size_t frames) {
                           if (meter) meter->add(samples, frames);
                           spool->write(samples, frames * static_cast<std::size_t>(channels));
                         });
      StemSum sum(stems, rate, channels);
      double peak = 0;
      std::int64_t done = 0;
      for (;;) {
        float* chunk = worker.acquire();
        const std::size_t frames = sum.next(chunk);
        if (frames == 0) break;
        peak = std::max<double>(
            peak, audio::abs_peak(chunk, frames * static_cast<std::size_t>(channels)));
        worker.submit(frames);
        done += static_cast<std::int64_t>(frames);
        if (progress) progress->update(static_cast<double>(done) / rate);
      }
      worker.finish();
      raw_peak = peak;
      mix_frames = done;
    }

    switch (mode) {
      case Normalize::count:
        report.normalize_gain = 1.0 / static_cast<double>(stems.size());
        report.gain_reason = "count";
        break;
      case Normalize::none:
        report.normalize_gain = 1.0;
        report.gain_reason = "none";
        break;
      case Normalize::peak:
        report.normalize_gain = raw_peak > 0 ? (opt.ceiling > 0 ? opt.ceiling : 1.0) / raw_peak : 1;
        report.gain_reason = raw_peak > 0 ? "peak" : "silence";
        break;
      case Normalize::lufs: {
        const double loudness = meter->integrated();
        const bool silent = !std::isfinite(loudness);
        report.normalize_gain =
            silent ? 1.0 : std::pow(10.0, (opt.normalize.target_lufs - loudness) / 20.0);
        report.gain_reason = silent ? "silence" : "lufs";
        break;
      }
    }
    gain = report.normalize_gain;
    if (over_ceiling(gain)) {
      gain = opt.ceiling / raw_peak;
      report.gain_reason = "ceiling";
    }
    pass_label(2, passes);
    report.passes = 2;
    write_pass(gain, true, mix_frames);
  } else {
    // count or none: the gain is known, so write at once; a second pass only if the
    // ceiling turns out to be exceeded.
    report.normalize_gain =
        mode == Normalize::count ? 1.0 / static_cast<double>(stems.size()) : 1.0;
    report.gain_reason = mode == Normalize::count ? "count" : "none";
    gain = report.normalize_gain;
    pass_label(1, 1);
    report.passes = 1;
    write_pass(gain, false, known_frames);
    if (over_ceiling(gain)) {
      gain = opt.ceiling / raw_peak;
      report.gain_reason = "ceiling";
      report.passes = 2;
      pass_label(2, 2);
      write_pass(gain, false, mix_frames);
    }
  }
  report.gain = gain;
  spool.reset();

  const std::vector<std::string> digests =
      opt.hash_inputs ? hashes.get() : std::vector<std::string>{};
  for (std::size_t i = 0; i < stems.size(); ++i) {
    const Stem& s = stems[i];
    StemReport sr;
    sr.path = s.path;
    if (opt.hash_inputs) sr.sha256 = digests[i];
    sr.sample_rate = s.info.sample_rate;
    sr.channels = s.info.channels;
    sr.duration = static_cast<double>(s.frames) / rate;
    sr.resampled = s.info.sample_rate != rate;
    sr.gain = s.gain;
    report.stems.push_back(sr);
  }
  sink->commit(opt);
  sink->fill(report);
  if (opt.peaks) report.peaks_output = opt.peaks_output;
  if (progress) progress->finish();
  outputs.commit();
  return report;
}

audio::Json report_json(const MixReport& r) {
  using audio::Json;
  using audio::loudness_json;
  Json doc;
  doc["schema"] = "wf.mix/1";
  doc["toolkit_version"] = audio::kToolkitVersion;
  Json out;
  out["path"] = r.output;
  out["container"] = output_container(r.output) == audio::Container::flac ? "flac" : "wav";
  out["bits"] = r.format == audio::SampleFormat::pcm16   ? "16"
                : r.format == audio::SampleFormat::pcm24 ? "24"
                                                         : "32f";
  out["sample_rate"] = r.sample_rate;
  out["channels"] = r.channels;
  out["frames"] = r.frames;
  out["duration"] = audio::round_seconds(static_cast<double>(r.frames) / r.sample_rate);
  doc["output"] = out;
  Json norm;
  const std::string mode = to_string(r.normalize);
  norm["mode"] = mode.substr(0, mode.find(':'));
  if (r.normalize.mode == Normalize::lufs) norm["target_lufs"] = r.normalize.target_lufs;
  doc["normalize"] = norm;
  doc["ceiling"] = r.ceiling > 0 ? Json(r.ceiling) : Json(nullptr);
  Json gain;
  gain["normalize"] = audio::round_to(r.normalize_gain, 6);
  gain["applied"] = audio::round_to(r.gain, 6);
  gain["applied_db"] = loudness_json(audio::to_db(r.gain), 2);
  gain["reason"] = r.gain_reason;
  doc["gain"] = gain;
  doc["passes"] = r.passes;
  Json stems = Json::array();
  for (const StemReport& s : r.stems) {
    Json j;
    j["path"] = s.path;
    j["sha256"] = s.sha256.empty() ? Json(nullptr) : Json(s.sha256);
    j["sample_rate"] = s.sample_rate;
    j["channels"] = s.channels;
    j["duration"] = audio::round_seconds(s.duration);
    j["resampled"] = s.resampled;
    j["gain"] = audio::round_to(s.gain, 6);
    j["gain_db"] = loudness_json(audio::to_db(s.gain), 2);
    stems.push_back(j);
  }
  doc["stems"] = stems;
  Json m;
  m["sample_peak"] = audio::round_to(r.sample_peak, 6);
  m["sample_peak_dbfs"] = loudness_json(audio::to_db(r.sample_peak), 2);
  m["true_peak_dbtp"] = loudness_json(audio::to_db(r.true_peak), 2);
  m["integrated_lufs"] = loudness_json(r.integrated_lufs, 2);
  m["loudness_range_lu"] = loudness_json(r.loudness_range, 2);
  m["clipped_samples"] = r.clipped_samples;
  doc["measured"] = m;
  doc["peaks"] = r.peaks_output.empty() ? Json(nullptr) : Json(r.peaks_output);
  return doc;
}

}  // namespace mix
