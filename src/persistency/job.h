// Job: one tenant of a Persistency — one database file served by one storage
// thread. Writes are fire-and-forget and applied in call order; reads are
// futures. Every call is queued on the same FIFO, so a read issued after a
// write sees that write. Writes queued together are committed in one
// transaction (each batch in its own savepoint, so batches stay atomic and a
// failing one does not take the others with it); a writer more than
// kMaxQueuedWriteBytes ahead of the storage thread waits.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "persistency/error.h"
#include "persistency/key.h"
#include "persistency/schema.h"
#include "persistency/sqlite_store.h"
#include "persistency/storage_thread.h"
#include "persistency/write_batch.h"

namespace persistency {

class Job {
 public:
  using ErrorListener = std::function<void(const Error&)>;
  static constexpr std::size_t kMaxQueuedWriteBytes = 16 << 20;

  // Starts the storage thread and opens the database at `path` (":memory:"
  // for a private in-memory database). Returns once the database is ready.
  static Result<std::shared_ptr<Job>> Start(std::string id, std::string path,
                                            StoreOptions options);

  // Applies every queued write, then closes the database. Idempotent.
  void Close();
  ~Job();

  const std::string& id() const { return id_; }
  const std::string& path() const { return path_; }
  bool running() const { return running_.load(); }

  // Fire-and-forget writes. The returned status only says whether the write
  // was queued (Closed after Close()); a failure while applying it is
  // reported by the next Flush() and to the error listener.
  Status Put(std::string category, Key key, Bytes payload);
  Status Delete(std::string category, Key key);
  Status DeletePrefix(std::string category, Key prefix);
  // Applies all ops of the batch atomically.
  Status Write(WriteBatch batch);

  std::future<Result<std::optional<Bytes>>> Get(std::string category, Key key);
  std::future<Result<bool>> Exists(std::string category, Key key);
  std::future<Result<std::vector<KvRow>>> Scan(std::string category, KeyRange range,
                                               ScanOptions options = {});
  std::future<Result<std::vector<KvRow>>> ScanPrefix(std::string category, Key prefix,
                                                     ScanOptions options = {});
  std::future<Result<std::int64_t>> Count(std::string category, KeyRange range);
  // Deletes a row and reports whether it existed.
  std::future<Result<bool>> DeleteAcked(std::string category, Key key);
  // Completes once every earlier write is committed, with the first write
  // error since the previous Flush (or success).
  std::future<Status> Flush();

  // Called on the storage thread for every failed write.
  void SetErrorListener(ErrorListener listener);

  struct Token {};  // restricts construction to Start()
  Job(Token, std::string id, std::string path);

 private:
  template <class T, class Op>
  std::future<Result<T>> Read(Op op);
  struct WriteGroup {
    std::vector<WriteBatch> batches;
    std::size_t bytes = 0;
  };
  void ApplyWriteGroup(const std::shared_ptr<WriteGroup>& group);
  bool PostRead(StorageThread::Task task);
  void RecordWriteError(const Error& error);
  std::optional<Error> TakeWriteError();

  const std::string id_;
  const std::string path_;
  std::atomic<bool> running_{false};
  std::unique_ptr<SqliteStore> store_;  // touched only on the storage thread
  std::mutex close_mutex_;              // Close() may race with itself

  std::mutex writes_mutex_;
  std::condition_variable writes_taken_;
  // Writes join the open group until a read is queued behind them.
  std::shared_ptr<WriteGroup> open_group_;
  std::size_t queued_write_bytes_ = 0;

  std::mutex errors_mutex_;
  std::optional<Error> write_error_;
  ErrorListener error_listener_;

  StorageThread thread_;  // last: stopped first on destruction
};

}  // namespace persistency
