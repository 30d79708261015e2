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

/// MUC rooms, affiliations and the room archive in PostgreSQL (tables of migrations 0004 and
/// 0005): the production muc::MucStore. Messages and lone events go through the group-commit
/// `ArchiveWriter`; a room change runs in a transaction of its own together with its events.
class PgMucStore : public muc::MucStore {
 public:
  PgMucStore(Database& db, ArchiveWriter& writer) : db_(db), writer_(writer) {}

  asio::awaitable<std::vector<muc::StoredRoom>> load_rooms(std::string service) override;
  asio::awaitable<std::optional<muc::StoredRoom>> load_room(std::string room) override;
  asio::awaitable<void> purge_temporary_rooms(std::string service) override;

  /// A single archive entry or event goes through the ArchiveWriter's group commit; any other
  /// group runs in a transaction of its own: the room changes, then the archive and outbox rows
  /// (write_batch()), then the writer's commit listener is told of the new sequence numbers.
  asio::awaitable<void> commit(std::string room, std::vector<muc::StoreChange> changes) override;
  asio::awaitable<std::vector<muc::ArchiveEntry>> history(std::string room,
                                                          muc::HistoryQuery query) override;
  asio::awaitable<std::uint64_t> count_messages(std::string room) override;

  // pg_muc_moderation.cpp: moderation, removal, clearing and retention of the archive.
  asio::awaitable<std::optional<muc::ArchiveEntry>> archived_message(
      std::string room, std::string stanza_id) override;
  asio::awaitable<bool> rewrite_archived(std::string room, muc::ArchiveRewrite rewrite,
                                         muc::RoomEvent event) override;
  asio::awaitable<std::uint64_t> clear_history(std::string room, muc::Timestamp before,
                                               muc::RoomEvent event) override;
  /// Deletes what the retention settings no longer keep (see ArchiveRetentionPolicy).
  asio::awaitable<ArchiveExpiry> expire_archive(ArchiveRetentionPolicy policy);

 private:
  Database& db_;
  ArchiveWriter& writer_;
};

}  // namespace stoa::store
