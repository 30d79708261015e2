#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/roster_store.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace stoa::xmpp::server {

/// Bounds on what a roster set may store (RFC 6121 §2.3.3 leaves them to the server).
inline constexpr std::size_t kMaxRosterNameBytes = 1023;
inline constexpr std::size_t kMaxRosterGroupBytes = 1023;
inline constexpr std::size_t kMaxRosterGroupsPerItem = 64;

/// A valid roster set (RFC 6121 §2.3-2.5).
struct RosterSet {
  Jid contact;  ///< bare
  bool remove = false;
  std::optional<std::string> name;  ///< unset when the item has no 'name'
  std::vector<std::string> groups;
};

/// Checks a roster set's <query/> from the account `owner` (bare JID) per RFC 6121 §2.3.3.
std::variant<RosterSet, StanzaError> parse_roster_set(const Element& query, const Jid& owner);

/// <item/> as it appears in roster results and pushes.
Element roster_item_element(const store::RosterItem& item);
/// <item subscription='remove'/> for a push of a removal.
Element roster_removal_element(std::string_view contact);
/// The roster push (RFC 6121 §2.1.6) of `item` to the resource `to`, with the roster version.
Element roster_push(Element item, const Jid& to, std::int64_t version, std::string id);

/// The 'ver' a client sent (XEP-0237): one of our decimal versions, or nullopt for anything
/// else (empty, foreign or out of range), which calls for the full roster.
std::optional<std::int64_t> parse_roster_version(std::string_view ver);

/// Parses a stanza stored by serializing it in a jabber:client context; nullopt when it does
/// not parse within `limits`.
std::optional<Element> parse_stored_stanza(std::string_view xml, const StreamLimits& limits);

}  // namespace stoa::xmpp::server
