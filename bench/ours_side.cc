// Our side, twice: persistency::Job (the API users call; every call crosses
// to the job's storage thread) and persistency::SqliteStore called directly
// (the same SQL without the thread hop). Both run with the default
// StoreOptions and build keys and payloads the way a caller would: MakeKey
// per call and an owned Bytes copy of every payload.
#include <deque>
#include <future>
#include <stdexcept>
#include <string>
#include <utility>

#include "persistency/encoding.h"
#include "persistency/job.h"
#include "persistency/sqlite_store.h"
#include "sides.h"

namespace kvbench {
namespace {

using persistency::Bytes;
using persistency::Key;
using persistency::KeyRange;
using persistency::KvRow;
using persistency::MakeKey;

const std::string& Category() {
  static const std::string category(kCategory);
  return category;
}

Key KeyFor(std::uint64_t row, KeyShape shape) {
  return shape == KeyShape::kFlat ? MakeKey(row) : MakeKey(GroupOf(row), row);
}

Bytes PayloadFor(const PayloadPool& pool, std::uint64_t row) {
  std::span<const std::uint8_t> payload = pool.For(row);
  return Bytes(payload.begin(), payload.end());
}

template <class T>
T Unwrap(persistency::Result<T> result, const char* what) {
  if (!result) throw std::runtime_error(std::string(what) + ": " + result.error().ToString());
  return std::move(*result);
}

void Check(const persistency::Status& status, const char* what) {
  if (!status) throw std::runtime_error(std::string(what) + ": " + status.error().ToString());
}

void AddRows(const std::vector<KvRow>& rows, Digest& digest) {
  for (const KvRow& row : rows) digest.Add(row.key.view(), row.payload);
}

void AddGet(const Key& key, const std::optional<Bytes>& payload, Digest& digest) {
  if (payload) digest.Add(key.view(), *payload);
}

class StoreSide final : public KvSide {
 public:
  explicit StoreSide(const std::filesystem::path& path)
      : store_(Unwrap(persistency::SqliteStore::Open(path.string()), "store open")) {}

  void Put(const PayloadPool& pool, std::uint64_t rows, std::uint64_t tx,
           KeyShape shape) override {
    for (std::uint64_t row = 0; row < rows;) {
      std::uint64_t end = std::min(rows, row + tx);
      persistency::WriteBatch batch;
      for (; row < end; ++row) batch.Put(Category(), KeyFor(row, shape), PayloadFor(pool, row));
      Check(store_->Apply(batch), "store apply");
    }
  }

  Digest Get(std::span<const std::uint64_t> rows) override {
    Digest digest;
    for (std::uint64_t row : rows) {
      Key key = MakeKey(row);
      AddGet(key, Unwrap(store_->Get(Category(), key), "store get"), digest);
    }
    return digest;
  }

  Digest Scan(std::span<const std::uint64_t> starts, std::uint64_t length) override {
    Digest digest;
    for (std::uint64_t start : starts) {
      KeyRange range{MakeKey(start), MakeKey(start + length)};
      AddRows(Unwrap(store_->Scan(Category(), range), "store scan"), digest);
    }
    return digest;
  }

  Digest ScanPrefix(std::span<const std::uint64_t> groups) override {
    Digest digest;
    for (std::uint64_t group : groups) {
      AddRows(Unwrap(store_->ScanPrefix(Category(), MakeKey(group)), "store prefix scan"), digest);
    }
    return digest;
  }

  Digest Count(int times) override {
    Digest digest;
    for (int i = 0; i < times; ++i) {
      std::int64_t count = Unwrap(store_->Count(Category(), KeyRange{}), "store count");
      digest.rows = static_cast<std::uint64_t>(count);
    }
    return digest;
  }

 private:
  std::unique_ptr<persistency::SqliteStore> store_;
};

class JobSide final : public KvSide {
 public:
  JobSide(const std::filesystem::path& path, std::size_t get_window, bool flush_each_tx)
      : job_(Unwrap(persistency::Job::Start("bench", path.string(), persistency::StoreOptions{}),
                    "job start")),
        get_window_(std::max<std::size_t>(get_window, 1)),
        flush_each_tx_(flush_each_tx) {}

  ~JobSide() override { job_->Close(); }

