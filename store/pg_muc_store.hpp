#pragma once

#include <asio/awaitable.hpp>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "muc/muc_store.hpp"
#include "store/database.hpp"

namespace stoa::store {

/// MUC rooms, affiliations and the room archive in PostgreSQL (tables of migrations 0004 and
/// 0005): the production muc::MucStore. The archive's monthly partitions are created as the
/// clock reaches them, by the first append that needs one.
class PgMucStore : public muc::MucStore {
 public:
  explicit PgMucStore(Database& db) : db_(db) {}

  asio::awaitable<std::vector<muc::StoredRoom>> load_rooms(std::string service) override;
  asio::awaitable<std::optional<muc::StoredRoom>> load_room(std::string room) override;
  asio::awaitable<void> purge_temporary_rooms(std::string service) override;

  asio::awaitable<void> create_room(muc::StoredRoom room) override;
  asio::awaitable<void> save_config(std::string room, muc::RoomConfig config) override;
  asio::awaitable<void> save_subject(std::string room, muc::RoomSubject subject) override;
  asio::awaitable<void> set_affiliation(std::string room, muc::AffiliationRecord record) override;
  asio::awaitable<void> delete_room(std::string room) override;

  asio::awaitable<void> append(std::string room, muc::ArchiveEntry entry) override;
  asio::awaitable<std::vector<muc::ArchiveEntry>> history(std::string room,
                                                          muc::HistoryQuery query) override;
  asio::awaitable<std::uint64_t> count_messages(std::string room) override;

 private:
  Database& db_;
  /// The months (first << 32 | last, months since year 0) whose archive partitions the last
  /// check made sure of: appends stamped within them need no check. Starts empty (first > last).
  std::atomic<std::uint64_t> partitioned_months_{std::uint64_t{1} << 32};
};

}  // namespace stoa::store
