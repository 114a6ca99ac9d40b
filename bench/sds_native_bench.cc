// sds_native_bench: per-message cost of the SDS engine (ReliabilityManager),
// native, and whether it stays flat as history grows. See bench/README.md.
//
// One run = one (configuration, mode, N). A sender ("alice") wraps N messages
// of 1 KiB on one channel, and a receiver ("bob") unwraps them: in oneway and
// roundtrip modes each one right after it was wrapped (interleaved, so the
// benchmark never holds more than one wire message); in peer mode all after. Now and then a 1 KiB message goes back to alice (after
// every --reply-every / --carol-every of hers). Every Wrap/Unwrap call is
// timed on its own, together with the TakeEvents() that drains what it
// queued. Modes:
//
//   roundtrip  bob sends the messages back. Having seen all of alice's, his
//              causal history and bloom filter acknowledge them, so her
//              outgoing buffer stays small. Config as given.
//   oneway     nobody acknowledges: the messages back come from "carol", who
//              has seen none of alice's. Alice's outgoing buffer grows to N,
//              so max_outgoing_buffer is raised to N (the default, 10,000,
//              would make Wrap fail). Shows what a long unacknowledged buffer
//              costs: memory, and alice's unwrap of carol's messages.
//   peer       the js-waku harness's workload (reference sds-js-waku.md §6),
//              for a side-by-side run with @waku/sds (bench/sds-node): alice
//              wraps all N first, then bob unwraps them in send order. Ids
//              are content-addressed (hex SHA-256 of the payload, @waku/sds's
//              rule), nobody acknowledges, nothing ticks, and the log and
//              the outgoing buffer hold all N (@waku/sds 0.0.8 bounds
//              neither). Payloads are the generator's next 1,024 bytes each.
//
// In oneway and roundtrip every manager is ticked after every message (timed
// separately). --dialect sets the wire dialect alice and bob send in. Each
// run happens in a forked child, so the peak RSS (getrusage) is that run's
// alone.
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "sds/reliability_manager.h"
#include "sds/sha256.h"
#include "sds_workload.h"

#ifndef SDS_BENCH_VERSION
#define SDS_BENCH_VERSION "unknown"
#endif

namespace sdsbench {
namespace {

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// Options

enum class Mode { kOneWay, kRoundTrip, kPeer };

std::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kOneWay: return "oneway";
    case Mode::kRoundTrip: return "roundtrip";
    case Mode::kPeer: return "peer";
  }
  return "?";
}

struct Options {
  std::vector<std::size_t> sizes = {10'000, 100'000};
  std::vector<std::size_t> configs = {0, 1, 2, 3};  // indexes into BenchConfigs()
  std::vector<Mode> modes = {Mode::kOneWay, Mode::kRoundTrip};
  std::size_t reply_every = 10;  // roundtrip: bob's messages back
  std::size_t carol_every = 100;  // oneway: carol's messages
  sds::Dialect dialect = sds::Dialect::kNim;
  int reps = 1;
  bool fork_runs = true;
  std::string json_path;
};

void PrintUsage(std::ostream& out) {
  out << "usage: sds_native_bench [--n LIST] [--quick] [--configs LIST] [--modes LIST]\n"
         "                        [--reply-every R] [--carol-every R] [--dialect D] [--reps R]\n"
         "                        [--json PATH] [--no-fork] [--glibc-defaults]\n"
         "  --n LIST         messages per run, comma-separated (default 10000,100000)\n"
         "  --quick          smoke run: --n 2000\n"
         "  --configs LIST   any of default,200,10,2 (default: all four)\n"
         "  --modes LIST     any of oneway,roundtrip,peer (default: oneway,roundtrip)\n"
         "  --reply-every R  roundtrip: bob writes after every R of alice's messages (default 10)\n"
         "  --carol-every R  oneway: carol writes after every R of alice's messages (default 100)\n"
         "  --dialect D      nim or spec: the wire dialect the managers send in (default nim)\n"
         "  --reps R         runs per (config, mode, N); medians are reported (default 1)\n"
         "  --json PATH      also write the results as JSON to PATH ('-' for stdout)\n"
         "  --no-fork        run in this process (for profilers; peak RSS is then cumulative)\n"
         "  --glibc-defaults keep glibc's stock malloc settings (default: a larger tcache)\n";
}

std::size_t ParseCount(std::string_view flag, std::string_view text) {
  std::size_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value == 0) {
    throw std::invalid_argument(std::string(flag) + " needs a positive integer, got '" +
                                std::string(text) + "'");
  }
  return value;
}

std::vector<std::string_view> SplitList(std::string_view text) {
  std::vector<std::string_view> items;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    if (!item.empty()) items.push_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (items.empty()) throw std::invalid_argument("empty list");
  return items;
}

