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
  // Runs `task` on the calling thread when nothing is queued or running,
  // keeping the thread's one-at-a-time, FIFO guarantee without a thread hop.
  // Returns false (without running it) otherwise.
  template <class Fn>
  bool RunInlineIfIdle(Fn&& task);
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
  bool busy_ = false;  // a task runs, on the thread or inline
  std::thread thread_;
};

template <class Fn>
bool StorageThread::RunInlineIfIdle(Fn&& task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || busy_ || !tasks_.empty()) return false;
    busy_ = true;
  }
  task();
  {
    std::lock_guard lock(mutex_);
    busy_ = false;
  }
  // Tasks posted meanwhile found the thread idle-but-blocked; wake it.
  wake_.notify_one();
  return true;
}

}  // namespace persistency
