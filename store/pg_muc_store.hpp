#pragma once

#include <asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "muc/muc_store.hpp"
#include "store/archive_writer.hpp"
#include "store/database.hpp"

namespace stoa::store {

/// MUC rooms, affiliations and the room archive in PostgreSQL (tables of migrations 0004 and
/// 0005): the production muc::MucStore. Archive entries and compliance events go through the
/// group-commit `ArchiveWriter`; the rest runs in a transaction per call.
/// How long the archive keeps messages. A room's retention is its own retention_days, or
/// `default_days` when it sets none; `max_days`, when not 0, caps both. 0 days: forever.
struct ArchiveRetentionPolicy {
  muc::Timestamp now{};
  unsigned default_days = 0;
  unsigned max_days = 0;
  /// Most rows one delete statement removes, so that no transaction grows without bound.
  unsigned batch_size = 10000;
};

/// What one expiry removed.
struct ArchiveExpiry {
  std::vector<std::string> dropped_partitions;  ///< whole months dropped
  std::uint64_t deleted_rows = 0;               ///< rows deleted one room at a time
  std::uint64_t rooms = 0;                      ///< rooms whose rows were deleted
};

class PgMucStore : public muc::MucStore {
 public:
  PgMucStore(Database& db, ArchiveWriter& writer) : db_(db), writer_(writer) {}

  asio::awaitable<std::vector<muc::StoredRoom>> load_rooms(std::string service) override;
  asio::awaitable<std::optional<muc::StoredRoom>> load_room(std::string room) override;
  asio::awaitable<void> purge_temporary_rooms(std::string service) override;

  asio::awaitable<void> create_room(muc::StoredRoom room) override;
  asio::awaitable<void> save_config(std::string room, muc::RoomConfig config) override;
  asio::awaitable<void> save_subject(std::string room, muc::RoomSubject subject) override;
  asio::awaitable<void> set_affiliation(std::string room, muc::AffiliationRecord record) override;
  asio::awaitable<void> delete_room(std::string room) override;

  asio::awaitable<void> append(std::string room, muc::ArchiveEntry entry) override;
  asio::awaitable<void> record_event(std::string room, muc::RoomEvent event) override;
  asio::awaitable<std::vector<muc::ArchiveEntry>> history(std::string room,
                                                          muc::HistoryQuery query) override;
  asio::awaitable<std::uint64_t> count_messages(std::string room) override;

  // pg_muc_moderation.cpp: moderation, removal, clearing and retention of the archive.
  asio::awaitable<std::optional<muc::ArchiveEntry>> archived_message(
      std::string room, std::string stanza_id) override;
  asio::awaitable<bool> rewrite_archived(std::string room, muc::ArchiveRewrite rewrite) override;
  asio::awaitable<std::uint64_t> clear_history(std::string room, muc::Timestamp before) override;
  /// Deletes what the retention settings no longer keep (see ArchiveRetentionPolicy).
  asio::awaitable<ArchiveExpiry> expire_archive(ArchiveRetentionPolicy policy);

 private:
  Database& db_;
  ArchiveWriter& writer_;
};

}  // namespace stoa::store