std::size_t ConfigIndex(std::string_view name) {
  const auto configs = BenchConfigs();
  for (std::size_t i = 0; i < configs.size(); ++i) {
    std::string_view full = configs[i].name;
    if (name == full || (full.starts_with("history=") && name == full.substr(8))) return i;
  }
  throw std::invalid_argument("unknown configuration '" + std::string(name) +
                              "' (use default, 200, 10 or 2)");
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--n") {
      options.sizes.clear();
      for (std::string_view item : SplitList(value())) {
        std::size_t n = ParseCount(arg, item);
        if (n < 10) throw std::invalid_argument("--n must be at least 10");
        options.sizes.push_back(n);
      }
    } else if (arg == "--quick") {
      options.sizes = {2'000};
    } else if (arg == "--configs") {
      options.configs.clear();
      for (std::string_view item : SplitList(value())) options.configs.push_back(ConfigIndex(item));
    } else if (arg == "--modes") {
      options.modes.clear();
      for (std::string_view item : SplitList(value())) {
        if (item == "oneway") {
          options.modes.push_back(Mode::kOneWay);
        } else if (item == "roundtrip") {
          options.modes.push_back(Mode::kRoundTrip);
        } else if (item == "peer") {
          options.modes.push_back(Mode::kPeer);
        } else {
          throw std::invalid_argument("unknown mode '" + std::string(item) + "'");
        }
      }
    } else if (arg == "--reply-every") {
      options.reply_every = ParseCount(arg, value());
      // Bob's replies cite his newest messages; alice must still hold them in
      // her log (max_message_history, 1000 by default) or they go missing.
      // (Carol's cite only her own, which alice has.)
      if (options.reply_every > 500) throw std::invalid_argument("--reply-every is at most 500");
    } else if (arg == "--carol-every") {
      options.carol_every = ParseCount(arg, value());
      if (options.carol_every > 500) throw std::invalid_argument("--carol-every is at most 500");
    } else if (arg == "--dialect") {
      std::string_view name = value();
      if (name == sds::DialectName(sds::Dialect::kNim)) {
        options.dialect = sds::Dialect::kNim;
      } else if (name == sds::DialectName(sds::Dialect::kSpec)) {
        options.dialect = sds::Dialect::kSpec;
      } else {
        throw std::invalid_argument("unknown dialect '" + std::string(name) + "' (use nim or spec)");
      }
    } else if (arg == "--reps") {
      options.reps = static_cast<int>(std::min<std::size_t>(ParseCount(arg, value()), 100));
    } else if (arg == "--json") {
      options.json_path = value();
    } else if (arg == "--glibc-defaults") {
      // handled before startup (ConfigureAllocator)
    } else if (arg == "--no-fork") {
      options.fork_runs = false;
    } else if (arg == "-h" || arg == "--help") {
      PrintUsage(std::cout);
      std::exit(0);
    } else {
      throw std::invalid_argument("unknown argument '" + std::string(arg) + "'");
    }
  }
  return options;
}

// ---------------------------------------------------------------------------
// Measurements. Everything a run reports is plain data, so that a forked
// child can hand it back through shared memory.

enum Phase { kWrap, kUnwrap, kReplyWrap, kReplyUnwrap, kTick, kPhaseCount };
std::string_view PhaseName(Phase phase, Mode mode) {
  switch (phase) {
    case kWrap: return "wrap";
    case kUnwrap: return "unwrap";
    case kReplyWrap: return mode == Mode::kRoundTrip ? "reply wrap" : "carol wrap";
    case kReplyUnwrap: return mode == Mode::kRoundTrip ? "reply unwrap" : "carol unwrap";
    case kTick: return "tick";
    case kPhaseCount: break;
  }
  return "?";
}

constexpr std::size_t kEventKinds = static_cast<std::size_t>(sds::EventKind::kBufferFull) + 1;

struct PhaseSummary {
  std::uint64_t count = 0;
  std::uint64_t window = 0;  // messages in each of the first/last windows
  std::uint64_t total_ns = 0;
  std::uint64_t first_ns = 0;
  std::uint64_t last_ns = 0;
  std::uint64_t p50_ns = 0;
  std::uint64_t first_p50_ns = 0;  // median within the first window
  std::uint64_t last_p50_ns = 0;   // median within the last window
  std::uint64_t p99_ns = 0;
  std::uint64_t max_ns = 0;
  std::uint64_t wire_bytes = 0;  // sum over the phase's messages
};

struct RunSummary {
  bool ok = false;
  std::array<char, 512> error{};
  std::array<PhaseSummary, kPhaseCount> phases{};
  std::array<std::uint64_t, kEventKinds> sender_events{};
  std::array<std::uint64_t, kEventKinds> receiver_events{};
  std::uint64_t max_sender_outgoing = 0;
  std::uint64_t sender_outgoing_end = 0;
  std::uint64_t receiver_outgoing_end = 0;
  long base_rss_kb = 0;  // at the start of the run
  long end_rss_kb = 0;   // after the last message, both managers alive
  long peak_rss_kb = 0;  // getrusage ru_maxrss
  long wrap_peak_rss_kb = 0;  // peer: ru_maxrss when the wrap phase ended
  // Minor page faults (the process's, all phases) during the first and the
  // last window of alice's messages: growth here means fresh memory.
  std::uint64_t run_window = 0;
  std::uint64_t first_window_faults = 0;
  std::uint64_t last_window_faults = 0;
  double wall_s = 0;
};
static_assert(std::is_trivially_copyable_v<RunSummary>);

