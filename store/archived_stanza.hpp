#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stoa::store {

/// The parts of an archived <message/> that the archive also keeps in columns of their own, for
/// search and exports.
struct StanzaColumns {
  std::optional<std::string> body;         ///< text of the first <body/> child
  std::optional<std::string> occupant_id;  ///< 'id' of the XEP-0421 <occupant-id/> child

  bool operator==(const StanzaColumns&) const = default;
};

/// Reads them from a serialized <message/> (in jabber:client, declared or not). What is absent,
/// and everything of a stanza that is not well-formed, is nullopt.
StanzaColumns extract_stanza_columns(std::string_view stanza);

}  // namespace stoa::store
