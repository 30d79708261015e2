#pragma once

#include <optional>
#include <string_view>

// Header-only, so that the store implementation can map these values without linking muc/.

namespace stoa::muc {

/// A user's long-lived standing in a room (XEP-0045 §5.2), least privileged first.
enum class Affiliation { outcast, none, member, admin, owner };

/// An occupant's role for the time of its presence (XEP-0045 §5.1), least privileged first.
enum class Role { none, visitor, participant, moderator };

/// "owner", "admin", "member", "outcast", "none": the XEP-0045 attribute values.
constexpr std::string_view to_string(Affiliation affiliation) {
  switch (affiliation) {
    case Affiliation::owner:
      return "owner";
    case Affiliation::admin:
      return "admin";
    case Affiliation::member:
      return "member";
    case Affiliation::outcast:
      return "outcast";
    case Affiliation::none:
      break;
  }
  return "none";
}

/// "moderator", "participant", "visitor", "none".
constexpr std::string_view to_string(Role role) {
  switch (role) {
    case Role::moderator:
      return "moderator";
    case Role::participant:
      return "participant";
    case Role::visitor:
      return "visitor";
    case Role::none:
      break;
  }
  return "none";
}

/// nullopt for anything but the five affiliation values.
constexpr std::optional<Affiliation> parse_affiliation(std::string_view text) {
  for (Affiliation a : {Affiliation::owner, Affiliation::admin, Affiliation::member,
                        Affiliation::outcast, Affiliation::none}) {
    if (text == to_string(a)) {
      return a;
    }
  }
  return std::nullopt;
}

/// nullopt for anything but the four role values.
constexpr std::optional<Role> parse_role(std::string_view text) {
  for (Role r : {Role::moderator, Role::participant, Role::visitor, Role::none}) {
    if (text == to_string(r)) {
      return r;
    }
  }
  return std::nullopt;
}

/// The role an occupant gets on entering (XEP-0045 §5.1.2): moderator for owners and admins,
/// participant for members and, unless the room is moderated, for everyone else.
constexpr Role default_role(Affiliation affiliation, bool moderated) {
  switch (affiliation) {
    case Affiliation::owner:
    case Affiliation::admin:
      return Role::moderator;
    case Affiliation::member:
      return Role::participant;
    case Affiliation::none:
      return moderated ? Role::visitor : Role::participant;
    case Affiliation::outcast:
      break;
  }
  return Role::none;
}

/// A set of roles, as the muc#roomconfig_presencebroadcast and getmemberlist fields hold.
struct RoleSet {
  bool moderator = true;
  bool participant = true;
  bool visitor = true;

  constexpr bool contains(Role role) const {
    return (role == Role::moderator && moderator) || (role == Role::participant && participant) ||
           (role == Role::visitor && visitor);
  }
  bool operator==(const RoleSet&) const = default;
};

}  // namespace stoa::muc