// Per-message durations of one phase.
class Recorder {
 public:
  void Reserve(std::size_t n) { ns_.reserve(n); }
  void Add(Clock::duration elapsed, std::size_t wire_bytes) {
    ns_.push_back(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()));
    wire_bytes_ += wire_bytes;
  }

  PhaseSummary Summarize() const {
    PhaseSummary s;
    s.count = ns_.size();
    s.wire_bytes = wire_bytes_;
    if (ns_.empty()) return s;
    // Short phases (e.g. the replies of a small run) use half their length,
    // so that the two windows never overlap.
    s.window = std::min<std::uint64_t>(kWindow, std::max<std::uint64_t>(1, s.count / 2));
    for (std::uint64_t v : ns_) s.total_ns += v;
    for (std::size_t i = 0; i < s.window; ++i) {
      s.first_ns += ns_[i];
      s.last_ns += ns_[ns_.size() - 1 - i];
    }
    s.first_p50_ns = WindowMedian(0, s.window);
    s.last_p50_ns = WindowMedian(ns_.size() - s.window, s.window);
    std::vector<std::uint64_t> sorted = ns_;
    std::ranges::sort(sorted);
    s.p50_ns = sorted[sorted.size() / 2];
    s.p99_ns = sorted[std::min(sorted.size() - 1, sorted.size() * 99 / 100)];
    s.max_ns = sorted.back();
    return s;
  }

 private:
  std::uint64_t WindowMedian(std::size_t start, std::size_t length) const {
    std::vector<std::uint64_t> part(ns_.begin() + static_cast<std::ptrdiff_t>(start),
                                    ns_.begin() + static_cast<std::ptrdiff_t>(start + length));
    std::ranges::nth_element(part, part.begin() + static_cast<std::ptrdiff_t>(length / 2));
    return part[length / 2];
  }

  std::vector<std::uint64_t> ns_;
  std::uint64_t wire_bytes_ = 0;
};

long CurrentRssKb() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0;
  long pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return pages_resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

long PeakRssKb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

std::uint64_t MinorFaults() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_minflt);
}

// ---------------------------------------------------------------------------
// One run

struct RunSpec {
  std::size_t config_index = 0;
  Mode mode = Mode::kOneWay;
  std::size_t n = 0;
  std::size_t reply_every = 10;  // alice's messages per message back (bob's or carol's)
  sds::Dialect dialect = sds::Dialect::kNim;
};

[[noreturn]] void Fail(std::string_view what, std::size_t message, const std::string& detail) {
  throw std::runtime_error(std::string(what) + " at message " + std::to_string(message) + ": " +
                           detail);
}

void CountEvents(const std::vector<sds::Event>& events,
                 std::array<std::uint64_t, kEventKinds>& counts) {
  for (const sds::Event& event : events) ++counts[static_cast<std::size_t>(event.kind)];
}

// The checks that make a fast wrong answer fail: the message arrived whole,
// was not a duplicate, had no missing dependencies, and was delivered once.
void CheckDelivery(const sds::Result<sds::UnwrapResult>& got, const std::vector<sds::Event>& events,
                   const std::string& id, const sds::Bytes& content, std::string_view who,
                   std::size_t i) {
  std::string what = std::string(who) + " Unwrap";
  if (!got) Fail(what, i, got.error().ToString());
  if (got->kind != sds::MessageKind::kContent || got->duplicate || !got->missing.empty() ||
      got->message_id != id || got->content != content) {
    Fail(what, i,
         "not a clean delivery (duplicate=" + std::to_string(got->duplicate) +
             ", missing=" + std::to_string(got->missing.size()) + ")");
  }
  std::size_t delivered = 0;
  for (const sds::Event& event : events) {
    if (event.kind == sds::EventKind::kDelivered && event.message_id == id) ++delivered;
  }
  if (delivered != 1) Fail(what, i, std::to_string(delivered) + " delivered events");
}

std::size_t OutgoingSize(const sds::ReliabilityManager& manager) {
  const sds::Channel* channel = manager.FindChannel(std::string(kChannel));
  return channel == nullptr ? 0 : channel->outgoing().size();
}

// The end of a run, while its managers are alive: wall time, what is left
// in the outgoing buffers, memory.
void RecordEnd(const sds::ReliabilityManager& alice, const sds::ReliabilityManager& bob,
               Clock::time_point wall_start, RunSummary& out) {
  out.wall_s = std::chrono::duration<double>(Clock::now() - wall_start).count();
  out.sender_outgoing_end = OutgoingSize(alice);
  out.receiver_outgoing_end = OutgoingSize(bob);
  out.end_rss_kb = CurrentRssKb();
}

// After the managers are gone: peak memory and the per-phase summaries.
void Finish(const std::array<Recorder, kPhaseCount>& rec, RunSummary& out) {
  out.peak_rss_kb = PeakRssKb();
  for (std::size_t p = 0; p < kPhaseCount; ++p) out.phases[p] = rec[p].Summarize();
  out.ok = true;
}

// Carol's causal history cites her own last messages, one per carol_every of
// alice's. A receiver counts a dependency as delivered only while it is in
// its log (max_message_history), so carol must not cite further back than
// about half of alice's log, or alice would see delivered messages as missing.
sds::Config BystanderConfig(sds::Config config, const RunSpec& spec) {
  std::size_t reach = std::max<std::size_t>(1, config.max_message_history / (2 * spec.reply_every));
  config.max_causal_history = std::min(config.max_causal_history, reach);
  return config;
}