  void Put(const PayloadPool& pool, std::uint64_t rows, std::uint64_t tx,
           KeyShape shape) override {
    for (std::uint64_t row = 0; row < rows;) {
      std::uint64_t end = std::min(rows, row + tx);
      if (tx == 1) {
        Check(job_->Put(Category(), KeyFor(row, shape), PayloadFor(pool, row)), "job put");
        ++row;
      } else {
        persistency::WriteBatch batch;
        for (; row < end; ++row) batch.Put(Category(), KeyFor(row, shape), PayloadFor(pool, row));
        Check(job_->Write(std::move(batch)), "job write");
      }
      if (flush_each_tx_) Check(job_->Flush().get(), "job flush");
    }
    // Writes are fire-and-forget: the phase ends when they are committed.
    Check(job_->Flush().get(), "job flush");
  }

  Digest Get(std::span<const std::uint64_t> rows) override {
    Digest digest;
    if (get_window_ == 1) {
      for (std::uint64_t row : rows) {
        Key key = MakeKey(row);
        AddGet(key, Unwrap(job_->Get(Category(), key).get(), "job get"), digest);
      }
      return digest;
    }
    // Pipelined: keep get_window_ requests queued on the storage thread.
    using Pending = std::pair<Key, std::future<persistency::Result<std::optional<Bytes>>>>;
    std::deque<Pending> pending;
    auto drain_one = [&] {
      Pending& front = pending.front();
      AddGet(front.first, Unwrap(front.second.get(), "job get"), digest);
      pending.pop_front();
    };
    for (std::uint64_t row : rows) {
      if (pending.size() == get_window_) drain_one();
      Key key = MakeKey(row);
      auto future = job_->Get(Category(), key);
      pending.emplace_back(std::move(key), std::move(future));
    }
    while (!pending.empty()) drain_one();
    return digest;
  }

  Digest Scan(std::span<const std::uint64_t> starts, std::uint64_t length) override {
    Digest digest;
    for (std::uint64_t start : starts) {
      KeyRange range{MakeKey(start), MakeKey(start + length)};
      AddRows(Unwrap(job_->Scan(Category(), std::move(range)).get(), "job scan"), digest);
    }
    return digest;
  }

  Digest ScanPrefix(std::span<const std::uint64_t> groups) override {
    Digest digest;
    for (std::uint64_t group : groups) {
      AddRows(Unwrap(job_->ScanPrefix(Category(), MakeKey(group)).get(), "job prefix scan"),
              digest);
    }
    return digest;
  }

  Digest Count(int times) override {
    Digest digest;
    for (int i = 0; i < times; ++i) {
      std::int64_t count = Unwrap(job_->Count(Category(), KeyRange{}).get(), "job count");
      digest.rows = static_cast<std::uint64_t>(count);
    }
    return digest;
  }

 private:
  std::shared_ptr<persistency::Job> job_;
  std::size_t get_window_;
  bool flush_each_tx_;
};

}  // namespace

std::unique_ptr<KvSide> OpenStoreSide(const std::filesystem::path& path) {
  return std::make_unique<StoreSide>(path);
}

std::unique_ptr<KvSide> OpenJobSide(const std::filesystem::path& path, std::size_t get_window,
                                    bool flush_each_tx) {
  return std::make_unique<JobSide>(path, get_window, flush_each_tx);
}

void CheckKeyEncoding() {
  for (std::uint64_t row : {0ull, 1ull, 255ull, 256ull, 99'999ull, 0x0123456789ABCDEFull}) {
    auto flat = FlatKey(row);
    auto grouped = GroupedKey(row);
    if (MakeKey(row).bytes() != Bytes(flat.begin(), flat.end()) ||
        MakeKey(GroupOf(row), row).bytes() != Bytes(grouped.begin(), grouped.end())) {
      throw std::runtime_error("key encoding differs from the raw side's bytes at row " +
                               std::to_string(row));
    }
  }
  for (std::uint64_t group : {0ull, 1ull, 99ull, 255ull, 0x1FFull, 0xFFFFull}) {
    PrefixStop stop = PrefixStopOf(FlatKey(group));
    KeyRange ours = persistency::PrefixRange(MakeKey(group));
    if (!std::ranges::equal(ours.stop.view(), stop.view())) {
      throw std::runtime_error("PrefixRange differs from the raw side's bound at group " +
                               std::to_string(group));
    }
  }
}

}  // namespace kvbench
