#pragma once

#include <vector>

#include "xmpp/jid.hpp"
#include "xmpp/server/router.hpp"
#include "xmpp/server/session_registry.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::xmpp::server {

/// XEP-0280 Message Carbons: every resource of an account that enabled carbons gets a copy of
/// the account's one-to-one chats, sent and received, so that conversations follow the user
/// across devices.
namespace carbons {

/// Registers the enable/disable IQs and the disco feature.
void install(Router& router, SessionRegistry& registry);

/// Chat messages are copied unless the sender marked them <private/> (§6) or they are carbons
/// already.
bool is_eligible(const Element& message);

/// Wraps a message the account's `sender` resource sent into <sent/> copies for the account's
/// other carbon-enabled resources.
void copy_sent(SessionRegistry& registry, const Element& message, const Jid& sender);

/// Wraps a message delivered to `delivered_to` (resources of `recipient`) into <received/>
/// copies for the account's other carbon-enabled resources.
void copy_received(SessionRegistry& registry, const Element& message, const Jid& recipient,
                   const std::vector<Jid>& delivered_to);

}  // namespace carbons
}  // namespace stoa::xmpp::server
