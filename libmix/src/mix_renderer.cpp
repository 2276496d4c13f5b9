#include "libmix/mix_renderer.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <numbers>
#include <optional>
#include <thread>

#include "libaudio/error.hpp"
#include "libaudio/loudness.hpp"
#include "libaudio/sound_writer.hpp"
#include "libmix/biquad.hpp"
#include "libmix/fades.hpp"
#include "libmix/source_reader.hpp"
#include "libmix/work_ahead.hpp"

namespace mix {

using audio::Error;
using audio::Exit;

namespace {

constexpr int kChannels = 2;
constexpr std::int64_t kBlock = 4096;       // frames per mix block
constexpr std::int64_t kJoin = 64;          // half of the crossfade between two pieces
constexpr std::int64_t kPad = 4096;         // source frames either side of a stretched piece
constexpr std::int64_t kChunk = 16384;      // frames an unstretched piece produces at a time
constexpr double kEdgeFadeSeconds = 0.005;  // anti-click at the mix's very start and end

// A track's pieces that sound (a layout may hold empty ones).
std::vector<Piece> audible_pieces(const TrackLayout& layout) {
  std::vector<Piece> out;
  for (const Piece& p : layout.pieces)
    if (p.mix_frames > 0) out.push_back(p);
  return out;
}

// A piece's mix frames extended by half a join on each side that has a neighbour: what the
// voice appends for it.
struct Extent {
  std::int64_t left = 0, right = 0;
  Extent(const std::vector<Piece>& pieces, std::size_t k)
      : left(k > 0 ? kJoin : 0), right(k + 1 < pieces.size() ? kJoin : 0) {}
};

// The stretched piece p of `track` as mix frames [p.mix_begin - ext.left, p.mix_end +
// ext.right): the source with pads either side, so Rubber Band's edges fall outside what
// is kept, and the downbeats pinned through the key-frame map.
std::vector<float> stretch_piece(SourceReader& reader, const PlanTrack& track, const Piece& p,
                                 const Extent& ext, int rate, StretchEngine engine) {
  const std::int64_t src_frames = p.src_end - p.src_begin;
  const double ratio = static_cast<double>(p.mix_frames) / static_cast<double>(src_frames);
  const std::int64_t in_frames = src_frames + 2 * kPad;
  std::vector<float> in(static_cast<std::size_t>(in_frames * kChannels));
  reader.read(p.src_begin - kPad, p.src_end + kPad, in.data());
  const auto out_frames = static_cast<std::int64_t>(std::llround(in_frames * ratio));
  std::vector<std::pair<std::size_t, std::size_t>> anchors;
  for (double d : track.downbeats) {
    const std::int64_t f = std::llround(d * rate) - (p.src_begin - kPad);
    if (f > 0 && f < in_frames)
      anchors.emplace_back(static_cast<std::size_t>(f),
                           static_cast<std::size_t>(std::llround(f * ratio)));
  }
  std::vector<float> out =
      stretch_segment(in.data(), static_cast<std::size_t>(in_frames), kChannels, rate,
                      static_cast<std::size_t>(out_frames), engine, anchors);
  in = {};
  const std::int64_t origin = std::llround(kPad * ratio);
  const std::int64_t first = origin - ext.left, n = p.mix_frames + ext.left + ext.right;
  out.erase(out.begin(), out.begin() + first * kChannels);
  out.resize(static_cast<std::size_t>(n * kChannels));
  return out;
}

// Every stretched piece of the mix, stretched on a worker thread in the order the mix
// reaches them (WorkAhead), so Rubber Band runs while the mixing thread mixes what is
// already there instead of stalling the encoder. Each track's pieces are read through a
// reader of its own, kept between its pieces and closed after its last one.
class Stretches {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  // pieces[i]: track i's audible pieces; `wanted` says which stretched pieces will sound
  // (a preview skips some); engine and rate as for the render.
  Stretches(const MixPlan& plan, const std::vector<std::vector<Piece>>& pieces,
            const std::function<bool(const Piece&)>& wanted, int rate, StretchEngine engine)
      : sources_(pieces.size()) {
    struct Task {
      std::size_t track, piece;
      std::int64_t begin;
    };
    std::vector<Task> tasks;
    jobs_of_.resize(pieces.size());
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      jobs_of_[i].assign(pieces[i].size(), npos);
      for (std::size_t k = 0; k < pieces[i].size(); ++k)
        if (pieces[i][k].stretched() && wanted(pieces[i][k]))
          tasks.push_back({i, k, pieces[i][k].mix_begin - Extent(pieces[i], k).left});
    }
    std::stable_sort(tasks.begin(), tasks.end(),
                     [](const Task& a, const Task& b) { return a.begin < b.begin; });
    std::vector<std::size_t> last_task_of(pieces.size(), npos);
    for (std::size_t j = 0; j < tasks.size(); ++j) last_task_of[tasks[j].track] = j;
    std::vector<WorkAhead::Job> jobs;
    for (std::size_t j = 0; j < tasks.size(); ++j) {
      const Task t = tasks[j];
      jobs_of_[t.track][t.piece] = j;
      const bool last = last_task_of[t.track] == j;
      jobs.push_back([this, &plan, &pieces, t, last, rate, engine] {
        const Piece& p = pieces[t.track][t.piece];
        Source& src = sources_[t.track];
        std::lock_guard lock(src.m);
        if (!src.reader || !src.reader->can_read_from(p.src_begin - kPad))
          src.reader = std::make_unique<SourceReader>(plan.tracks[t.track].resolved, rate);
        auto out = stretch_piece(*src.reader, plan.tracks[t.track], p,
                                 Extent(pieces[t.track], t.piece), rate, engine);
        if (last) src.reader.reset();
        return out;
      });
    }
    // Two finished overlaps waiting at most (about 10 MB each for 30 s).
    work_ = std::make_unique<WorkAhead>(std::move(jobs), 2);
  }

