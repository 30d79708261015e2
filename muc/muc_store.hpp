#pragma once

#include <asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "muc/affiliation.hpp"
#include "muc/room_config.hpp"
#include "muc/room_event.hpp"
#include "muc/timestamp.hpp"

namespace stoa::muc {

/// One entry of a room's affiliation list. Affiliation::none is never stored: setting it
/// removes the entry.
struct AffiliationRecord {
  /// Prepared JID the affiliation is for: usually a bare user JID, but XEP-0045 §9 also allows
  /// a domain ("example.org") or a full JID.
  std::string jid;
  Affiliation affiliation = Affiliation::none;
  std::string reason;  ///< as given by whoever set it; may be empty

  bool operator==(const AffiliationRecord&) const = default;
};

/// The room's current subject (XEP-0045 §8.1). An empty text means no subject.
struct RoomSubject {
  std::string text;
  std::string nick;  ///< nick of who set it; empty: set by the room itself
  Timestamp changed{};

  bool operator==(const RoomSubject&) const = default;
};

/// Everything the store keeps about a room, as load_room() returns it and create_room() takes
/// it.
struct StoredRoom {
  std::string jid;  ///< prepared bare room JID, "room@conference.example.org": the key
  RoomConfig config;
  RoomSubject subject;
  /// Random per-room secret (hex) from which XEP-0421 occupant ids are derived; kept so that
  /// ids stay stable across restarts.
  std::string occupant_id_secret;
  Timestamp created{};
  std::vector<AffiliationRecord> affiliations;  ///< any order; at most one per jid

  bool operator==(const StoredRoom&) const = default;
};

/// What an archive entry records.
enum class ArchiveKind { message, subject };

/// One groupchat message or subject change in a room's archive. Ids and timestamps are
/// assigned by the room (muc/), before the entry is stored.
struct ArchiveEntry {
  std::string stanza_id;  ///< XEP-0359 id the room put on the message; unique per room
  Timestamp timestamp{};
  ArchiveKind kind = ArchiveKind::message;
  std::string nick;    ///< sender's nick in the room
  std::string sender;  ///< sender's real bare JID (never shown to whoever may not see it)
  /// The <message/> exactly as the room broadcast it, serialized, without a 'to' attribute:
  /// from room@service/nick, type groupchat, body, stanza-id, occupant-id.
  std::string stanza;

  bool operator==(const ArchiveEntry&) const = default;
};

/// What moderation leaves of an archived message (XEP-0425 tombstone, or the administrator's
/// replacement): the stored stanza and body are replaced, the entry keeps its place and id.
struct ArchiveRewrite {
  std::string stanza_id;            ///< the entry rewritten
  std::string stanza;               ///< the new <message/>, serialized like ArchiveEntry::stanza
  std::optional<std::string> body;  ///< the new body column; nullopt: none (a tombstone)
  Timestamp moderated{};            ///< when it was moderated

  bool operator==(const ArchiveRewrite&) const = default;
};

/// Which archived messages a joining occupant gets (XEP-0045 §7.2.15). maxchars and seconds
/// are turned into these by muc/.
struct HistoryQuery {
  std::size_t max_messages = 0;    ///< newest this many; 0 returns nothing
  std::optional<Timestamp> since;  ///< only entries with timestamp >= since
};

/// Changes to a room's store, committed together by MucStore::commit(): the store operations
/// of a room's outcome (outcome.hpp).
struct CreateRoom {
  StoredRoom room;
};
struct SaveConfig {
  RoomConfig config;
};
struct SaveSubject {
  RoomSubject subject;
};
struct SetAffiliation {
  AffiliationRecord record;
};
struct DeleteRoom {};
struct AppendArchive {
  ArchiveEntry entry;
};
/// Records an event for compliance (room_event.hpp). Messages and subject changes need none:
/// their AppendArchive records them.
struct RecordEvent {
  RoomEvent event;
};
using StoreChange = std::variant<CreateRoom, SaveConfig, SaveSubject, SetAffiliation, DeleteRoom,
                                 AppendArchive, RecordEvent>;

/// Persistence of MUC rooms and their archive: the only way muc/ reaches storage. The
/// production implementation is PostgreSQL (store/pg_muc_store); unit tests use an in-memory
/// one.
///
/// Every room is stored while it exists, temporary ones included, so that its archive has a
/// room to belong to; only persistent ones are loaded again at start. Room JIDs are prepared
/// bare JIDs, compared as strings. Each method runs in one transaction (clear_history() in
/// several) and never blocks the calling thread; a failure (database unreachable, constraint
/// broken) throws an exception derived from std::exception, which the caller turns into an
/// internal-server-error. A room makes its calls one after another, except that several
/// append()s of groupchat messages may be under way at once (the room pipelines them): they are
/// stored in the order they were called. Calls for different rooms may run concurrently.
class MucStore {
 public:
  virtual ~MucStore() = default;