void RunOnce(const RunSpec& spec, RunSummary& out) {
  out.base_rss_kb = CurrentRssKb();
  sds::Config config = BenchConfigs()[spec.config_index].config;
  config.dialect = spec.dialect;
  if (spec.mode == Mode::kOneWay) {
    config.max_outgoing_buffer = std::max(config.max_outgoing_buffer, spec.n);
  }
  const sds::ChannelId channel(kChannel);

  std::array<Recorder, kPhaseCount> rec;
  rec[kWrap].Reserve(spec.n);
  rec[kUnwrap].Reserve(spec.n);
  rec[kTick].Reserve(spec.n);
  rec[kReplyWrap].Reserve(spec.n / spec.reply_every);
  rec[kReplyUnwrap].Reserve(spec.n / spec.reply_every);

  Mulberry32 sender_rng(kSenderSeed);
  Mulberry32 replier_rng(kReplierSeed);
  sds::Bytes content(kPayloadBytes);
  sds::Bytes reply(kPayloadBytes);
  std::int64_t now = kStartMs;
  const Clock::time_point wall_start = Clock::now();
  {
    sds::ReliabilityManager alice{std::string(kSender), config};
    sds::ReliabilityManager bob{std::string(kReceiver), config};
    // Who sends messages back to alice: bob (who has seen all of hers, so
    // his messages acknowledge them), or in oneway mode carol, who has seen
    // none of alice's messages and so acknowledges nothing.
    sds::ReliabilityManager carol{std::string(kBystander), BystanderConfig(config, spec)};
    sds::ReliabilityManager& replier = spec.mode == Mode::kRoundTrip ? bob : carol;
    const std::string replier_name(spec.mode == Mode::kRoundTrip ? kReceiver : kBystander);

    out.run_window = std::min<std::size_t>(kWindow, spec.n / 2);
    std::uint64_t faults_at = MinorFaults();
    for (std::size_t i = 0; i < spec.n; ++i, now += kStepMs) {
      if (i == out.run_window) {
        out.first_window_faults = MinorFaults() - faults_at;
      } else if (i == spec.n - out.run_window) {
        faults_at = MinorFaults();
      }
      FillRandom(sender_rng, content);
      const std::string id = RandomMessageId(sender_rng);

      Clock::time_point t0 = Clock::now();
      sds::Result<sds::Bytes> wire = alice.Wrap(channel, content, id, now);
      std::vector<sds::Event> sender_events = alice.TakeEvents();
      Clock::time_point t1 = Clock::now();
      if (!wire) Fail("alice Wrap", i, wire.error().ToString());
      rec[kWrap].Add(t1 - t0, wire->size());
      CountEvents(sender_events, out.sender_events);

      t0 = Clock::now();
      sds::Result<sds::UnwrapResult> got = bob.Unwrap(*wire, now);
      std::vector<sds::Event> receiver_events = bob.TakeEvents();
      t1 = Clock::now();
      rec[kUnwrap].Add(t1 - t0, wire->size());
      CheckDelivery(got, receiver_events, id, content, "bob", i);
      CountEvents(receiver_events, out.receiver_events);

      if ((i + 1) % spec.reply_every == 0) {
        FillRandom(replier_rng, reply);
        const std::string reply_id = RandomMessageId(replier_rng);
        t0 = Clock::now();
        sds::Result<sds::Bytes> reply_wire = replier.Wrap(channel, reply, reply_id, now);
        receiver_events = replier.TakeEvents();
        t1 = Clock::now();
        if (!reply_wire) Fail(replier_name + " Wrap", i, reply_wire.error().ToString());
        rec[kReplyWrap].Add(t1 - t0, reply_wire->size());
        CountEvents(receiver_events, out.receiver_events);

        t0 = Clock::now();
        sds::Result<sds::UnwrapResult> reply_got = alice.Unwrap(*reply_wire, now);
        sender_events = alice.TakeEvents();
        t1 = Clock::now();
        rec[kReplyUnwrap].Add(t1 - t0, reply_wire->size());
        CheckDelivery(reply_got, sender_events, reply_id, reply, "alice", i);
        CountEvents(sender_events, out.sender_events);

        if (&replier == &carol) {
          // Bob hears carol too (alice's next messages cite hers); untimed.
          sds::Result<sds::UnwrapResult> relayed = bob.Unwrap(*reply_wire, now);
          receiver_events = bob.TakeEvents();
          CheckDelivery(relayed, receiver_events, reply_id, reply, "bob (carol's)", i);
          CountEvents(receiver_events, out.receiver_events);
        }
      }

      // Periodic work (resends, sweeps, sync messages), as an app would run
      // it; sync messages are produced but not sent anywhere.
      t0 = Clock::now();
      for (sds::ReliabilityManager* manager : {&alice, &bob, &carol}) {
        if (sds::Status ticked = manager->Tick(now); !ticked) {
          Fail("Tick", i, ticked.error().ToString());
        }
      }
      sender_events = alice.TakeEvents();
      receiver_events = bob.TakeEvents();
      std::vector<sds::Event> bystander_events = carol.TakeEvents();
      t1 = Clock::now();
      rec[kTick].Add(t1 - t0, 0);
      CountEvents(sender_events, out.sender_events);
      CountEvents(receiver_events, out.receiver_events);
      CountEvents(bystander_events, out.receiver_events);

      out.max_sender_outgoing =
          std::max<std::uint64_t>(out.max_sender_outgoing, OutgoingSize(alice));
    }
    out.last_window_faults = MinorFaults() - faults_at;
    RecordEnd(alice, bob, wall_start, out);
  }
  Finish(rec, out);
}

