#pragma once

// The payloads of the compliance events a room records (RoomEvent::payload, design.md "The
// compliance path") that are not simply a stanza the room sent.

#include <string>

#include "muc/affiliation.hpp"
#include "muc/data_form.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::muc {

/// The muc#admin <item/> of an affiliation the room applied: jid, affiliation, reason.
xmpp::Element affiliation_item(const std::string& jid, Affiliation affiliation,
                               const std::string& reason);
/// The muc#admin <item/> of a role the room applied: nick, role, reason.
xmpp::Element role_item(const std::string& nick, Role role, const std::string& reason);
/// A submitted configuration form, serialized without the room password: compliance records
/// are read by auditors, who need to know that a password was set, not what it is.
std::string config_form_payload(DataForm form);
/// A stanza or element the room sent, serialized without the room password it may carry (an
/// invitation to a password-protected room, a <destroy/> naming the new venue's password, the
/// presence that carries that <destroy/>).
std::string without_password(const xmpp::Element& sent);

}  // namespace stoa::muc