  // The job for track i's piece k, or npos when it is not stretched here.
  std::size_t job(std::size_t track, std::size_t piece) const { return jobs_of_[track][piece]; }
  std::vector<float> take(std::size_t job) { return work_->take(job); }

 private:
  struct Source {
    std::mutex m;
    std::unique_ptr<SourceReader> reader;
  };
  std::vector<Source> sources_;
  std::vector<std::vector<std::size_t>> jobs_of_;
  std::unique_ptr<WorkAhead> work_;  // last: its worker stops before the sources go
};

// One track's samples on the mix timeline, before gains and filters.
class Voice {
 public:
  Voice(const PlanTrack& track, std::size_t index, const std::vector<Piece>& pieces,
        std::int64_t mix_end, int rate, StretchEngine engine, Stretches& stretches,
        std::int64_t& stretched_frames)
      : track_(track),
        index_(index),
        reader_(track.resolved, rate),
        rate_(rate),
        engine_(engine),
        stretches_(stretches),
        stretched_frames_(stretched_frames),
        pieces_(pieces),
        mix_end_(mix_end) {}

  // Writes the voice's frames [at, at + n) (silence outside its pieces) to out.
  void read(std::int64_t at, std::int64_t n, float* out) {
    const std::int64_t want = std::min(at + n, mix_end_);
    while (fifo_end() < want && next_ < pieces_.size()) produce(at);
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t f = at + i;
      float* o = out + i * kChannels;
      if (f < fifo_begin_ || f >= fifo_end()) {
        o[0] = o[1] = 0.0f;
      } else {
        const float* s = &fifo_[static_cast<std::size_t>((f - fifo_begin_) * kChannels)];
        o[0] = s[0];
        o[1] = s[1];
      }
    }
    // Keep the last 2 * kJoin frames: the next piece crossfades over them.
    const std::int64_t drop = std::min(at + n - 2 * kJoin, fifo_end()) - fifo_begin_;
    if (drop > kChunk) {
      fifo_.erase(fifo_.begin(), fifo_.begin() + drop * kChannels);
      fifo_begin_ += drop;
    }
  }

 private:
  std::int64_t fifo_end() const {
    return fifo_begin_ + static_cast<std::int64_t>(fifo_.size() / kChannels);
  }

