#include "compliance/event_writer.hpp"

#include <algorithm>

namespace stoa::compliance {

namespace {

// One transaction holds at most this many events: stoad's default window, so that a full
// window is one commit, and a transaction stays short enough to retry.
constexpr std::size_t kMaxBatch = 5000;
constexpr std::chrono::milliseconds kFirstRetry{100};

}  // namespace

EventWriter::EventWriter(EventStore& store, Logger& log, std::int64_t stored_through,
                         std::chrono::seconds retry_max)
    : store_(store), log_(log), retry_max_(retry_max), stored_through_(stored_through) {
  thread_ = std::thread([this] { run(); });
}

EventWriter::~EventWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void EventWriter::enqueue(std::vector<Event> events) {
  if (events.empty()) {
    return;
  }
  {
    std::lock_guard lock(mutex_);
    std::move(events.begin(), events.end(), std::back_inserter(queue_));
  }
  wake_.notify_one();
}

void EventWriter::skip_to(std::int64_t seq) {
  std::int64_t current = stored_through_.load();
  while (current < seq && !stored_through_.compare_exchange_weak(current, seq)) {
  }
}

std::size_t EventWriter::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void EventWriter::run() {
  while (true) {
    std::vector<Event> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        return;
      }
      std::size_t count = std::min(queue_.size(), kMaxBatch);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(count)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count));
    }
    // Events already stored (sent again after a reconnect) need no round trip.
    std::int64_t settled = stored_through_.load();
    std::erase_if(batch, [settled](const Event& event) { return event.seq <= settled; });
    if (batch.empty()) {
      continue;
    }
    std::ranges::sort(batch, {}, &Event::seq);
    if (!store_with_retry(batch)) {
      return;
    }
    advance(batch);
  }
}

bool EventWriter::store_with_retry(const std::vector<Event>& batch) {
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstRetry);
  while (true) {
    try {
      store_.insert(batch);
      if (failing_.exchange(false)) {
        log_.info("compliance", "the database is writable again");
      }
      return true;
    } catch (const std::exception& e) {
      if (!failing_.exchange(true)) {
        log_.warn("compliance", "cannot store events ", batch.front().seq, "..", batch.back().seq,
                  ", retrying with backoff; acknowledgements pause: ", e.what());
      }
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, delay, [this] { return stopping_; })) {
      return false;
    }
    delay = std::min<std::chrono::milliseconds>(delay * 2, retry_max_);
  }
}

void EventWriter::advance(const std::vector<Event>& batch) {
  std::int64_t through = stored_through_.load();
  for (const Event& event : batch) {
    if (event.seq <= through) {
      continue;
    }
    if (event.seq != through + 1) {
      // stoad sends a gapless sequence; a hole means events were lost before they reached this
      // database. Acknowledging past it would hide that, so acknowledgements stop here.
      if (reported_gap_ != event.seq) {
        reported_gap_ = event.seq;
        log_.error("compliance", "events ", through + 1, "..", event.seq - 1,
                   " never arrived; acknowledgements stop at ", through,
                   " until an operator looks (see docs/compliance-protocol.md)");
      }
      break;
    }
    through = event.seq;
    newest_stored_at_ = event.at.time_since_epoch().count();
  }
  skip_to(through);
}

}  // namespace stoa::compliance