// The peer mode (see the top of the file): all wraps, then all unwraps.
void RunPeer(const RunSpec& spec, RunSummary& out) {
  out.base_rss_kb = CurrentRssKb();
  sds::Config config = BenchConfigs()[spec.config_index].config;
  config.dialect = spec.dialect;
  config.content_addressed_ids = true;
  config.max_outgoing_buffer = std::max(config.max_outgoing_buffer, spec.n);
  config.max_message_history = std::max(config.max_message_history, spec.n);
  const sds::ChannelId channel(kChannel);

  std::array<Recorder, kPhaseCount> rec;
  rec[kWrap].Reserve(spec.n);
  rec[kUnwrap].Reserve(spec.n);
  std::vector<sds::Bytes> wires;
  wires.reserve(spec.n);
  sds::Bytes content(kPayloadBytes);
  std::int64_t now = kStartMs;
  const Clock::time_point wall_start = Clock::now();
  {
    sds::ReliabilityManager alice{std::string(kSender), config};
    sds::ReliabilityManager bob{std::string(kReceiver), config};
    Mulberry32 rng(kSenderSeed);
    for (std::size_t i = 0; i < spec.n; ++i, now += kStepMs) {
      FillRandom(rng, content);
      Clock::time_point t0 = Clock::now();
      sds::Result<sds::Bytes> wire = alice.Wrap(channel, content, "", now);
      std::vector<sds::Event> events = alice.TakeEvents();
      Clock::time_point t1 = Clock::now();
      if (!wire) Fail("alice Wrap", i, wire.error().ToString());
      rec[kWrap].Add(t1 - t0, wire->size());
      CountEvents(events, out.sender_events);
      wires.push_back(*std::move(wire));
    }
    out.max_sender_outgoing = OutgoingSize(alice);
    out.wrap_peak_rss_kb = PeakRssKb();

    Mulberry32 replay(kSenderSeed);  // the same payloads again, to check each delivery
    for (std::size_t i = 0; i < spec.n; ++i, now += kStepMs) {
      FillRandom(replay, content);
      Clock::time_point t0 = Clock::now();
      sds::Result<sds::UnwrapResult> got = bob.Unwrap(wires[i], now);
      std::vector<sds::Event> events = bob.TakeEvents();
      Clock::time_point t1 = Clock::now();
      rec[kUnwrap].Add(t1 - t0, wires[i].size());
      CheckDelivery(got, events, sds::ContentMessageId(content), content, "bob", i);
      CountEvents(events, out.receiver_events);
    }
    RecordEnd(alice, bob, wall_start, out);
  }
  Finish(rec, out);
}

void RunCatching(const RunSpec& spec, RunSummary& out) {
  try {
    if (spec.mode == Mode::kPeer) {
      RunPeer(spec, out);
    } else {
      RunOnce(spec, out);
    }
  } catch (const std::exception& e) {
    out.ok = false;
    std::snprintf(out.error.data(), out.error.size(), "%s", e.what());
  }
}

// Runs `spec` in a forked child (fresh heap, own peak RSS) and returns what
// it measured. The child writes its summary into a shared anonymous mapping.
RunSummary RunIsolated(const RunSpec& spec, bool fork_runs) {
  RunSummary result;
  if (!fork_runs) {
    RunCatching(spec, result);
    return result;
  }
  void* memory = ::mmap(nullptr, sizeof(RunSummary), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::runtime_error("mmap failed");
  auto* shared = new (memory) RunSummary();
  std::cout.flush();
  std::cerr.flush();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::munmap(memory, sizeof(RunSummary));
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    RunCatching(spec, *shared);
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  result = *shared;
  ::munmap(memory, sizeof(RunSummary));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result.ok = false;
    std::string why = WIFSIGNALED(status)
                          ? "child killed by signal " + std::to_string(WTERMSIG(status)) +
                                (WTERMSIG(status) == 9 ? " (out of memory?)" : "")
                          : "child exited with status " + std::to_string(WEXITSTATUS(status));
    std::snprintf(result.error.data(), result.error.size(), "%s", why.c_str());
  }
  return result;
}

// ---------------------------------------------------------------------------
// Reporting

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::ranges::sort(values);
  std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

double Rate(std::uint64_t messages, std::uint64_t ns) {
  return ns == 0 ? 0 : static_cast<double>(messages) * 1e9 / static_cast<double>(ns);
}

// One phase of one (config, mode, N), as printed: medians over repetitions.
struct PhaseRow {
  std::uint64_t count = 0;
  std::uint64_t window = 0;
  double overall = 0;  // msg/s
  double first = 0;
  double last = 0;
  double ratio = 0;  // last / first
  double p50_ratio = 0;  // first-window median / last-window median (>1 = faster at the end)
  double wire_mean = 0;
  double p50_us = 0;
  double first_p50_us = 0;
  double last_p50_us = 0;
  double p99_us = 0;
  double max_us = 0;
  double total_ms = 0;
  std::vector<double> rep_overall, rep_first, rep_last;
};

