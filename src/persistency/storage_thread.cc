#include "persistency/storage_thread.h"

#include <utility>

namespace persistency {

StorageThread::StorageThread() : thread_([this] { Run(); }) {}

StorageThread::~StorageThread() { Stop(); }

bool StorageThread::Post(Task task) {
  bool was_idle;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    was_idle = tasks_.empty();
    tasks_.push_back(std::move(task));
  }
  // The thread only sleeps on an empty queue, so only that case needs a wake-up.
  if (was_idle) wake_.notify_one();
  return true;
}

void StorageThread::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  // From a task (e.g. an error listener closing its job) the thread cannot
  // join itself: it finishes the queue and exits; a later Stop() joins it.
  if (std::this_thread::get_id() == thread_.get_id()) return;
  std::lock_guard join_lock(join_mutex_);
  if (thread_.joinable()) thread_.join();
}

void StorageThread::Run() {
  std::deque<Task> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return !busy_ && (stopping_ || !tasks_.empty()); });
      if (tasks_.empty()) return;  // stopping, and everything queued has run
      batch.swap(tasks_);  // one lock per burst of tasks, not per task
      busy_ = true;
    }
    for (Task& task : batch) task();
    batch.clear();
    std::lock_guard lock(mutex_);
    busy_ = false;
  }
}

}  // namespace persistency
