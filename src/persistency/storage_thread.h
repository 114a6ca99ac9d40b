// StorageThread: one thread running posted tasks in FIFO order.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace persistency {

class StorageThread {
 public:
  using Task = std::move_only_function<void()>;

  StorageThread();
  // Runs every task still queued, then joins.
  ~StorageThread();
  StorageThread(const StorageThread&) = delete;
  StorageThread& operator=(const StorageThread&) = delete;

  // Queues a task; false once Stop() has begun (the task is then dropped).
  bool Post(Task task);
  // Runs every task still queued, then joins. Idempotent. Called from a task
  // it only stops accepting tasks; the join happens in a later call.
  void Stop();
  std::thread::id id() const { return thread_.get_id(); }

 private:
  void Run();

  std::mutex mutex_;
  std::mutex join_mutex_;  // Stop() may be called from several threads at once
  std::condition_variable wake_;
  std::deque<Task> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace persistency