  // Appends frames that start at mix frame `start`; frames overlapping the fifo's tail (a
  // join of two pieces) are crossfaded linearly into it. Frames before the fifo's start are
  // already mixed and are dropped (a preview window can open in the middle of a join).
  void append(std::int64_t start, const float* data, std::int64_t frames) {
    if (start < fifo_begin_) {
      const std::int64_t late = std::min(fifo_begin_ - start, frames);
      data += late * kChannels;
      frames -= late;
      start += late;
    }
    if (start > fifo_end()) {
      fifo_.clear();
      fifo_begin_ = start;
    }
    const std::int64_t overlap = std::min(fifo_end() - start, frames);
    const std::int64_t base = start - fifo_begin_;
    for (std::int64_t i = 0; i < overlap; ++i) {
      const float w = static_cast<float>((i + 0.5) / static_cast<double>(overlap));
      for (int c = 0; c < kChannels; ++c) {
        float& dst = fifo_[static_cast<std::size_t>((base + i) * kChannels + c)];
        dst = dst * (1.0f - w) + data[i * kChannels + c] * w;
      }
    }
    fifo_.insert(fifo_.end(), data + overlap * kChannels, data + frames * kChannels);
  }

  void produce(std::int64_t at) {
    const Piece& p = pieces_[next_];
    const Extent ext(pieces_, next_);
    const std::int64_t ext_begin = p.mix_begin - ext.left;
    const std::int64_t ext_end = p.mix_begin + p.mix_frames + ext.right;
    if (ext_end <= at) {  // a preview skips it
      ++next_;
      started_ = false;
      return;
    }
    if (!p.stretched()) {
      if (!started_) {
        started_ = true;
        cursor_ = std::max(ext_begin, std::min(at, ext_end));
      }
      const std::int64_t n = std::min(kChunk, ext_end - cursor_);
      chunk_.resize(static_cast<std::size_t>(n * kChannels));
      const std::int64_t src = p.src_begin + (cursor_ - p.mix_begin);
      reader_.read(src, src + n, chunk_.data());
      append(cursor_, chunk_.data(), n);
      cursor_ += n;
      if (cursor_ >= ext_end) {
        ++next_;
        started_ = false;
      }
      return;
    }
    const std::size_t job = stretches_.job(index_, next_);
    const std::vector<float> out = job != Stretches::npos
                                       ? stretches_.take(job)
                                       : stretch_piece(reader_, track_, p, ext, rate_, engine_);
    stretched_frames_ += p.src_end - p.src_begin;
    append(ext_begin, out.data(), ext_end - ext_begin);
    ++next_;
    started_ = false;
  }

  const PlanTrack& track_;
  std::size_t index_;
  SourceReader reader_;
  int rate_;
  StretchEngine engine_;
  Stretches& stretches_;
  std::int64_t& stretched_frames_;
  const std::vector<Piece>& pieces_;
  std::int64_t mix_end_ = 0;
  std::size_t next_ = 0;
  bool started_ = false;
  std::int64_t cursor_ = 0;
  std::vector<float> fifo_;  // mix frames [fifo_begin_, fifo_end())
  std::int64_t fifo_begin_ = 0;
  std::vector<float> chunk_;
};

// The gain curves and filters of one transition, as functions of the position x (0..1)
// in its overlap.
struct Shape {
  std::string type;
  double swap_x = 0.5, beat_x = 1.0 / 64;  // bass swap: where, and one beat
  double shelf_hz = 180;
  FilterType filter = FilterType::high_pass;
  double from_hz = 20, to_hz = 2000;
  std::int64_t fade_frames = 0;  // cut

  static constexpr double kSwapCutDb = -26.0;

