#include "persistency/ready_future.h"
#include "persistency/persistency.h"

#include <filesystem>
#include <system_error>
#include <type_traits>
#include <utility>

#include "persistency/job_id.h"

namespace persistency {
namespace fs = std::filesystem;
namespace {

Status ValidateRoot(const std::string& root) {
  if (Status text = ValidateRootText(root); !text) return text;
  std::error_code ec;
  fs::path path(root);
  if (fs::exists(path, ec)) {
    if (fs::is_directory(path, ec)) return {};
    return MakeError(ErrorKind::kInvalidArgument, "root is not a directory: " + root);
  }
  for (fs::path parent = path.parent_path(); !parent.empty(); parent = parent.parent_path()) {
    if (fs::exists(parent, ec)) {
      if (fs::is_directory(parent, ec)) return {};
      return MakeError(ErrorKind::kInvalidArgument,
                       "root's ancestor is not a directory: " + parent.string());
    }
    if (parent == parent.parent_path()) break;
  }
  return {};
}

std::unexpected<Error> JobNotFound(std::string_view id) {
  return MakeError(ErrorKind::kJobNotFound, "no open job with id: " + std::string(id));
}

}  // namespace

Persistency::Persistency(Token, std::string root, StoreOptions options)
    : root_(std::move(root)), options_(std::move(options)) {}

Persistency::~Persistency() { Close(); }

Result<std::unique_ptr<Persistency>> Persistency::Open(std::string root, StoreOptions options) {
  if (root != kInMemoryPath) {
    if (Status status = ValidateRoot(root); !status) {
      return std::unexpected(std::move(status.error()));
    }
  }
  return std::make_unique<Persistency>(Token{}, std::move(root), std::move(options));
}

bool Persistency::in_memory() const { return root_ == kInMemoryPath; }

std::string Persistency::JobPath(std::string_view id) const {
  if (in_memory()) return std::string(kInMemoryPath);
  return (fs::path(root_) / (std::string(id) + ".db")).string();
}

Result<std::shared_ptr<Job>> Persistency::OpenJob(std::string_view id) {
  if (Status status = ValidateJobId(id); !status) return std::unexpected(std::move(status.error()));
  std::lock_guard lock(mutex_);
  if (auto found = jobs_.find(id); found != jobs_.end()) return found->second;
  StoreOptions options = options_;
  if (in_memory()) {
    options.journal_mode = JournalMode::kMemory;
  } else {
    std::error_code ec;
    fs::create_directories(root_, ec);
    if (ec) return MakeError(ErrorKind::kBackend, "create root " + root_ + ": " + ec.message());
  }
  Result<std::shared_ptr<Job>> job = Job::Start(std::string(id), JobPath(id), options);
  if (!job) return job;
  jobs_.emplace(std::string(id), *job);
  return job;
}

std::shared_ptr<Job> Persistency::TakeJob(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return nullptr;
  std::shared_ptr<Job> job = std::move(found->second);
  jobs_.erase(found);
  return job;
}

Status Persistency::CloseJob(std::string_view id) {
  if (std::shared_ptr<Job> job = TakeJob(id)) job->Close();
  return {};
}

Status Persistency::DropJob(std::string_view id) {
  if (Status status = ValidateJobId(id); !status) return status;
  CloseJob(id);
  if (in_memory()) return {};
  std::string base = JobPath(id);
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ec;
    fs::remove(base + suffix, ec);
    if (ec) return MakeError(ErrorKind::kBackend, "remove " + base + suffix + ": " + ec.message());
  }
  return {};
}

bool Persistency::HasJob(std::string_view id) const {
  std::lock_guard lock(mutex_);
  return jobs_.contains(id);
}

Result<std::shared_ptr<Job>> Persistency::GetJob(std::string_view id) const {
  std::lock_guard lock(mutex_);
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return JobNotFound(id);
  return found->second;
}

void Persistency::Close() {
  std::map<std::string, std::shared_ptr<Job>, std::less<>> jobs;
  {
    std::lock_guard lock(mutex_);
    jobs.swap(jobs_);
  }
  for (auto& [id, job] : jobs) job->Close();
}

