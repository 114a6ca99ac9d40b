#include "persistency/job.h"

#include <utility>

namespace persistency {
namespace {

std::unexpected<Error> ClosedError(const std::string& id) {
  return MakeError(ErrorKind::kClosed, "job '" + id + "' is closed");
}

template <class T>
std::future<T> ReadyFuture(T value) {
  std::promise<T> promise;
  promise.set_value(std::move(value));
  return promise.get_future();
}

}  // namespace

Job::Job(Token, std::string id, std::string path) : id_(std::move(id)), path_(std::move(path)) {}

Job::~Job() { Close(); }

Result<std::shared_ptr<Job>> Job::Start(std::string id, std::string path, StoreOptions options) {
  auto job = std::make_shared<Job>(Token{}, std::move(id), std::move(path));
  std::promise<Status> opened;
  std::future<Status> ready = opened.get_future();
  job->thread_.Post([&job = *job, &options, &opened] {
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(job.path_, options);
    if (!store) {
      opened.set_value(std::unexpected(std::move(store.error())));
      return;
    }
    job.store_ = std::move(*store);
    opened.set_value({});
  });
  if (Status status = ready.get(); !status) {
    job->thread_.Stop();
    return std::unexpected(std::move(status.error()));
  }
  job->running_ = true;
  return job;
}

void Job::Close() {
  std::lock_guard lock(close_mutex_);
  running_ = false;
  thread_.Stop();
  // Closed from one of its own tasks: queued tasks still need the store; the
  // destructor's Close() joins and releases it.
  if (std::this_thread::get_id() == thread_.id()) return;
  store_.reset();
}

Status Job::Put(std::string category, Key key, Bytes payload) {
  WriteBatch batch;
  batch.Put(std::move(category), std::move(key), std::move(payload));
  return Write(std::move(batch));
}

Status Job::Delete(std::string category, Key key) {
  WriteBatch batch;
  batch.Delete(std::move(category), std::move(key));
  return Write(std::move(batch));
}

Status Job::DeletePrefix(std::string category, Key prefix) {
  WriteBatch batch;
  batch.DeletePrefix(std::move(category), std::move(prefix));
  return Write(std::move(batch));
}

Status Job::Write(WriteBatch batch) {
  if (!running()) return ClosedError(id_);
  if (batch.empty()) return {};
  bool queued = thread_.Post([this, batch = std::move(batch)] {
    if (Status status = store_->Apply(batch); !status) RecordWriteError(status.error());
  });
  if (!queued) return ClosedError(id_);
  return {};
}

template <class T, class Op>
std::future<Result<T>> Job::Read(Op op) {
  if (!running()) return ReadyFuture<Result<T>>(ClosedError(id_));
  std::promise<Result<T>> promise;
  std::future<Result<T>> future = promise.get_future();
  bool queued = thread_.Post([this, op = std::move(op), promise = std::move(promise)]() mutable {
    promise.set_value(op(*store_));
  });
  if (!queued) return ReadyFuture<Result<T>>(ClosedError(id_));
  return future;
}

std::future<Result<std::optional<Bytes>>> Job::Get(std::string category, Key key) {
  return Read<std::optional<Bytes>>([category = std::move(category), key = std::move(key)](
                                        SqliteStore& store) { return store.Get(category, key); });
}

std::future<Result<bool>> Job::Exists(std::string category, Key key) {
  return Read<bool>([category = std::move(category), key = std::move(key)](SqliteStore& store) {
    return store.Exists(category, key);
  });
}

std::future<Result<std::vector<KvRow>>> Job::Scan(std::string category, KeyRange range,
                                                  ScanOptions options) {
  return Read<std::vector<KvRow>>(
      [category = std::move(category), range = std::move(range), options](SqliteStore& store) {
        return store.Scan(category, range, options);
      });
}

std::future<Result<std::vector<KvRow>>> Job::ScanPrefix(std::string category, Key prefix,
                                                        ScanOptions options) {
  return Scan(std::move(category), PrefixRange(prefix), options);
}

std::future<Result<std::int64_t>> Job::Count(std::string category, KeyRange range) {
  return Read<std::int64_t>(
      [category = std::move(category), range = std::move(range)](SqliteStore& store) {
        return store.Count(category, range);
      });
}

std::future<Result<bool>> Job::DeleteAcked(std::string category, Key key) {
  return Read<bool>([category = std::move(category), key = std::move(key)](SqliteStore& store) {
    return store.DeleteOne(category, key);
  });
}

std::future<Status> Job::Flush() {
  if (!running()) return ReadyFuture<Status>(ClosedError(id_));
  std::promise<Status> promise;
  std::future<Status> future = promise.get_future();
  bool queued = thread_.Post([this, promise = std::move(promise)]() mutable {
    std::optional<Error> error = TakeWriteError();
    promise.set_value(error ? Status(std::unexpected(std::move(*error))) : Status());
  });
  if (!queued) return ReadyFuture<Status>(ClosedError(id_));
  return future;
}

void Job::SetErrorListener(ErrorListener listener) {
  std::lock_guard lock(errors_mutex_);
  error_listener_ = std::move(listener);
}

void Job::RecordWriteError(const Error& error) {
  ErrorListener listener;
  {
    std::lock_guard lock(errors_mutex_);
    if (!write_error_) write_error_ = error;
    listener = error_listener_;
  }
  if (listener) listener(error);
}

std::optional<Error> Job::TakeWriteError() {
  std::lock_guard lock(errors_mutex_);
  return std::exchange(write_error_, std::nullopt);
}

}  // namespace persistency
