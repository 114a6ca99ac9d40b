// Writes the seed corpora of the fuzz targets:
//   seed_corpus <repository root> <output directory>
// creates <output>/<target>/ for every target (see CMakeLists.txt) and fills
// it from two sources:
//   - the golden vectors of the codec suites: every hex string literal (with
//     adjacent literals joined) in tests/sds/*_test.cc, routed to the targets
//     whose decoders accept it; all of them seed the dialect target, and the
//     dialect decoders' seeds include the refused ones too, as near misses;
//   - values built here and encoded by the code under test: messages of both
//     dialects with history, repair requests and filters, a channel
//     snapshot with every list filled and each record type, and packed
//     write batches.
// Files are named after a hash of their contents, so rerunning is harmless.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "packed_writer.h"
#include "sds/dialect.h"
#include "sds/nim_codec.h"
#include "sds/snapshot_codec.h"
#include "sds/spec_codec.h"

namespace fs = std::filesystem;

namespace {

using sds::Bytes;

class Corpora {
 public:
  explicit Corpora(fs::path root) : root_(std::move(root)) {}

  void Add(std::string_view target, const Bytes& bytes) {
    const fs::path dir = root_ / target;
    fs::create_directories(dir);
    std::uint64_t hash = 1469598103934665603ull;  // FNV-1a
    for (std::uint8_t byte : bytes) hash = (hash ^ byte) * 1099511628211ull;
    std::ostringstream name;
    name << "seed-" << std::hex << hash;
    std::ofstream out(dir / name.str(), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    ++count_;
  }
  // For the targets whose first byte picks a mode.
  void AddWithSelector(std::string_view target, std::uint8_t selector, const Bytes& bytes) {
    Bytes prefixed{selector};
    prefixed.insert(prefixed.end(), bytes.begin(), bytes.end());
    Add(target, prefixed);
  }
  int count() const { return count_; }

 private:
  fs::path root_;
  int count_ = 0;
};

// Hex literals of a C++ source: "..." made only of hex digits, with literals
// separated by nothing but white space joined into one.
std::vector<Bytes> HexLiterals(const std::string& source) {
  std::vector<Bytes> found;
  std::string joined;
  bool joinable = false;  // only white space since the last hex literal
  for (std::size_t i = 0; i < source.size(); ++i) {
    const char c = source[i];
    if (c != '"') {
      if (!std::isspace(static_cast<unsigned char>(c)) && joinable) {
        if (joined.size() >= 4 && joined.size() % 2 == 0) {
          Bytes bytes;
          for (std::size_t j = 0; j < joined.size(); j += 2) {
            bytes.push_back(static_cast<std::uint8_t>(std::stoi(joined.substr(j, 2), nullptr, 16)));
          }
          found.push_back(std::move(bytes));
        }
        joined.clear();
        joinable = false;
      }
      continue;
    }
    const std::size_t end = source.find('"', i + 1);
    if (end == std::string::npos) break;
    const std::string_view text(source.data() + i + 1, end - i - 1);
    const bool hex = !text.empty() && std::ranges::all_of(text, [](char ch) {
      return std::isxdigit(static_cast<unsigned char>(ch)) != 0;
    });
    if (hex) {
      joined += text;
      joinable = true;
    } else {
      joined.clear();
      joinable = false;
    }
    i = end;
  }
  return found;
}

void AddGoldenVectors(const fs::path& repository, Corpora& corpora) {
  for (const auto& entry : fs::directory_iterator(repository / "tests" / "sds")) {
    if (!entry.path().filename().string().ends_with("_test.cc")) continue;
    std::ifstream in(entry.path());
    const std::string source{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    for (const Bytes& bytes : HexLiterals(source)) {
      corpora.Add("fuzz_dialect", bytes);
      corpora.Add("fuzz_nim_codec", bytes);
      corpora.Add("fuzz_spec_codec", bytes);
      if (sds::DecodeBloomEnvelope(bytes)) corpora.AddWithSelector("fuzz_bloom", 0, bytes);
      if (sds::DecodeChannelSnapshot(bytes)) corpora.AddWithSelector("fuzz_snapshot", 0, bytes);
      if (sds::DecodeHistoryUpdate(bytes)) corpora.AddWithSelector("fuzz_snapshot", 6, bytes);
    }
  }
}

sds::BloomFilter Filter(std::uint64_t capacity, double error_rate) {
  auto filter = sds::BloomFilter::Create(capacity, error_rate);
  for (std::string_view id : {"m0", "m1", "hello"}) filter->Insert(id, sds::StringHash::kFarm);
  return std::move(*filter);
}

sds::Message Sample(std::string id, std::uint64_t lamport) {
  sds::Message m;
  m.message_id = std::move(id);
  m.channel_id = "channel";
  m.sender_id = "alice";
  m.lamport_timestamp = lamport;
  m.causal_history = {{"m0", {1, 2}, "bob"}, {"m1", {}, ""}};
  m.repair_request = {{"lost", {}, "carol"}};
  m.content = {'h', 'i'};
  return m;
}

void Must(const sds::Result<Bytes>& bytes) {
  if (!bytes) {
    std::cerr << "seed_corpus: " << bytes.error().ToString() << "\n";
    std::exit(1);
  }
}

void AddEncodedMessages(Corpora& corpora) {
  sds::Message plain = Sample("m2", 7);
  sds::Message ephemeral = Sample("e1", 0);
  ephemeral.lamport_timestamp.reset();
  ephemeral.causal_history.clear();
  sds::Message sync = Sample("s1", 9);
  sync.content.clear();
  for (const sds::Message& m : {plain, ephemeral, sync}) {
    for (sds::Dialect dialect : {sds::Dialect::kNim, sds::Dialect::kSpec}) {
      const std::string_view target = dialect == sds::Dialect::kNim ? "fuzz_nim_codec" : "fuzz_spec_codec";
      auto bytes = sds::Encode(m, dialect);
      Must(bytes);
      corpora.Add(target, *bytes);
      corpora.Add("fuzz_dialect", *bytes);
    }
  }
  // With filters: a small nim one, and the spec peer's fixed one.
  const sds::BloomFilter small = Filter(10, 0.01);
  const sds::BloomFilter spec = Filter(sds::kSpecBloomCapacity, sds::kSpecBloomErrorRate);
  auto nim = sds::EncodeNim(plain, &small);
  auto js = sds::EncodeSpec(plain, &spec);
  Must(nim);
  Must(js);
  corpora.Add("fuzz_nim_codec", *nim);
  corpora.Add("fuzz_spec_codec", *js);
  corpora.Add("fuzz_dialect", *js);
  auto envelope = sds::EncodeBloomEnvelope(small);
  Must(envelope);
  corpora.AddWithSelector("fuzz_bloom", 0, *envelope);
  const Bytes words = spec.WordsBigEndian();
  corpora.AddWithSelector("fuzz_bloom", 1, Bytes(words.begin(), words.begin() + 64));
  corpora.AddWithSelector("fuzz_bloom", 2, Bytes(64, 0x5a));
}

void AddSnapshots(Corpora& corpora) {
  sds::Message stored = Sample("m2", 7);
  sds::ChannelSnapshot snapshot;
  snapshot.lamport = 12;
  snapshot.log = {{1, Sample("m0", 1)}, {2, Sample("m1", 2)}};
  snapshot.outgoing = {{3, stored, 1000, 2, 1}};
  snapshot.incoming = {{Sample("m5", 8), {"m3", "m4"}, 1500}};
  snapshot.outgoing_repair = {{{"m3", {}, "bob"}, 2000}};
  snapshot.incoming_repair = {{{"m1", {}, "alice"}, 2500}};
  snapshot.met = {"m4"};
  auto whole = sds::EncodeChannelSnapshot(snapshot);
  Must(whole);
  corpora.AddWithSelector("fuzz_snapshot", 0, *whole);
  auto logged = sds::EncodeLoggedMessage(snapshot.log[0]);
  auto outgoing = sds::EncodeOutgoingEntry(snapshot.outgoing[0]);
  auto incoming = sds::EncodeIncomingEntry(snapshot.incoming[0]);
  auto out_repair = sds::EncodeOutgoingRepairEntry(snapshot.outgoing_repair[0]);
  auto in_repair = sds::EncodeIncomingRepairEntry(snapshot.incoming_repair[0]);
  auto update = sds::EncodeHistoryUpdate({{Sample("m6", 9)}, {"m0"}});
  std::uint8_t selector = 1;
  for (const auto* bytes : {&logged, &outgoing, &incoming, &out_repair, &in_repair, &update}) {
    Must(*bytes);
    corpora.AddWithSelector("fuzz_snapshot", selector++, **bytes);
  }
}

void AddPackedBatches(Corpora& corpora) {
  using persistency::Key;
  persistency::WriteBatch batch;
  batch.Put("sds.log", Key::Raw(persistency::Bytes{0, 2, 'm', '0'}), {1, 2, 3});
  batch.Delete("sds.log", Key::Raw(persistency::Bytes{0, 2, 'm', '1'}));
  batch.DeletePrefix("sds.outgoing", Key::Raw(persistency::Bytes{0, 7}));
  batch.Put("", Key(), {});
  corpora.Add("fuzz_packed_batch", fuzz::Pack(batch));
  persistency::WriteBatch single;
  single.Put("kv", Key::Raw(persistency::Bytes{0xff, 0xff}), {0});
  corpora.Add("fuzz_packed_batch", fuzz::Pack(single));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: seed_corpus <repository root> <output directory>\n";
    return 2;
  }
  Corpora corpora(argv[2]);
  AddGoldenVectors(argv[1], corpora);
  AddEncodedMessages(corpora);
  AddSnapshots(corpora);
  AddPackedBatches(corpora);
  // The structured targets read their input through FuzzedDataProvider: a
  // few plain byte patterns give them a start.
  for (std::string_view target : {"fuzz_keys", "fuzz_scan"}) {
    corpora.Add(target, Bytes(32, 0x00));
    corpora.Add(target, Bytes(64, 0x81));
    Bytes ramp(96);
    for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<std::uint8_t>(i * 37);
    corpora.Add(target, ramp);
  }
  std::cout << "seed_corpus: " << corpora.count() << " seeds in " << argv[2] << "\n";
  return 0;
}
