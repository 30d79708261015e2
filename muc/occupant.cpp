#include "muc/occupant.hpp"

#include <algorithm>
#include <stdexcept>

#include "xmpp/namespaces.hpp"

namespace stoa::muc {

const xmpp::Element& OccupantSession::presence() const {
  static const xmpp::Element kNothing("presence", std::string(xmpp::ns::kClient));
  return payload ? *payload : kNothing;
}

Occupant::Occupant(std::string nick, Role role, std::string_view occupant_id)
    : nick(std::move(nick)), role(role) {
  if (occupant_id.size() != id_.size()) {
    throw std::logic_error("an occupant id has " + std::to_string(kOccupantIdChars) +
                           " characters");
  }
  std::ranges::copy(occupant_id, id_.begin());
}

std::vector<xmpp::Jid> Occupant::session_jids() const {
  std::vector<xmpp::Jid> out;
  out.reserve(sessions.size());
  for (const OccupantSession& session : sessions) {
    out.push_back(session.jid);
  }
  return out;
}

}  // namespace stoa::muc
