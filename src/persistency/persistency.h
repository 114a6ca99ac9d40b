// Persistency: owns a root (a directory, or ":memory:") and the jobs opened
// in it, one database file `<root>/<job id>.db` per job. Thread-safe.
#pragma once

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "persistency/error.h"
#include "persistency/job.h"

namespace persistency {

inline constexpr std::string_view kDefaultRoot = "./data";

class Persistency {
 public:
  // Validates `root` without touching the file system: it must be non-empty,
  // and either a directory or a path whose nearest existing ancestor is a
  // directory. ":memory:" makes every job a private in-memory database.
  static Result<std::unique_ptr<Persistency>> Open(std::string root, StoreOptions options = {});
  ~Persistency();
  Persistency(const Persistency&) = delete;
  Persistency& operator=(const Persistency&) = delete;

  const std::string& root() const { return root_; }
  bool in_memory() const;

  // Opens (creating the root and the file if missing) or returns the job
  // already open under `id`.
  Result<std::shared_ptr<Job>> OpenJob(std::string_view id);
  // Closes the job after applying its queued writes; no-op when not open.
  Status CloseJob(std::string_view id);
  // Closes the job and deletes its files.
  Status DropJob(std::string_view id);
  bool HasJob(std::string_view id) const;
  // The open job, or JobNotFound.
  Result<std::shared_ptr<Job>> GetJob(std::string_view id) const;
  // Closes every job. Idempotent.
  void Close();

  // String-id forms: JobNotFound (before any I/O) when the job is not open.
  Status Put(std::string_view job_id, std::string category, Key key, Bytes payload);
  Status Delete(std::string_view job_id, std::string category, Key key);
  Status DeletePrefix(std::string_view job_id, std::string category, Key prefix);
  Status Write(std::string_view job_id, WriteBatch batch);
  std::future<Result<std::optional<Bytes>>> Get(std::string_view job_id, std::string category,
                                                Key key);
  std::future<Result<bool>> Exists(std::string_view job_id, std::string category, Key key);
  std::future<Result<std::vector<KvRow>>> Scan(std::string_view job_id, std::string category,
                                               KeyRange range, ScanOptions options = {});
  std::future<Result<std::vector<KvRow>>> ScanPrefix(std::string_view job_id,
                                                     std::string category, Key prefix,
                                                     ScanOptions options = {});
  std::future<Result<std::int64_t>> Count(std::string_view job_id, std::string category,
                                          KeyRange range);
  std::future<Result<bool>> DeleteAcked(std::string_view job_id, std::string category, Key key);
  std::future<Status> Flush(std::string_view job_id);

  // The database path a job id maps to.
  std::string JobPath(std::string_view id) const;

  struct Token {};  // restricts construction to Open()
  Persistency(Token, std::string root, StoreOptions options);

 private:
  template <class Call>
  auto WithJob(std::string_view job_id, Call call);
  std::shared_ptr<Job> TakeJob(std::string_view id);

  const std::string root_;
  const StoreOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Job>, std::less<>> jobs_;
};

// The merge-time get-or-init semantics of the original (one Persistency per
// owner, re-initialising with another root refused), as an owned object
// rather than a process-wide singleton.
class PersistencyRegistry {
 public:
  // The live instance for `root`, created on first use; InvalidArgument when
  // one already exists for a different root.
  Result<Persistency*> Instance(std::string_view root);
  // The live instance, or Closed when none was created.
  Result<Persistency*> Instance() const;
  // Closes and forgets the live instance. Idempotent.
  void Reset();

 private:
  mutable std::mutex mutex_;
  std::unique_ptr<Persistency> instance_;
};

}  // namespace persistency
