#pragma once

#include <string_view>

/// XML namespaces used by the server, named after their specifications.
namespace stoa::xmpp::ns {

inline constexpr std::string_view kStreams = "http://etherx.jabber.org/streams";
inline constexpr std::string_view kClient = "jabber:client";
inline constexpr std::string_view kServer = "jabber:server";
inline constexpr std::string_view kComponent = "jabber:component:accept";
inline constexpr std::string_view kXml = "http://www.w3.org/XML/1998/namespace";
inline constexpr std::string_view kStreamErrors = "urn:ietf:params:xml:ns:xmpp-streams";
inline constexpr std::string_view kStanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr std::string_view kTls = "urn:ietf:params:xml:ns:xmpp-tls";
inline constexpr std::string_view kSasl = "urn:ietf:params:xml:ns:xmpp-sasl";
inline constexpr std::string_view kBind = "urn:ietf:params:xml:ns:xmpp-bind";
inline constexpr std::string_view kSession = "urn:ietf:params:xml:ns:xmpp-session";
inline constexpr std::string_view kRoster = "jabber:iq:roster";
inline constexpr std::string_view kRosterVersioning = "urn:xmpp:features:rosterver";
inline constexpr std::string_view kPresenceSubscriptionPreApproval =
    "urn:xmpp:features:pre-approval";
inline constexpr std::string_view kDiscoInfo = "http://jabber.org/protocol/disco#info";
inline constexpr std::string_view kDiscoItems = "http://jabber.org/protocol/disco#items";
inline constexpr std::string_view kPing = "urn:xmpp:ping";
inline constexpr std::string_view kVersion = "jabber:iq:version";
inline constexpr std::string_view kDelay = "urn:xmpp:delay";
inline constexpr std::string_view kDataForms = "jabber:x:data";
inline constexpr std::string_view kCarbons = "urn:xmpp:carbons:2";
inline constexpr std::string_view kForward = "urn:xmpp:forward:0";
/// Stoa's compliance protocol, spoken with compliance components (docs/compliance-protocol.md).
inline constexpr std::string_view kCompliance = "urn:stoa:compliance:0";

}  // namespace stoa::xmpp::ns