  /// Every persistent room of the service domain (room JIDs ending in "@" + service), with its
  /// configuration, subject and affiliations.
  virtual asio::awaitable<std::vector<StoredRoom>> load_rooms(std::string service) = 0;
  /// One room, persistent or not; nullopt when there is none with this JID.
  virtual asio::awaitable<std::optional<StoredRoom>> load_room(std::string room) = 0;
  /// Deletes the temporary rooms of the service (and their archives) left behind by an earlier
  /// run that ended without cleaning up; called once at start, before load_rooms().
  virtual asio::awaitable<void> purge_temporary_rooms(std::string service) = 0;

  /// Commits the changes in one transaction: all of them or none (a crash or failure never
  /// leaves a room change without the events that describe it). The room awaits this before
  /// the sends that announce the changes (stored before delivered).
  ///
  /// - CreateRoom stores a new room; a room already stored under that JID is replaced, and its
  ///   affiliations and archive are deleted first. SaveConfig replaces the configuration
  ///   (persistent flag included), SaveSubject the subject. SetAffiliation sets the
  ///   affiliation of record.jid, replacing any earlier one; Affiliation::none removes it.
  ///   DeleteRoom deletes the room with its affiliations and archive (no-op when there is none).
  /// - AppendArchive appends to the archive, with the entry's compliance event when capture is
  ///   on. RecordEvent records a compliance event (nothing when capture is off).
  /// - Events, those of archive entries included, are numbered in the order given, after the
  ///   room changes of the same call: an entry or event must come after the change it
  ///   reports. Events of one store are numbered in the order their commits complete.
  /// - Changing a room that is not stored (save, affiliation, archive) throws
  ///   std::invalid_argument.
  virtual asio::awaitable<void> commit(std::string room, std::vector<StoreChange> changes) = 0;

  // One change committed alone.
  asio::awaitable<void> create_room(StoredRoom room) {
    std::string key = room.jid;
    return commit_one(std::move(key), CreateRoom{std::move(room)});
  }
  asio::awaitable<void> save_config(std::string room, RoomConfig config) {
    return commit_one(std::move(room), SaveConfig{std::move(config)});
  }
  asio::awaitable<void> save_subject(std::string room, RoomSubject subject) {
    return commit_one(std::move(room), SaveSubject{std::move(subject)});
  }
  asio::awaitable<void> set_affiliation(std::string room, AffiliationRecord record) {
    return commit_one(std::move(room), SetAffiliation{std::move(record)});
  }
  asio::awaitable<void> delete_room(std::string room) {
    return commit_one(std::move(room), DeleteRoom{});
  }
  asio::awaitable<void> append(std::string room, ArchiveEntry entry) {
    return commit_one(std::move(room), AppendArchive{std::move(entry)});
  }

  /// The messages (ArchiveKind::message only) a joining occupant gets: the newest
  /// query.max_messages entries matching the query, returned in the order they were
  /// appended (oldest first).
  virtual asio::awaitable<std::vector<ArchiveEntry>> history(std::string room,
                                                             HistoryQuery query) = 0;
  /// How many entries of kind message the room's archive holds.
  virtual asio::awaitable<std::uint64_t> count_messages(std::string room) = 0;

  /// The archived message (ArchiveKind::message) with this stanza id; nullopt when the room's
  /// archive has none.
  virtual asio::awaitable<std::optional<ArchiveEntry>> archived_message(std::string room,
                                                                        std::string stanza_id) = 0;
  /// Replaces the stanza and body of the room's archived message rewrite.stanza_id and
  /// records `event` (the moderation or removal) in the same transaction; returns false, and
  /// records nothing, when there is no such message.
  virtual asio::awaitable<bool> rewrite_archived(std::string room, ArchiveRewrite rewrite,
                                                 RoomEvent event) = 0;
  /// Deletes the room's archive entries stamped before `before`; returns how many. `event`
  /// (the clearing) is recorded in the same transaction as the first deletions, whether or
  /// not there is anything to delete. Large histories are deleted in several transactions, so
  /// that none holds its locks for long; a failure part-way leaves the event and the first
  /// deletions committed and the rest of the history in place: the event never misses a
  /// deletion, and clearing again deletes the rest (and is recorded again).
  virtual asio::awaitable<std::uint64_t> clear_history(std::string room, Timestamp before,
                                                       RoomEvent event) = 0;

 private:
  asio::awaitable<void> commit_one(std::string room, StoreChange change) {
    std::vector<StoreChange> changes;
    changes.push_back(std::move(change));
    return commit(std::move(room), std::move(changes));
  }
};

}  // namespace stoa::muc