PhaseRow MakeRow(const std::vector<RunSummary>& reps, Phase phase) {
  PhaseRow row;
  std::vector<double> ratio, p50_ratio, wire, p50, first_p50, last_p50, p99, max, total;
  for (const RunSummary& run : reps) {
    const PhaseSummary& s = run.phases[phase];
    row.count = s.count;
    row.window = s.window;
    row.rep_overall.push_back(Rate(s.count, s.total_ns));
    row.rep_first.push_back(Rate(s.window, s.first_ns));
    row.rep_last.push_back(Rate(s.window, s.last_ns));
    ratio.push_back(row.rep_first.back() == 0 ? 0 : row.rep_last.back() / row.rep_first.back());
    p50_ratio.push_back(s.last_p50_ns == 0 ? 0
                                           : static_cast<double>(s.first_p50_ns) /
                                                 static_cast<double>(s.last_p50_ns));
    wire.push_back(s.count == 0 ? 0
                                : static_cast<double>(s.wire_bytes) / static_cast<double>(s.count));
    p50.push_back(static_cast<double>(s.p50_ns) / 1e3);
    first_p50.push_back(static_cast<double>(s.first_p50_ns) / 1e3);
    last_p50.push_back(static_cast<double>(s.last_p50_ns) / 1e3);
    p99.push_back(static_cast<double>(s.p99_ns) / 1e3);
    max.push_back(static_cast<double>(s.max_ns) / 1e3);
    total.push_back(static_cast<double>(s.total_ns) / 1e6);
  }
  row.overall = Median(row.rep_overall);
  row.first = Median(row.rep_first);
  row.last = Median(row.rep_last);
  row.ratio = Median(ratio);
  row.p50_ratio = Median(p50_ratio);
  row.wire_mean = Median(wire);
  row.p50_us = Median(p50);
  row.first_p50_us = Median(first_p50);
  row.last_p50_us = Median(last_p50);
  row.p99_us = Median(p99);
  row.max_us = Median(max);
  row.total_ms = Median(total);
  return row;
}

struct RunGroup {
  RunSpec spec;
  std::vector<RunSummary> reps;  // only the successful ones
  std::string error;             // the first failure, if any
};

std::string Grouped(double value) {
  std::string digits = std::to_string(static_cast<long long>(value + 0.5));
  std::string out;
  int since_separator = static_cast<int>(digits.size() % 3);
  if (since_separator == 0) since_separator = 3;
  for (char c : digits) {
    if (since_separator == 0) {
      out.push_back(',');
      since_separator = 3;
    }
    out.push_back(c);
    --since_separator;
  }
  return out;
}

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string Mb(long kb) { return Fixed(static_cast<double>(kb) / 1024.0, 1); }

