#pragma once

#include <asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
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

/// Persistence of MUC rooms and their archive: the only way muc/ reaches storage. The
/// production implementation is PostgreSQL (store/pg_muc_store); unit tests use an in-memory
/// one.
///
/// Every room is stored while it exists, temporary ones included, so that its archive has a
/// room to belong to; only persistent ones are loaded again at start. Room JIDs are prepared
/// bare JIDs, compared as strings. Each method runs in one transaction and never blocks the
/// calling thread; a failure (database unreachable, constraint broken) throws an exception
/// derived from std::exception, which the caller turns into an internal-server-error. Calls
/// for one room are made one after another by that room, never concurrently; calls for
/// different rooms may run concurrently.
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

  /// Stores a new room. A room already stored under that JID is replaced, and its affiliations
  /// and archive are deleted first.
  virtual asio::awaitable<void> create_room(StoredRoom room) = 0;
  /// Replaces the room's configuration (persistent flag included).
  virtual asio::awaitable<void> save_config(std::string room, RoomConfig config) = 0;
  /// Replaces the room's subject.
  virtual asio::awaitable<void> save_subject(std::string room, RoomSubject subject) = 0;
  /// Sets the affiliation of record.jid, replacing any earlier one; Affiliation::none removes
  /// it.
  virtual asio::awaitable<void> set_affiliation(std::string room, AffiliationRecord record) = 0;
  /// Deletes the room with its affiliations and archive; no-op when there is none.
  virtual asio::awaitable<void> delete_room(std::string room) = 0;

  /// Appends to the room's archive. The room awaits this before it broadcasts the message, so
  /// that nothing anyone saw is missing from the archive (stored before delivered). When
  /// compliance capture is on, the entry's compliance event is stored in the same transaction.
  virtual asio::awaitable<void> append(std::string room, ArchiveEntry entry) = 0;
  /// Records a room event for compliance (a no-op when capture is off). Events of one store
  /// are numbered in the order their calls complete; the room awaits this before the sends
  /// that follow it.
  virtual asio::awaitable<void> record_event(std::string room, RoomEvent event) = 0;
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
  /// Replaces the stanza and body of the room's archived message rewrite.stanza_id; returns
  /// false when there is no such message.
  virtual asio::awaitable<bool> rewrite_archived(std::string room, ArchiveRewrite rewrite) = 0;
  /// Deletes the room's archive entries stamped before `before`; returns how many.
  virtual asio::awaitable<std::uint64_t> clear_history(std::string room, Timestamp before) = 0;
};

}  // namespace stoa::muc
