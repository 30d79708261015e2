#pragma once

#include <string>
#include <vector>

#include "muc/affiliation.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::muc {

/// One client session that joined under an occupant's nick.
struct OccupantSession {
  xmpp::Jid jid;           ///< the session's real full JID
  xmpp::Element presence;  ///< its last available presence, MUC payloads removed
};

/// A user in the room under one nick. Several sessions of the same user may share the nick
/// (multi-session); the most recently active one's presence is the occupant's.
struct Occupant {
  std::string nick;
  xmpp::Jid real_jid;  ///< bare
  Role role = Role::none;
  std::string occupant_id;                ///< XEP-0421
  std::vector<OccupantSession> sessions;  ///< never empty; the last one is the primary
  /// Has asked for voice (XEP-0045 §7.13) and not been answered: later requests are dropped,
  /// so that a visitor cannot flood the moderators.
  bool voice_requested = false;

  const OccupantSession& primary() const { return sessions.back(); }
  std::vector<xmpp::Jid> session_jids() const {
    std::vector<xmpp::Jid> out;
    for (const OccupantSession& session : sessions) {
      out.push_back(session.jid);
    }
    return out;
  }
};

}  // namespace stoa::muc
