#include "muc/room_event.hpp"

#include <array>
#include <utility>

namespace stoa::muc {
namespace {

constexpr std::array<std::pair<RoomEventKind, std::string_view>, 18> kNames{{
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

}  // namespace

std::string_view to_string(RoomEventKind kind) {
  for (const auto& [known, name] : kNames) {
    if (known == kind) {
      return name;
    }
  }
  return "unknown";
}

std::optional<RoomEventKind> parse_room_event_kind(std::string_view name) {
  for (const auto& [kind, known] : kNames) {
    if (known == name) {
      return kind;
    }
  }
  return std::nullopt;
}

}  // namespace stoa::muc
