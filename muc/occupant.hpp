#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "muc/affiliation.hpp"
#include "muc/occupant_id.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::muc {

// A node holds millions of occupancies (19,000 users in 24 rooms each), so an occupancy keeps
// no copy it can do without: the nick only here (the room's map views it), the user's JID
// only in its sessions, the occupant id inline, the presence payload only when there is one.

/// One client session that joined under an occupant's nick.
struct OccupantSession {
  xmpp::Jid jid;  ///< the session's real full JID
  /// What its last available presence carries for the others (show, status, capabilities...),
  /// MUC payloads removed; null when it carries nothing.
  std::unique_ptr<const xmpp::Element> payload;

  /// The payload as a <presence/> to copy children from: an empty one when there is none.
  const xmpp::Element& presence() const;
};

/// A user in the room under one nick. Several sessions of the same user may share the nick
/// (multi-session); the most recently active one's presence is the occupant's.
struct Occupant {
  Occupant(std::string nick, Role role, std::string_view occupant_id);

  std::string nick;
  std::vector<OccupantSession> sessions;  ///< never empty, all of one user; the last is primary
  Role role = Role::none;
  /// Has asked for voice (XEP-0045 §7.13) and not been answered: later requests are dropped,
  /// so that a visitor cannot flood the moderators.
  bool voice_requested = false;

  const OccupantSession& primary() const { return sessions.back(); }
  /// The user's real bare JID.
  xmpp::Jid real_jid() const { return primary().jid.bare(); }
  std::string real_bare_jid() const { return primary().jid.bare_str(); }
  /// Whether `user` (bare or full) is the user this occupant is.
  bool is_user(const xmpp::Jid& user) const {
    return primary().jid.local() == user.local() && primary().jid.domain() == user.domain();
  }
  /// XEP-0421, see occupant_id.hpp.
  std::string_view occupant_id() const { return {id_.data(), id_.size()}; }
  std::vector<xmpp::Jid> session_jids() const;

 private:
  std::array<char, kOccupantIdChars> id_;
};

}  // namespace stoa::muc
