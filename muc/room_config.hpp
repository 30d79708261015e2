#pragma once

// Header-only, like affiliation.hpp: the store maps these values without linking muc/.

#include <optional>
#include <string>
#include <string_view>

#include "muc/affiliation.hpp"

namespace stoa::muc {

/// Who may see occupants' real JIDs (muc#roomconfig_whois).
enum class Whois {
  moderators,  ///< semi-anonymous room
  anyone,      ///< non-anonymous room
};

/// Who may send private messages to occupants (muc#roomconfig_allowpm).
enum class PmPolicy { anyone, participants, moderators, none };

/// "moderators", "anyone": the form values.
constexpr std::string_view to_string(Whois whois) {
  return whois == Whois::anyone ? "anyone" : "moderators";
}

/// "anyone", "participants", "moderators", "none": the form values.
constexpr std::string_view to_string(PmPolicy policy) {
  switch (policy) {
    case PmPolicy::anyone:
      return "anyone";
    case PmPolicy::participants:
      return "participants";
    case PmPolicy::moderators:
      return "moderators";
    case PmPolicy::none:
      break;
  }
  return "none";
}

/// nullopt for anything but "moderators" and "anyone".
constexpr std::optional<Whois> parse_whois(std::string_view text) {
  if (text == "anyone") {
    return Whois::anyone;
  }
  if (text == "moderators") {
    return Whois::moderators;
  }
  return std::nullopt;
}

/// nullopt for anything but the four allowpm values.
constexpr std::optional<PmPolicy> parse_pm_policy(std::string_view text) {
  for (PmPolicy p :
       {PmPolicy::anyone, PmPolicy::participants, PmPolicy::moderators, PmPolicy::none}) {
    if (text == to_string(p)) {
      return p;
    }
  }
  return std::nullopt;
}

/// A room's configuration (XEP-0045 §10.2, the muc#roomconfig form). The owner and admin lists
/// of the form are affiliations, kept apart. Defaults are those of a new instant room.
struct RoomConfig {
  std::string name;           ///< muc#roomconfig_roomname; empty: the room's local part
  std::string description;    ///< muc#roomconfig_roomdesc
  std::string language;       ///< muc#roomconfig_lang, e.g. "en"; empty: unspecified
  bool persistent = false;    ///< muc#roomconfig_persistentroom: survives its last occupant
  bool public_room = true;    ///< muc#roomconfig_publicroom: listed in the service's disco#items
  bool members_only = false;  ///< muc#roomconfig_membersonly
  bool moderated = false;     ///< muc#roomconfig_moderatedroom: newcomers are visitors
  bool password_protected = false;  ///< muc#roomconfig_passwordprotectedroom
  std::string password;             ///< muc#roomconfig_roomsecret
  Whois whois = Whois::moderators;  ///< muc#roomconfig_whois
  /// muc#roomconfig_maxusers; 0: only the service's max_occupants_per_room limit applies.
  unsigned max_users = 0;
  bool allow_invites = false;            ///< muc#roomconfig_allowinvites: not only admins invite
  PmPolicy allow_pm = PmPolicy::anyone;  ///< muc#roomconfig_allowpm
  bool change_subject = false;       ///< muc#roomconfig_changesubject: participants set the subject
  bool enable_logging = true;        ///< muc#roomconfig_enablelogging: the archive is served by MAM
  RoleSet get_member_list;           ///< muc#roomconfig_getmemberlist: who may list the members
  RoleSet presence_broadcast;        ///< muc#roomconfig_presencebroadcast: whose presence is sent
  unsigned history_length = 20;      ///< muc#maxhistoryfetch: most messages sent on join
  bool allow_voice_requests = true;  ///< muc#roomconfig_allowvoicerequests (XEP-0045 §7.13)
  /// stoa#roomconfig_retentiondays: days the archive keeps a message; 0: the service's default
  /// (see docs/history-management.md).
  unsigned retention_days = 0;

  bool operator==(const RoomConfig&) const = default;
};

}  // namespace stoa::muc