// A Markdown table with right-aligned columns, padded to the widest cell.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out) const {
    std::vector<std::size_t> width(rows_[0].size(), 0);
    for (const auto& row : rows_) {
      for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], Width(row[c]));
    }
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      out << '|';
      for (std::size_t c = 0; c < rows_[r].size(); ++c) {
        const std::string& cell = rows_[r][c];
        std::string pad(width[c] - Width(cell), ' ');
        // Text columns (the first four) left-aligned, numbers right-aligned.
        out << ' ' << (c < 4 ? cell + pad : pad + cell) << " |";
      }
      out << '\n';
      if (r == 0) {
        out << '|';
        for (std::size_t c = 0; c < width.size(); ++c) {
          out << ' ' << (c < 4 ? std::string(width[c], '-') : std::string(width[c] - 1, '-') + ':')
              << " |";
        }
        out << '\n';
      }
    }
  }

 private:
  // Display width of UTF-8 text: the bytes that start a code point.
  static std::size_t Width(std::string_view text) {
    return static_cast<std::size_t>(std::ranges::count_if(
        text, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  }

  std::vector<std::vector<std::string>> rows_;
};

// The replier's wraps are the same work as alice's; only the unwrap side
// differs between the modes (acknowledging or not).
std::vector<Phase> ShownPhases() { return {kWrap, kUnwrap, kReplyUnwrap}; }

void PrintRates(std::ostream& out, const std::vector<RunGroup>& groups) {
  Table table({"config", "N", "mode", "phase", "overall msg/s", "first-1k msg/s", "last-1k msg/s",
               "last/first", "p50 first/last", "mean wire B", "p50 µs", "p99 µs", "max ms"});
  for (const RunGroup& group : groups) {
    if (group.reps.empty()) continue;
    for (Phase phase : ShownPhases()) {
      PhaseRow row = MakeRow(group.reps, phase);
      if (row.count == 0) continue;  // the peer mode has no messages back
      std::string ratio = Fixed(row.ratio, 2);
      if (row.ratio < 0.8) ratio += " (!)";
      if (row.window != kWindow) ratio += " [w=" + std::to_string(row.window) + "]";
      table.Add({std::string(BenchConfigs()[group.spec.config_index].name),
                 std::to_string(group.spec.n), std::string(ModeName(group.spec.mode)),
                 std::string(PhaseName(phase, group.spec.mode)), Grouped(row.overall),
                 Grouped(row.first),
                 Grouped(row.last), ratio, Fixed(row.p50_ratio, 2), Grouped(row.wire_mean),
                 Fixed(row.p50_us, 1),
                 Fixed(row.p99_us, 1), Fixed(row.max_us / 1e3, 2)});
    }
  }
  table.Print(out);
}

template <class F>
double MedianOf(const std::vector<RunSummary>& reps, F&& field) {
  std::vector<double> values;
  for (const RunSummary& run : reps) values.push_back(static_cast<double>(field(run)));
  return Median(std::move(values));
}

std::string EventList(const std::array<std::uint64_t, kEventKinds>& counts) {
  std::string text;
  for (std::size_t k = 0; k < kEventKinds; ++k) {
    if (counts[k] == 0) continue;
    if (!text.empty()) text += ' ';
    text += std::string(sds::EventKindName(static_cast<sds::EventKind>(k))) + '=' +
            std::to_string(counts[k]);
  }
  return text.empty() ? "-" : text;
}

std::string FaultsPerMessage(const RunSummary& run) {
  if (run.run_window == 0) return "-";
  double window = static_cast<double>(run.run_window);
  return Fixed(static_cast<double>(run.first_window_faults) / window, 1) + " → " +
         Fixed(static_cast<double>(run.last_window_faults) / window, 1);
}

void PrintResources(std::ostream& out, const std::vector<RunGroup>& groups) {
  Table table({"config", "N", "mode", "alice events (last rep)", "peak RSS MB", "live RSS MB",
               "alice outgoing max", "faults/msg first→last", "tick total ms", "tick max ms",
               "wall s"});
  for (const RunGroup& group : groups) {
    if (group.reps.empty()) continue;
    PhaseRow tick = MakeRow(group.reps, kTick);
    table.Add({std::string(BenchConfigs()[group.spec.config_index].name),
               std::to_string(group.spec.n), std::string(ModeName(group.spec.mode)),
               EventList(group.reps.back().sender_events),
               Mb(static_cast<long>(MedianOf(group.reps, [](const RunSummary& r) {
                 return r.peak_rss_kb;
               }))),
               Mb(static_cast<long>(MedianOf(group.reps, [](const RunSummary& r) {
                 return r.end_rss_kb;
               }))),
               Grouped(MedianOf(group.reps,
                                [](const RunSummary& r) { return r.max_sender_outgoing; })),
               FaultsPerMessage(group.reps.back()),
               Fixed(tick.total_ms, 1), Fixed(tick.max_us / 1e3, 2),
               Fixed(MedianOf(group.reps, [](const RunSummary& r) { return r.wall_s; }), 1)});
  }
  table.Print(out);
}

// --- JSON (the field names of the js-waku harness, reference §6, where they exist)

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
      out += buffer;
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

std::string JsonNumber(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

std::string JsonArray(const std::vector<double>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += JsonNumber(values[i]);
  }
  return out + "]";
}

std::string JsonEvents(const std::array<std::uint64_t, kEventKinds>& counts) {
  std::string out = "{";
  bool first = true;
  for (std::size_t k = 0; k < kEventKinds; ++k) {
    if (counts[k] == 0) continue;
    if (!first) out += ',';
    first = false;
    out += JsonString(sds::EventKindName(static_cast<sds::EventKind>(k))) + ':' +
           std::to_string(counts[k]);
  }
  return out + "}";
}

std::string ToJson(const Options& options, const std::vector<RunGroup>& groups) {
  std::ostringstream out;
  out << "{\"impl\":\"sds-wasm native\",\"version\":" << JsonString(SDS_BENCH_VERSION)
      << ",\"payloadBytes\":" << kPayloadBytes << ",\"window\":" << kWindow
      << ",\"reps\":" << options.reps << ",\"replyEvery\":" << options.reply_every
      << ",\"carolEvery\":" << options.carol_every
      << ",\"runs\":[";
  bool first_run = true;
  for (const RunGroup& group : groups) {
    if (!first_run) out << ',';
    first_run = false;
    const NamedConfig named = BenchConfigs()[group.spec.config_index];
    out << "{\"config\":" << JsonString(named.name)
        << ",\"causalHistorySize\":" << named.config.max_causal_history
        << ",\"dialect\":" << JsonString(sds::DialectName(group.spec.dialect))
        << ",\"mode\":" << JsonString(ModeName(group.spec.mode)) << ",\"n\":" << group.spec.n
        << ",\"ok\":" << (group.error.empty() ? "true" : "false");
    if (!group.error.empty()) out << ",\"error\":" << JsonString(group.error);
    if (!group.reps.empty()) {
      const RunSummary& last = group.reps.back();
      auto median = [&](auto field) { return JsonNumber(MedianOf(group.reps, field)); };
      out << ",\"peakRssKb\":" << median([](const RunSummary& r) { return r.peak_rss_kb; })
          << ",\"wrapPeakRssKb\":" << median([](const RunSummary& r) { return r.wrap_peak_rss_kb; })
          << ",\"liveRssKb\":" << median([](const RunSummary& r) { return r.end_rss_kb; })
          << ",\"baseRssKb\":" << median([](const RunSummary& r) { return r.base_rss_kb; })
          << ",\"wallSeconds\":" << median([](const RunSummary& r) { return r.wall_s; })
          << ",\"runWindow\":" << last.run_window
          << ",\"firstWindowMinorFaults\":" << last.first_window_faults
          << ",\"lastWindowMinorFaults\":" << last.last_window_faults
          << ",\"maxSenderOutgoing\":" << last.max_sender_outgoing
          << ",\"senderOutgoingAtEnd\":" << last.sender_outgoing_end
          << ",\"receiverOutgoingAtEnd\":" << last.receiver_outgoing_end
          << ",\"senderEvents\":" << JsonEvents(last.sender_events)
          << ",\"receiverEvents\":" << JsonEvents(last.receiver_events) << ",\"phases\":[";
      bool first_phase = true;
      for (std::size_t p = 0; p < kPhaseCount; ++p) {
        PhaseRow row = MakeRow(group.reps, static_cast<Phase>(p));
        if (row.count == 0) continue;
        if (!first_phase) out << ',';
        first_phase = false;
        out << "{\"phase\":" << JsonString(PhaseName(static_cast<Phase>(p), group.spec.mode))
            << ",\"count\":" << row.count
            << ",\"windowSize\":" << row.window << ",\"opsPerSec\":" << JsonNumber(row.overall)
            << ",\"firstWindowOpsPerSec\":" << JsonNumber(row.first)
            << ",\"lastWindowOpsPerSec\":" << JsonNumber(row.last)
            << ",\"lastOverFirst\":" << JsonNumber(row.ratio)
            << ",\"wireBytesMean\":" << JsonNumber(row.wire_mean)
            << ",\"p50Us\":" << JsonNumber(row.p50_us)
            << ",\"firstWindowP50Us\":" << JsonNumber(row.first_p50_us)
            << ",\"lastWindowP50Us\":" << JsonNumber(row.last_p50_us)
            << ",\"p50FirstOverLast\":" << JsonNumber(row.p50_ratio)
            << ",\"p99Us\":" << JsonNumber(row.p99_us)
            << ",\"maxUs\":" << JsonNumber(row.max_us)
            << ",\"totalMs\":" << JsonNumber(row.total_ms)
            << ",\"repOpsPerSec\":" << JsonArray(row.rep_overall)
            << ",\"repFirstWindowOpsPerSec\":" << JsonArray(row.rep_first)
            << ",\"repLastWindowOpsPerSec\":" << JsonArray(row.rep_last) << '}';
      }
      out << ']';
    }
    out << '}';
  }
  out << "]}";
  return out.str();
}

// ---------------------------------------------------------------------------

int Main(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  std::vector<RunGroup> groups;
  for (std::size_t n : options.sizes) {
    for (std::size_t config_index : options.configs) {
      for (Mode mode : options.modes) {
        std::size_t every = mode == Mode::kRoundTrip ? options.reply_every : options.carol_every;
        groups.push_back({{config_index, mode, n, every, options.dialect}, {}, {}});
      }
    }
  }

  const std::size_t total_runs = groups.size() * static_cast<std::size_t>(options.reps);
  std::size_t done = 0;
  bool failed = false;
  for (RunGroup& group : groups) {
    for (int rep = 0; rep < options.reps; ++rep) {
      ++done;
      std::cerr << "[" << done << "/" << total_runs << "] "
                << BenchConfigs()[group.spec.config_index].name << ' '
                << ModeName(group.spec.mode) << " N=" << group.spec.n << " rep " << rep + 1
                << " ... " << std::flush;
      RunSummary run = RunIsolated(group.spec, options.fork_runs);
      if (!run.ok) {
        failed = true;
        std::cerr << "FAILED: " << run.error.data() << '\n';
        if (group.error.empty()) group.error = run.error.data();
        continue;
      }
      std::cerr << Fixed(run.wall_s, 1) << " s, wrap "
                << Grouped(Rate(run.phases[kWrap].count, run.phases[kWrap].total_ns))
                << "/s, unwrap "
                << Grouped(Rate(run.phases[kUnwrap].count, run.phases[kUnwrap].total_ns))
                << "/s, peak RSS " << Mb(run.peak_rss_kb) << " MB\n";
      group.reps.push_back(run);
    }
  }

  std::cout << "SDS engine, native: " << kPayloadBytes << "-byte messages on one channel, "
            << options.reps << " rep(s), medians shown. Messages back to alice: roundtrip, bob's "
            << "(acknowledging) after every " << options.reply_every
            << " of hers; oneway, carol's (not acknowledging) after every " << options.carol_every
            << ".\n"
            << "Dialect: " << sds::DialectName(options.dialect) << ".\n"
            << "Allocator: glibc, GLIBC_TUNABLES="
            << (std::getenv("GLIBC_TUNABLES") ? std::getenv("GLIBC_TUNABLES") : "(unset)") << ".\n"
            << "Rates count only the timed calls (Wrap or Unwrap + TakeEvents). "
               "(!) marks last/first < 0.8.\n\n";
  PrintRates(std::cout, groups);
  std::cout << "\nPer run: alice's events, memory (each run in its own process), ticks.\n\n";
  PrintResources(std::cout, groups);
  for (const RunGroup& group : groups) {
    if (!group.error.empty()) {
      std::cout << "\nFAILED " << BenchConfigs()[group.spec.config_index].name << ' '
                << ModeName(group.spec.mode) << " N=" << group.spec.n << ": " << group.error
                << '\n';
    }
  }

  if (!options.json_path.empty()) {
    std::string json = ToJson(options, groups);
    if (options.json_path == "-") {
      std::cout << json << '\n';
    } else {
      std::ofstream file(options.json_path);
      file << json << '\n';
      if (!file) throw std::runtime_error("cannot write " + options.json_path);
    }
  }
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace sdsbench

// glibc's per-thread cache keeps 7 free chunks per size by default. A
// message's causal history frees and reallocates hundreds of small strings
// per call, and past the cache they go through the shared bins, whose cost
// grows with a large live heap (alice's unacknowledged buffer): the engine
// stays flat but malloc does not. A larger cache measures the engine; run with
// --glibc-defaults (or any GLIBC_TUNABLES) to see stock glibc.
constexpr const char* kAllocatorTunables = "glibc.malloc.tcache_count=4096";

void ConfigureAllocator(int argc, char** argv) {
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--glibc-defaults") return;
  }
  setenv("GLIBC_TUNABLES", kAllocatorTunables, 1);
  execv("/proc/self/exe", argv);  // tunables are read at startup; on failure, go on as is
}

int main(int argc, char** argv) {
  ConfigureAllocator(argc, argv);
  try {
    return sdsbench::Main(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::cerr << "sds_native_bench: " << e.what() << '\n';
    sdsbench::PrintUsage(std::cerr);
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "sds_native_bench: " << e.what() << '\n';
    return 1;
  }
}
