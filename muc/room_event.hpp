#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "muc/timestamp.hpp"

namespace stoa::muc {

/// What happened in a room, for the compliance record (design.md "The compliance path").
/// Groupchat messages and subject changes are recorded by the archive write itself (the store
/// adds their event in the same transaction as the archive row); every other kind is recorded
/// by a RecordEvent action of the room's outcome.
enum class RoomEventKind {
  message,             ///< a groupchat message (from the archive write)
  subject,             ///< a subject change (from the archive write)
  created,             ///< the room was created
  join,                ///< an occupant entered
  leave,               ///< an occupant left (unavailable presence, or its session ended)
  nick_change,         ///< an occupant took another nick
  config_change,       ///< the owner submitted the configuration form
  affiliation_change,  ///< an affiliation was set (member, admin, owner, none)
  role_change,         ///< a role was set (voice granted or revoked, moderator)
  kick,                ///< an occupant was kicked (role none)
  ban,                 ///< a user was banned (affiliation outcast)
  invitation,          ///< a mediated invitation was sent
  decline,             ///< a mediated invitation was declined
  destroy,             ///< the room was destroyed
  moderation,          ///< a moderator retracted a message (XEP-0425)
  removal,             ///< an administrator removed or replaced a message (stoactl)
  history_cleared,     ///< an administrator cleared the history before a date (stoactl)
  private_message,     ///< a private message between occupants (XEP-0045 §7.5)
};

// Inline: the store implements muc/ interfaces without linking muc/.
inline constexpr std::array<std::pair<RoomEventKind, std::string_view>, 18> kRoomEventKindNames{{
    {RoomEventKind::message, "message"},
    {RoomEventKind::subject, "subject"},
    {RoomEventKind::created, "created"},
    {RoomEventKind::join, "join"},
    {RoomEventKind::leave, "leave"},
    {RoomEventKind::nick_change, "nick-change"},
    {RoomEventKind::config_change, "config-change"},
    {RoomEventKind::affiliation_change, "affiliation-change"},
    {RoomEventKind::role_change, "role-change"},
    {RoomEventKind::kick, "kick"},
    {RoomEventKind::ban, "ban"},
    {RoomEventKind::invitation, "invitation"},
    {RoomEventKind::decline, "decline"},
    {RoomEventKind::destroy, "destroy"},
    {RoomEventKind::moderation, "moderation"},
    {RoomEventKind::removal, "removal"},
    {RoomEventKind::history_cleared, "history-cleared"},
    {RoomEventKind::private_message, "private-message"},
}};

/// The name of a kind on the wire and in the database: "message", "nick-change", ...
inline std::string_view to_string(RoomEventKind kind) {
  for (const auto& [known, name] : kRoomEventKindNames) {
    if (known == kind) {
      return name;
    }
  }
  return "unknown";
}

/// The kind a name stands for; nullopt for an unknown name.
inline std::optional<RoomEventKind> parse_room_event_kind(std::string_view name) {
  for (const auto& [kind, known] : kRoomEventKindNames) {
    if (known == name) {
      return kind;
    }
  }
  return std::nullopt;
}

/// One event of a room as the compliance record keeps it. The store adds the room and the
/// sequence number.
struct RoomEvent {
  RoomEventKind kind = RoomEventKind::message;
  Timestamp at{};
  std::string actor_jid;    ///< real bare JID of who did it; empty for the room or service
  std::string actor_nick;   ///< their nick in the room; empty when they had none
  std::string target_jid;   ///< real bare JID it was done to (kick, ban, affiliation, invitation)
  std::string target_nick;  ///< nick it was done to, or the new nick of a nick change
  std::string stanza_id;    ///< the archive entry concerned (message, subject, moderation, removal)
  /// The content: the stanza as the room sent or received it (message, invitation, presence),
  /// the submitted form (config change), or a short text (reason, new affiliation or role, the
  /// date a history was cleared before). XML or text; may be empty.
  std::string payload;

  bool operator==(const RoomEvent&) const = default;
};

}  // namespace stoa::muc
