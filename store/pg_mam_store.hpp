#pragma once

#include <asio/awaitable.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "muc/mam_store.hpp"
#include "store/database.hpp"

namespace stoa::store {

/// MAM queries on the room archive in PostgreSQL (muc_archive, migration 0005): the production
/// muc::MamStore. Pages are found by keyset on the archive's (room, time, sequence) index, never
/// by offset, so a page costs the same at any depth of the archive.
class PgMamStore : public muc::MamStore {
 public:
  /// Archive queries under way at once by default: enough to keep the store threads busy, few
  /// enough that appends (which deliveries wait for) are not queued behind many reads.
  static constexpr unsigned kDefaultMaxInFlight = 16;

  /// Entries counted for the RSM count and index at most: counting costs a scan of every
  /// matching entry, so past this many the count is left out (a page still costs the same).
  static constexpr std::uint64_t kDefaultCountLimit = 10000;

  /// At most `max_in_flight` (at least one) queries are under way at once; more throw
  /// muc::ArchiveBusy. Results of more than `count_limit` entries come without a count.
  explicit PgMamStore(Database& db, unsigned max_in_flight = kDefaultMaxInFlight,
                      std::uint64_t count_limit = kDefaultCountLimit);

  asio::awaitable<muc::ArchivePage> query(std::string room, muc::ArchiveQuery query) override;
  asio::awaitable<muc::ArchiveMetadata> metadata(std::string room) override;

 private:
  Database& db_;
  const unsigned max_in_flight_;
  const std::uint64_t count_limit_;
  // Shared with the slots, so that a query abandoned at shutdown may release its place after
  // the store is gone.
  std::shared_ptr<std::atomic<unsigned>> in_flight_;
};

}  // namespace stoa::store