// Runs `call(job)` on the open job, or answers JobNotFound in the shape
// `call` returns (a Status, or a ready future).
template <class Call>
auto Persistency::WithJob(std::string_view job_id, Call call) {
  using Returned = std::invoke_result_t<Call, Job&>;
  Result<std::shared_ptr<Job>> job = GetJob(job_id);
  if (job) return call(**job);
  if constexpr (std::is_same_v<Returned, Status>) {
    return Returned(JobNotFound(job_id));
  } else {
    using Value = decltype(std::declval<Returned>().get());
    return ReadyFuture<Value>(JobNotFound(job_id));
  }
}

Status Persistency::Put(std::string_view job_id, std::string category, Key key, Bytes payload) {
  return WithJob(job_id, [&](Job& job) {
    return job.Put(std::move(category), std::move(key), std::move(payload));
  });
}

Status Persistency::Delete(std::string_view job_id, std::string category, Key key) {
  return WithJob(job_id,
                 [&](Job& job) { return job.Delete(std::move(category), std::move(key)); });
}

Status Persistency::DeletePrefix(std::string_view job_id, std::string category, Key prefix) {
  return WithJob(job_id, [&](Job& job) {
    return job.DeletePrefix(std::move(category), std::move(prefix));
  });
}

Status Persistency::Write(std::string_view job_id, WriteBatch batch) {
  return WithJob(job_id, [&](Job& job) { return job.Write(std::move(batch)); });
}

std::future<Result<std::optional<Bytes>>> Persistency::Get(std::string_view job_id,
                                                           std::string category, Key key) {
  return WithJob(job_id, [&](Job& job) { return job.Get(std::move(category), std::move(key)); });
}

std::future<Result<bool>> Persistency::Exists(std::string_view job_id, std::string category,
                                              Key key) {
  return WithJob(job_id,
                 [&](Job& job) { return job.Exists(std::move(category), std::move(key)); });
}

std::future<Result<std::vector<KvRow>>> Persistency::Scan(std::string_view job_id,
                                                          std::string category, KeyRange range,
                                                          ScanOptions options) {
  return WithJob(job_id, [&](Job& job) {
    return job.Scan(std::move(category), std::move(range), options);
  });
}

std::future<Result<std::vector<KvRow>>> Persistency::ScanPrefix(std::string_view job_id,
                                                                std::string category,
                                                                Key prefix, ScanOptions options) {
  return Scan(job_id, std::move(category), PrefixRange(prefix), options);
}

std::future<Result<std::int64_t>> Persistency::Count(std::string_view job_id,
                                                     std::string category, KeyRange range) {
  return WithJob(job_id,
                 [&](Job& job) { return job.Count(std::move(category), std::move(range)); });
}

std::future<Result<bool>> Persistency::DeleteAcked(std::string_view job_id, std::string category,
                                                   Key key) {
  return WithJob(job_id,
                 [&](Job& job) { return job.DeleteAcked(std::move(category), std::move(key)); });
}

std::future<Status> Persistency::Flush(std::string_view job_id) {
  return WithJob(job_id, [](Job& job) { return job.Flush(); });
}

Result<Persistency*> PersistencyRegistry::Instance(std::string_view root) {
  std::lock_guard lock(mutex_);
  if (instance_) {
    if (instance_->root() == root) return instance_.get();
    return MakeError(ErrorKind::kInvalidArgument, "already initialised with rootDir " +
                                                      instance_->root() + "; cannot re-init with " +
                                                      std::string(root));
  }
  Result<std::unique_ptr<Persistency>> opened = Persistency::Open(std::string(root));
  if (!opened) return std::unexpected(std::move(opened.error()));
  instance_ = std::move(*opened);
  return instance_.get();
}

Result<Persistency*> PersistencyRegistry::Instance() const {
  std::lock_guard lock(mutex_);
  if (!instance_) return MakeError(ErrorKind::kClosed, "Persistency not initialised");
  return instance_.get();
}

void PersistencyRegistry::Reset() {
  std::unique_ptr<Persistency> old;
  {
    std::lock_guard lock(mutex_);
    old = std::move(instance_);
  }
  if (old) old->Close();
}

}  // namespace persistency
