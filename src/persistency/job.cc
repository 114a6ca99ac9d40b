#include "persistency/job.h"

#include <utility>

#include "persistency/ready_future.h"

namespace persistency {
namespace {

std::unexpected<Error> ClosedError(const std::string& id) {
  return MakeError(ErrorKind::kClosed, "job '" + id + "' is closed");
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
  {
    std::lock_guard writes_lock(writes_mutex_);
    running_ = false;
  }
  writes_taken_.notify_all();
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

namespace {

std::size_t ByteSize(const WriteBatch& batch) {
  std::size_t size = 0;
  for (const WriteOp& op : batch.ops()) size += op.category.size() + op.key.size() + op.payload.size();
  return size;
}

}  // namespace

Status Job::Write(WriteBatch batch) {
  if (!running()) return ClosedError(id_);
  if (batch.empty()) return {};
  std::size_t size = ByteSize(batch);
  std::unique_lock lock(writes_mutex_);
  if (std::this_thread::get_id() != thread_.id()) {
    writes_taken_.wait(lock, [this] {
      return queued_write_bytes_ < kMaxQueuedWriteBytes || !running();
    });
  }
  if (!running()) return ClosedError(id_);
  if (!open_group_) {
    auto group = std::make_shared<WriteGroup>();
    if (!thread_.Post([this, group] { ApplyWriteGroup(group); })) return ClosedError(id_);
    open_group_ = std::move(group);
  }
  open_group_->batches.push_back(std::move(batch));
  open_group_->bytes += size;
  queued_write_bytes_ += size;
  return {};
}

void Job::ApplyWriteGroup(const std::shared_ptr<WriteGroup>& group) {
  std::vector<WriteBatch> batches;
  {
    std::lock_guard lock(writes_mutex_);
    if (open_group_ == group) open_group_.reset();
    batches.swap(group->batches);
    queued_write_bytes_ -= group->bytes;
  }
  writes_taken_.notify_all();
  store_->ApplyGroup(batches, [this](const Error& error) { RecordWriteError(error); });
}

// Queues a task that must see every write issued before it: the open write
// group is closed, so later writes form a new group behind this task.
bool Job::PostRead(StorageThread::Task task) {
  std::lock_guard lock(writes_mutex_);
  open_group_.reset();
  return thread_.Post(std::move(task));
}

template <class T, class Op>
std::future<Result<T>> Job::Read(Op op) {
  if (!running()) return ReadyFuture<Result<T>>(ClosedError(id_));
  {
    // With nothing queued ahead, the read runs right here: same order, no hop.
    std::lock_guard lock(writes_mutex_);
    std::optional<Result<T>> answer;
    if (!open_group_ && running() &&
        thread_.RunInlineIfIdle([&] { answer.emplace(op(*store_)); })) {
      return ReadyFuture<Result<T>>(std::move(*answer));
    }
  }
  std::promise<Result<T>> promise;
  std::future<Result<T>> future = promise.get_future();
  bool queued = PostRead([this, op = std::move(op), promise = std::move(promise)]() mutable {
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
  bool queued = PostRead([this, promise = std::move(promise)]() mutable {
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
