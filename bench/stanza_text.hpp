#pragma once

#include <string>
#include <string_view>

#include "xmpp/xml_element.hpp"

/// The fixed stanzas a benchmark client sends, and reading error conditions from replies.
namespace stoa::bench::stanza_text {

inline constexpr std::string_view kStartTls = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
inline constexpr std::string_view kBind =
    "<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
    "<resource>bench</resource></bind></iq>";
inline constexpr std::string_view kInitialPresence = "<presence/>";
inline constexpr std::string_view kCloseStream = "<presence type='unavailable'/></stream:stream>";
inline constexpr std::string_view kMuc = "http://jabber.org/protocol/muc";
inline constexpr std::string_view kMucUser = "http://jabber.org/protocol/muc#user";
/// Every benchmark message body starts with this, then the send time in nanoseconds.
inline constexpr std::string_view kBodyPrefix = "stoa-bench ";

std::string sasl_auth(std::string_view mechanism, std::string_view base64);
std::string sasl_response(std::string_view base64);
/// The defined condition of a stanza's <error/> (RFC 6120 §8.3.3), or "unknown".
std::string error_condition(const xmpp::Element& stanza);

}  // namespace stoa::bench::stanza_text