  static Shape from(const PlanTransition& t, int rate) {
    Shape s;
    s.type = t.type;
    const audio::Json& p = t.params;
    auto num = [&](const char* k, double d) {
      return p.contains(k) && p[k].is_number() ? p[k].get<double>() : d;
    };
    const int bars = t.overlap_bars > 0 ? t.overlap_bars : 16;
    s.beat_x = 1.0 / (bars * 4.0);
    s.swap_x = std::clamp(num("swap_bar", bars / 2.0) / bars, s.beat_x, 1.0 - 2 * s.beat_x);
    s.shelf_hz = num("shelf_hz", 180);
    if (p.contains("filter") && p["filter"] == "lowpass") {
      s.filter = FilterType::low_pass;
      s.from_hz = num("from_hz", 20000);
      s.to_hz = num("to_hz", 300);
    } else {
      s.filter = FilterType::high_pass;
      s.from_hz = num("from_hz", 20);
      s.to_hz = num("to_hz", 2000);
    }
    s.fade_frames = std::max<std::int64_t>(1, std::llround(num("fade_ms", 8) * 1e-3 * rate));
    return s;
  }

  // Mashup: both tracks at -3 dB through the middle half, equal power throughout.
  static double mashup_angle(double x) {
    const double q = std::numbers::pi / 4;
    if (x < 0.25) return x / 0.25 * q;
    if (x > 0.75) return q + (x - 0.75) / 0.25 * q;
    return q;
  }

  double gain_out(double x) const {  // the track leaving (A)
    if (type == "bass_swap") return x < swap_x ? 1.0 : equal_power_out((x - swap_x) / (1 - swap_x));
    if (type == "filter") return x < 0.5 ? 1.0 : equal_power_out(2 * x - 1);
    if (type == "mashup") return std::cos(mashup_angle(x));
    return equal_power_out(x);
  }
  double gain_in(double x) const {  // the track arriving (B)
    if (type == "bass_swap") return equal_power_in(x / swap_x);
    if (type == "filter") return equal_power_in(2 * x);
    if (type == "mashup") return std::sin(mashup_angle(x));
    return equal_power_in(x);
  }
  bool filters_out() const { return type == "bass_swap" || type == "filter"; }
  bool filters_in() const { return type == "bass_swap" || type == "filter"; }
  // Where B's lows come in during a filter transition, so two basses never sound together:
  // under a high-pass sweep, once A's cutoff passes twice the shelf (A's bass is 20 dB and
  // more down); under a low-pass sweep, which keeps A's bass, as A's fade ends.
  double filter_bass_x() const {
    if (filter == FilterType::low_pass) return 1.0 - 2 * beat_x;
    const double x = std::log(2 * shelf_hz / from_hz) / std::log(to_hz / from_hz);
    return std::clamp(x, beat_x, 1.0 - 2 * beat_x);
  }
  BiquadCoeffs coeffs_out(double x, double rate) const {
    if (type == "bass_swap")
      return design_biquad(FilterType::low_shelf, rate, shelf_hz,
                           kSwapCutDb * smooth_ramp((x - swap_x) / beat_x));
    return design_biquad(filter, rate, from_hz * std::pow(to_hz / from_hz, x), 0);
  }
  BiquadCoeffs coeffs_in(double x, double rate) const {
    const double at = type == "filter" ? filter_bass_x() : swap_x;
    return design_biquad(FilterType::low_shelf, rate, shelf_hz,
                         kSwapCutDb * (1 - smooth_ramp((x - at) / beat_x)));
  }
};

