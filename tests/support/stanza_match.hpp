#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "xmpp/xml_element.hpp"

namespace stoa::test {

/// A test on a received stanza, used to pick it out of everything that arrived.
using StanzaPredicate = std::function<bool(const xmpp::Element&)>;

/// Parses one serialized element as it would appear inside a jabber:client stream; nullopt when
/// it is not well-formed XML.
std::optional<xmpp::Element> parse_element(std::string_view xml);

/// Parses XML written by a test; throws std::invalid_argument naming it when it is malformed.
xmpp::Element xml(std::string_view text);

/// The defined condition of a stanza's <error/> ("service-unavailable"), or "" without one.
std::string stanza_error_condition(const xmpp::Element& stanza);

/// The condition of a <stream:error/> or of a SASL <failure/> ("not-well-formed"), or "".
std::string error_condition(const xmpp::Element& error, std::string_view condition_xmlns);

/// The bare part of a JID ("alice@localhost" for "alice@localhost/phone").
std::string bare_jid(std::string_view jid);

/// The resource part of a JID, "" when it has none.
std::string resource_of(std::string_view jid);

/// Whether a disco#info result (or anything with <feature var=/> children) lists `var`.
bool has_feature(const xmpp::Element& query, std::string_view var);

/// Matches <message/> stanzas from `from`: exactly when `from` is a full JID, any resource of
/// it when `from` is bare.
StanzaPredicate message_from(std::string from);

/// Matches <presence/> stanzas from `from` (same rule as message_from) of the given type
/// ("" matches an available presence, which has no type).
StanzaPredicate presence_from(std::string from, std::string type);

/// Matches roster pushes (<iq type='set'><query xmlns='jabber:iq:roster'/>) about `jid`.
StanzaPredicate roster_push_for(std::string jid);

/// The roster <item/> for `jid` in a roster result or push, or null.
const xmpp::Element* roster_item(const xmpp::Element& iq, std::string_view jid);

}  // namespace stoa::test
