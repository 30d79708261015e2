#pragma once

#include <asio/awaitable.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "muc/search_store.hpp"
#include "store/database.hpp"

namespace stoa::store {

/// Full-text search across the room archives in PostgreSQL: the production muc::SearchStore.
/// Which rooms a user may read is decided in SQL, from the rooms' configuration and
/// affiliations (migration 0004), in the same snapshot as the search. The words are matched
/// with the GIN index on muc_archive.body_words (migration 0007) when they are rare, and by
/// walking the archive in time order (migration 0009) when they are common: the planner picks
/// from its statistics. Pages are found by keyset on (time, sequence), as in MAM. The limits
/// are [muc] search_max_queries, search_count_limit and search_timeout_ms.
class PgSearchStore : public muc::SearchStore {
 public:
  /// Searches under way at once by default: a search may read many rooms, so fewer than MAM
  /// queries, to leave the store threads to the write path.
  static constexpr unsigned kDefaultMaxInFlight = 4;
  /// Messages counted for the RSM count and index at most, as PgMamStore.
  static constexpr std::uint64_t kDefaultCountLimit = 10000;
  /// A search running longer is cancelled and answered resource-constraint: words so common
  /// that their matches cannot be ordered quickly ask for a narrower search.
  static constexpr std::chrono::milliseconds kDefaultTimeout{10000};

  /// At most `max_in_flight` (at least one) searches are under way at once; more throw
  /// muc::ArchiveBusy, as does a search that runs longer than `timeout`.
  explicit PgSearchStore(Database& db, unsigned max_in_flight = kDefaultMaxInFlight,
                         std::uint64_t count_limit = kDefaultCountLimit,
                         std::chrono::milliseconds timeout = kDefaultTimeout);

  asio::awaitable<muc::SearchPage> search(muc::SearchScope scope, muc::SearchQuery query) override;

 private:
  Database& db_;
  const unsigned max_in_flight_;
  const std::uint64_t count_limit_;
  const std::chrono::milliseconds timeout_;
  std::shared_ptr<std::atomic<unsigned>> in_flight_;
};

}  // namespace stoa::store
