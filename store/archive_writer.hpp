#pragma once

#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/log.hpp"
#include "store/archive_batch.hpp"
#include "store/database.hpp"

namespace stoa::store {

struct ArchiveWriterSettings {
  /// The most writes one transaction takes.
  std::size_t max_batch = 500;
  /// How long the first write of a batch waits for others before the commit starts. 0: the
  /// commit starts at once, and writes that arrive meanwhile form the next batch.
  std::chrono::microseconds max_delay{0};
  /// Write a compliance outbox row for every archive entry and room event.
  bool capture_events = false;
  /// After a failed commit, writes fail at once (the database is known to be away) for a
  /// delay that doubles from 50 ms up to this, then a commit is tried again.
  std::chrono::milliseconds max_backoff{2000};
};

/// Group commit for the room archive and the compliance outbox: rooms hand their writes here,
/// and one thread commits them in batches, each batch one transaction. Every caller resumes
/// when the transaction holding its write has committed (stored before delivered), or with the
/// exception that made it fail. Sequence numbers stay in commit order because every writer of
/// the outbox (this one, a room change's own transaction, other nodes) takes them from the
/// counter row, whose lock is held until commit.
class ArchiveWriter {
 public:
  ArchiveWriter(Database& db, ArchiveWriterSettings settings, Logger& log);
  /// Commits what is queued, then stops.
  ~ArchiveWriter();
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  /// Appends an entry to the archive of `room` (with its compliance event). Throws
  /// std::invalid_argument when the room is not stored, StoreUnavailable when the database
  /// failed; the entry is then not stored.
  asio::awaitable<void> append(std::string room, muc::ArchiveEntry entry);
  /// Records a compliance event of `room`; completes at once when capture is off.
  asio::awaitable<void> record(std::string room, muc::RoomEvent event);

  /// Called after each commit that wrote outbox rows, with the highest sequence number
  /// committed: on the writer thread, or on the thread of an announce_commit() caller. Once
  /// this returns, the previous listener is not running and will not be called again; an
  /// empty function removes it.
  void set_commit_listener(std::function<void(std::int64_t last_seq)> listener);
  /// Tells the commit listener of outbox rows committed outside the writer (a room change and
  /// its events in one transaction of their own, see PgMucStore::commit), so that they are
  /// streamed as promptly as the writer's.
  void announce_commit(std::int64_t last_seq);
  bool captures_events() const { return settings_.capture_events; }
  /// Rooms were deleted (or made anew, replacing a row): the room ids the writer remembers are
  /// looked up again. Call after the change committed and before anything is written to a room
  /// made again. Thread-safe.
  void rooms_changed() { ++rooms_generation_; }

  /// Commits what is queued and joins the writer thread; later writes fail with
  /// StoreUnavailable.
  void stop();

 private:
  struct Request {
    PendingWrite write;
    std::function<void(std::exception_ptr)> done;  ///< posts the result to the caller
  };

  asio::awaitable<void> submit(PendingWrite write);
  void enqueue(Request request);
  void run();
  /// Takes the next batch, waiting for it; empty once stopped and drained.
  std::deque<Request> next_batch();
  void commit(std::deque<Request>& batch);

  Database& db_;
  const ArchiveWriterSettings settings_;
  Logger& log_;
  /// Held while the listener runs, so that replacing it waits for a call under way.
  std::mutex listener_mutex_;
  std::function<void(std::int64_t)> on_commit_;
  PartitionedMonths months_;  ///< writer thread only
  RoomIds room_ids_;          ///< writer thread only
  std::uint64_t ids_generation_ = 0;
  std::atomic<std::uint64_t> rooms_generation_{0};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Request> queue_;
  bool stopping_ = false;
  /// Until then, writes fail at once: the last commit failed.
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{0};
  std::string last_failure_;
  std::thread thread_;
};

}  // namespace stoa::store