// Blocks from the mixing thread to the encoder thread.
class BlockQueue {
 public:
  explicit BlockQueue(std::size_t capacity) : cap_(capacity) {}
  bool push(std::vector<float>&& block) {
    std::unique_lock lock(m_);
    not_full_.wait(lock, [&] { return q_.size() < cap_ || closed_; });
    if (closed_) return false;
    q_.push_back(std::move(block));
    not_empty_.notify_one();
    return true;
  }
  bool pop(std::vector<float>& block) {
    std::unique_lock lock(m_);
    not_empty_.wait(lock, [&] { return !q_.empty() || closed_ || done_; });
    if (q_.empty()) return false;
    block = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void finish() {  // no more blocks; the consumer drains what is queued
    std::lock_guard lock(m_);
    done_ = true;
    not_empty_.notify_all();
  }
  void close() {  // stop both sides now
    std::lock_guard lock(m_);
    closed_ = true;
    q_.clear();
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::size_t cap_;
  std::mutex m_;
  std::condition_variable not_full_, not_empty_;
  std::deque<std::vector<float>> q_;
  bool closed_ = false, done_ = false;
};

// The encoder thread: writes every block to the sink; any failure stops the queue.
class EncoderThread {
 public:
  EncoderThread(AudioSink& sink, BlockQueue& queue) : queue_(queue) {
    thread_ = std::thread([this, &sink] {
      try {
        std::vector<float> block;
        while (queue_.pop(block)) sink.write(block.data(), block.size() / kChannels);
      } catch (...) {
        error_ = std::current_exception();
        queue_.close();
      }
    });
  }
  ~EncoderThread() {
    if (thread_.joinable()) {
      queue_.close();
      thread_.join();
    }
  }
  void join() {  // after BlockQueue::finish(); rethrows the encoder's failure
    thread_.join();
    if (error_) std::rethrow_exception(error_);
  }
  bool failed() const { return error_ != nullptr; }

 private:
  BlockQueue& queue_;
  std::thread thread_;
  std::exception_ptr error_;
};

class SoundFileSink : public AudioSink {
 public:
  SoundFileSink(const std::string& path, int rate, int channels)
      : writer_(path, rate, channels,
                audio::container_for_path(path) == audio::Container::wav
                    ? audio::SampleFormat::float32
                    : audio::SampleFormat::pcm24,
                audio::container_for_path(path)) {}
  void write(const float* interleaved, std::size_t frames) override {
    writer_.write(interleaved, frames);
  }
  void commit() override { writer_.commit(); }

 private:
  audio::SoundWriter writer_;
};

struct Window {
  std::int64_t begin, end;
};

}  // namespace

std::unique_ptr<AudioSink> sound_file_sink(const std::string& path, int sample_rate, int channels) {
  return std::make_unique<SoundFileSink>(path, sample_rate, channels);
}

LoudnessGain loudness_gain(const PlanTrack& t, const RenderOptions& opt) {
  LoudnessGain g;
  if (!t.integrated_lufs || !std::isfinite(*t.integrated_lufs)) return g;
  g.wanted_db = opt.target_lufs - *t.integrated_lufs;
  g.gain_db = g.wanted_db;
  if (g.gain_db > opt.max_gain_db) {
    g.gain_db = opt.max_gain_db;
    g.capped_by = "max_gain";
  }
  if (t.true_peak_dbtp && std::isfinite(*t.true_peak_dbtp)) {
    const double headroom = opt.limiter.ceiling_dbtp + opt.limiter_allowance_db - *t.true_peak_dbtp;
    if (g.gain_db > headroom) {
      g.gain_db = headroom;
      g.capped_by = "headroom";
    }
  }
  return g;
}

double set_target_lufs(const MixPlan& plan, const RenderOptions& opt) {
  std::vector<double> reach;
  for (const PlanTrack& t : plan.tracks)
    if (t.integrated_lufs && std::isfinite(*t.integrated_lufs))
      reach.push_back(*t.integrated_lufs + loudness_gain(t, opt).gain_db);
  if (reach.empty()) return opt.target_lufs;
  const auto mid = reach.begin() + static_cast<long>(reach.size() / 2);
  std::nth_element(reach.begin(), mid, reach.end());
  double median = *mid;
  if (reach.size() % 2 == 0) median = 0.5 * (median + *std::max_element(reach.begin(), mid));
  return std::clamp(median, opt.target_lufs - kMaxSetDropLu, opt.target_lufs);
}

RenderResult render_mix(const MixPlan& plan, const Timeline& tl, AudioSink& sink,
                        const RenderOptions& opt) {
  const int rate = tl.sample_rate;
  const std::size_t n_tracks = plan.tracks.size();
  RenderResult result;
  result.sample_rate = rate;
  result.channels = kChannels;

  RenderOptions set_opt = opt;
  set_opt.target_lufs = result.target_lufs = set_target_lufs(plan, opt);
  std::vector<double> gains(n_tracks, 1.0);
  result.tracks.resize(n_tracks);
  for (std::size_t i = 0; i < n_tracks; ++i) {
    RenderedTrack& rt = result.tracks[i];
    rt.index = static_cast<int>(i);
    rt.loudness = loudness_gain(plan.tracks[i], set_opt);
    gains[i] = std::pow(10.0, rt.loudness.gain_db / 20.0);
    for (const Piece& p : tl.tracks[i].pieces)
      rt.pieces.push_back({p,
                           p.src_end > p.src_begin
                               ? static_cast<double>(p.mix_frames) / (p.src_end - p.src_begin)
                               : 1.0,
                           p.stretched()});
  }
  std::vector<Shape> shapes;
  for (const PlanTransition& t : plan.transitions) shapes.push_back(Shape::from(t, rate));

  // The mix frames to render: everything, or a window around each transition.
  std::vector<Window> windows;
  if (!opt.preview) {
    windows.push_back({0, tl.frames});
  } else {
    for (std::size_t k = 0; k < plan.transitions.size(); ++k) {
      const PlanTransition& t = plan.transitions[k];
      const double bpm = t.target_bpm > 0 ? t.target_bpm : plan.tracks[k].bpm;
      const double side = bpm > 0 ? opt.preview_bars * 4 * 60.0 / bpm : 8.0;
      const auto s = static_cast<std::int64_t>(side * rate);
      // Centred on the moment that defines the transition: the swap of a bass swap, the
      // middle of any other overlap, the cut itself.
      const TransitionLayout& tr = tl.transitions[k];
      const double at = t.type == "bass_swap" ? shapes[k].swap_x : 0.5;
      const std::int64_t centre = tr.start + static_cast<std::int64_t>(at * tr.frames);
      Window w{std::max<std::int64_t>(0, centre - s), std::min(tl.frames, centre + s)};
      if (!windows.empty() && w.begin <= windows.back().end)
        windows.back().end = w.end;
      else
        windows.push_back(w);
    }
    if (windows.empty()) windows.push_back({0, std::min<std::int64_t>(tl.frames, 8 * rate)});
  }
  // A preview stretches only what it plays: each stretched piece is cut to its window
  // (with a margin for the joins), at the same ratio.
  std::vector<TrackLayout> lays = tl.tracks;
  if (opt.preview) {
    for (TrackLayout& lay : lays)
      for (Piece& p : lay.pieces) {
        if (!p.stretched()) continue;
        const double r = static_cast<double>(p.mix_frames) / (p.src_end - p.src_begin);
        for (const Window& w : windows) {
          const std::int64_t m0 = std::max(p.mix_begin, w.begin - 1024);
          const std::int64_t m1 = std::min(p.mix_begin + p.mix_frames, w.end + 1024);
          if (m0 >= m1) continue;
          const std::int64_t s0 = p.src_begin + std::llround((m0 - p.mix_begin) / r);
          const std::int64_t s1 = p.src_begin + std::llround((m1 - p.mix_begin) / r);
          p = {p.kind, s0, std::max(s1, s0 + 1), m0, m1 - m0, p.speed};
          break;
        }
      }
  }
  const std::int64_t gap = opt.preview ? rate / 2 : 0;
  const std::int64_t window_fade = opt.preview ? rate / 20 : 0;
  std::int64_t total_out = 0;
  for (const Window& w : windows) total_out += w.end - w.begin;
  total_out += gap * static_cast<std::int64_t>(windows.size() - 1);

  // Where a mix frame lands in the output (-1 when a preview leaves it out).
  auto to_output = [&](std::int64_t mix_frame) -> std::int64_t {
    std::int64_t base = 0;
    for (const Window& w : windows) {
      if (mix_frame >= w.begin && mix_frame <= w.end) return base + mix_frame - w.begin;
      base += w.end - w.begin + gap;
    }
    return -1;
  };
  for (std::size_t i = 0; i < n_tracks; ++i) {
    result.tracks[i].mix_begin = to_output(tl.tracks[i].mix_begin);
    result.tracks[i].mix_end = to_output(tl.tracks[i].mix_end);
  }
  for (const TransitionLayout& t : tl.transitions)
    result.transitions.push_back({to_output(t.start), t.frames});

  TruePeakLimiter limiter(rate, kChannels, opt.limiter);
  audio::LoudnessMeter meter(rate, kChannels);
  std::vector<std::optional<audio::LoudnessMeter>> track_meters(n_tracks);
  if (!opt.preview)
    for (auto& m : track_meters)
      m.emplace(rate, kChannels, audio::LoudnessOptions{true, false, false, false});

  std::optional<LowEndMeter> low_end;
  if (!opt.preview) low_end.emplace(plan, tl);

  BlockQueue queue(32);
  EncoderThread encoder(sink, queue);
  std::int64_t out_frames = 0;
  auto emit = [&](std::vector<float>&& block) {
    const std::int64_t n = static_cast<std::int64_t>(block.size() / kChannels);
    if (n == 0) return;
    meter.add(block.data(), static_cast<std::size_t>(n));
    if (!opt.preview)
      for (std::size_t i = 0; i < n_tracks; ++i) {
        const std::int64_t b = std::max(out_frames, tl.tracks[i].solo_begin);
        const std::int64_t e = std::min(out_frames + n, tl.tracks[i].solo_end);
        if (b < e)
          track_meters[i]->add(block.data() + (b - out_frames) * kChannels,
                               static_cast<std::size_t>(e - b));
      }
    out_frames += n;
    if (!queue.push(std::move(block))) encoder.join();  // rethrows the encoder's error
  };

  std::vector<std::vector<Piece>> pieces(n_tracks);
  for (std::size_t i = 0; i < n_tracks; ++i) pieces[i] = audible_pieces(lays[i]);
  // A preview stretches only the pieces that meet one of its windows.
  auto sounds = [&](const Piece& p) {
    for (const Window& w : windows)
      if (p.mix_begin - kJoin < w.end && p.mix_begin + p.mix_frames + kJoin > w.begin) return true;
    return false;
  };
  Stretches stretches(plan, pieces, sounds, rate, opt.engine);

  std::vector<std::unique_ptr<Voice>> voices(n_tracks);
  std::vector<std::unique_ptr<Biquad>> filters_in(n_tracks), filters_out(n_tracks);
  std::vector<float> sum(kBlock * kChannels), vbuf(kBlock * kChannels);
  std::vector<float> limited;
  const auto edge_fade = static_cast<std::int64_t>(kEdgeFadeSeconds * rate);
  double done_seconds = 0;
  const double total_seconds = static_cast<double>(total_out) / rate;

  for (std::size_t wi = 0; wi < windows.size(); ++wi) {
    const Window& w = windows[wi];
    if (wi > 0) {  // silence between preview windows
      std::vector<float> silence(static_cast<std::size_t>(gap * kChannels), 0.0f);
      limited.clear();
      limiter.process(silence.data(), static_cast<std::size_t>(gap), limited);
      emit(std::move(limited));
      limited = {};
    }
    for (std::int64_t at = w.begin; at < w.end; at += kBlock) {
      const std::int64_t n = std::min(kBlock, w.end - at);
      std::fill(sum.begin(), sum.begin() + n * kChannels, 0.0f);
      for (std::size_t i = 0; i < n_tracks; ++i) {
        const TrackLayout& lay = tl.tracks[i];
        if (lay.mix_end <= at || lay.mix_begin >= at + n) {
          if (lay.mix_end <= at) voices[i].reset();  // done with it: close its decoder
          continue;
        }
        if (!voices[i]) {
          voices[i] =
              std::make_unique<Voice>(plan.tracks[i], i, pieces[i], lays[i].mix_end, rate,
                                      opt.engine, stretches, result.stretched_source_frames);
          filters_in[i] = std::make_unique<Biquad>(kChannels);
          filters_out[i] = std::make_unique<Biquad>(kChannels);
        }
        voices[i]->read(at, n, vbuf.data());
        // Transition filters, on the part of the block inside each overlap.
        auto filter_range = [&](std::size_t k, bool incoming) {
          const TransitionLayout& tr = tl.transitions[k];
          const Shape& s = shapes[k];
          if (tr.frames == 0 || !(incoming ? s.filters_in() : s.filters_out())) return;
          const std::int64_t b = std::max(at, tr.start), e = std::min(at + n, tr.start + tr.frames);
          if (b >= e) return;
          Biquad& f = incoming ? *filters_in[i] : *filters_out[i];
          f.process_swept(vbuf.data() + (b - at) * kChannels, static_cast<std::size_t>(e - b),
                          [&](std::size_t off) {
                            const double x =
                                static_cast<double>(b + static_cast<std::int64_t>(off) - tr.start) /
                                tr.frames;
                            return incoming ? s.coeffs_in(x, rate) : s.coeffs_out(x, rate);
                          });
        };
        if (i > 0) filter_range(i - 1, true);
        if (i + 1 < n_tracks) filter_range(i, false);
        // Gains: loudness match times the transition curves.
        for (std::int64_t j = 0; j < n; ++j) {
          const std::int64_t f = at + j;
          double g = gains[i];
          if (i > 0) {
            const TransitionLayout& tr = tl.transitions[i - 1];
            const Shape& s = shapes[i - 1];
            if (tr.frames > 0 && f < tr.start + tr.frames)
              g *= s.gain_in(static_cast<double>(f - tr.start) / tr.frames);
            else if (tr.frames == 0 && f < tr.start + s.fade_frames)
              g *= smooth_ramp((f - tr.start + 0.5) / s.fade_frames);
          } else if (f < edge_fade) {
            g *= smooth_ramp((f + 0.5) / edge_fade);
          }
          if (i + 1 < n_tracks) {
            const TransitionLayout& tr = tl.transitions[i];
            const Shape& s = shapes[i];
            if (tr.frames > 0 && f >= tr.start)
              g *= s.gain_out(static_cast<double>(f - tr.start) / tr.frames);
            else if (tr.frames == 0 && f >= tr.start - s.fade_frames)
              g *= 1.0 - smooth_ramp((f - (tr.start - s.fade_frames) + 0.5) / s.fade_frames);
          } else if (f >= tl.frames - edge_fade) {
            g *= 1.0 - smooth_ramp((f - (tl.frames - edge_fade) + 0.5) / edge_fade);
          }
          const auto gf = static_cast<float>(g);
          vbuf[j * kChannels] *= gf;
          vbuf[j * kChannels + 1] *= gf;
          sum[j * kChannels] += vbuf[j * kChannels];
          sum[j * kChannels + 1] += vbuf[j * kChannels + 1];
        }
        if (low_end) low_end->add(i, at, vbuf.data(), n);
      }
      if (window_fade > 0) {
        for (std::int64_t j = 0; j < n; ++j) {
          const std::int64_t from_start = at + j - w.begin, to_end = w.end - (at + j) - 1;
          const std::int64_t d = std::min(from_start, to_end);
          if (d < window_fade) {
            const auto g = static_cast<float>(smooth_ramp((d + 0.5) / window_fade));
            sum[j * kChannels] *= g;
            sum[j * kChannels + 1] *= g;
          }
        }
      }
      limited.clear();
      limiter.process(sum.data(), static_cast<std::size_t>(n), limited);
      emit(std::move(limited));
      limited = {};
      done_seconds += static_cast<double>(n) / rate;
      if (opt.on_progress) opt.on_progress(done_seconds, total_seconds);
    }
  }
  limited.clear();
  limiter.flush(limited);
  emit(std::move(limited));
  queue.finish();
  encoder.join();
  sink.commit();

  result.frames = out_frames;
  result.integrated_lufs = meter.integrated();
  result.loudness_range = meter.range();
  result.true_peak = meter.true_peak();
  result.sample_peak = meter.sample_peak();
  result.limiter_min_gain = limiter.min_gain();
  result.limited_frames = limiter.limited_frames();
  if (low_end) result.low_end = low_end->clashes();
  for (std::size_t i = 0; i < n_tracks; ++i)
    result.tracks[i].output_lufs =
        track_meters[i] ? track_meters[i]->integrated() : -std::numeric_limits<double>::infinity();
  return result;
}

}  // namespace mix
