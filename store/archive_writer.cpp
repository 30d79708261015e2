#include "store/archive_writer.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

#include "store/pg_params.hpp"

namespace stoa::store {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{50};

asio::awaitable<void> nothing_to_do() {
  co_return;
}

}  // namespace

ArchiveWriter::ArchiveWriter(Database& db, ArchiveWriterSettings settings, Logger& log)
    : db_(db), settings_(settings), log_(log), thread_([this] { run(); }) {}

ArchiveWriter::~ArchiveWriter() {
  stop();
}

void ArchiveWriter::set_commit_listener(std::function<void(std::int64_t)> listener) {
  std::lock_guard lock(listener_mutex_);
  on_commit_ = std::move(listener);
}

void ArchiveWriter::announce_commit(std::int64_t last_seq) {
  std::lock_guard lock(listener_mutex_);
  if (on_commit_) {
    on_commit_(last_seq);
  }
}

void ArchiveWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

asio::awaitable<void> ArchiveWriter::append(std::string room, muc::ArchiveEntry entry) {
  check_text("room", room);
  PendingWrite write{std::move(room), {}, extract_stanza_columns(entry.stanza)};
  write.content = std::move(entry);
  return submit(std::move(write));
}

asio::awaitable<void> ArchiveWriter::record(std::string room, muc::RoomEvent event) {
  if (!settings_.capture_events) {
    return nothing_to_do();
  }
  check_text("room", room);
  check_event(event);
  PendingWrite write{std::move(room), std::move(event), {}};
  return submit(std::move(write));
}

// Not a coroutine, for the reason Database::transact gives: the request travels as an argument
// of async_initiate.
asio::awaitable<void> ArchiveWriter::submit(PendingWrite write) {
  auto initiation = [this](auto handler, PendingWrite pending) {
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    auto done = [shared](std::exception_ptr failure) {
      auto executor = asio::get_associated_executor(*shared);
      asio::post(executor, [shared, failure] { std::move (*shared)(failure); });
    };
    enqueue(Request{std::move(pending), std::move(done)});
  };
  return asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
      std::move(initiation), asio::use_awaitable, std::move(write));
}

void ArchiveWriter::enqueue(Request request) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(std::move(request));
      wake_.notify_one();
      return;
    }
  }
  request.done(std::make_exception_ptr(StoreUnavailable("the archive writer is stopped")));
}

void ArchiveWriter::run() {
  for (;;) {
    std::deque<Request> batch = next_batch();
    if (batch.empty()) {
      return;
    }
    commit(batch);
  }
}

std::deque<ArchiveWriter::Request> ArchiveWriter::next_batch() {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  if (settings_.max_delay.count() > 0 && !stopping_ && queue_.size() < settings_.max_batch) {
    wake_.wait_for(lock, settings_.max_delay,
                   [this] { return stopping_ || queue_.size() >= settings_.max_batch; });
  }
  const std::size_t taken = std::min(queue_.size(), settings_.max_batch);
  std::deque<Request> batch(std::make_move_iterator(queue_.begin()),
                            std::make_move_iterator(queue_.begin() + taken));
  queue_.erase(queue_.begin(), queue_.begin() + taken);
  return batch;
}

void ArchiveWriter::commit(std::deque<Request>& batch) {
  if (std::chrono::steady_clock::now() < retry_at_) {
    auto failure = std::make_exception_ptr(StoreUnavailable(
        "the archive database is unavailable (" + last_failure_ + "); retrying shortly"));
    for (Request& request : batch) {
      request.done(failure);
    }
    return;
  }
  std::vector<PendingWrite> writes;
  writes.reserve(batch.size());
  for (Request& request : batch) {
    writes.push_back(std::move(request.write));
  }
  BatchResult result;
  try {
    if (const std::uint64_t generation = rooms_generation_.load(); generation != ids_generation_) {
      room_ids_.clear();
      ids_generation_ = generation;
    }
    auto work = [&](pqxx::transaction_base& tx) {
      return write_batch(tx, writes, settings_.capture_events, months_, room_ids_);
    };
    // Most batches are one INSERT (and a room lookup when a room is new to the writer): without
    // BEGIN and COMMIT they cost PostgreSQL a round trip instead of three.
    if (needs_transaction(writes, settings_.capture_events, months_)) {
      result = db_.transact_blocking(std::move(work));
    } else {
      result = db_.autocommit_blocking(std::move(work));
    }
  } catch (const StoreUnavailable& e) {
    backoff_ = std::min(backoff_.count() == 0 ? kFirstBackoff : backoff_ * 2,
                        std::max(settings_.max_backoff, kFirstBackoff));
    retry_at_ = std::chrono::steady_clock::now() + backoff_;
    if (last_failure_.empty()) {
      log_.error("store", "archive writes fail, their senders get errors: ", e.what());
    }
    last_failure_ = e.what();
    for (Request& request : batch) {
      request.done(std::current_exception());
    }
    return;
  } catch (const std::exception& e) {
    // Not the database: one write of the batch is at fault (a value PostgreSQL cannot take).
    // Committed one at a time, only that one fails.
    if (batch.size() == 1) {
      batch.front().done(std::current_exception());
      return;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      std::deque<Request> single;
      single.push_back(Request{std::move(writes[i]), std::move(batch[i].done)});
      commit(single);
    }
    return;
  }
  months_ = result.months;
  if (!last_failure_.empty()) {
    log_.info("store", "archive writes succeed again");
    last_failure_.clear();
  }
  backoff_ = std::chrono::milliseconds(0);
  if (result.last_seq) {
    announce_commit(*result.last_seq);
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i].done(result.room_missing[i] ? std::make_exception_ptr(std::invalid_argument(
                                               "no room " + writes[i].room + " is stored"))
                                         : nullptr);
  }
}

}  // namespace stoa::store
