#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

/// Reading what the session needs from the stanzas that dominate a benchmark's load (groupchat
/// messages and occupants' presence) straight from their text. Every reader answers nullopt
/// when the text is not in the simple form it knows (a prefixed or foreign-namespace name, a
/// reference in a value it reads, markup inside a body): the full parser then decides.
namespace stoa::bench::stanza_peek {

/// A stanza's element name and the attributes the session routes on, all in jabber:client.
struct Head {
  std::string_view name;
  std::string_view type;          ///< empty when absent
  std::string_view from;          ///< empty when absent
  std::size_t content_begin = 0;  ///< just past the start tag
  bool empty = false;             ///< an empty-element tag: no content
};

/// `stanza` is one complete first-level element as the framer cut it.
std::optional<Head> read_head(std::string_view stanza);

/// The direct children of a groupchat message that decide whether it is a delivery to count.
struct GroupchatContent {
  bool delayed = false;                  ///< has <delay xmlns='urn:xmpp:delay'/> (history)
  std::optional<std::string_view> body;  ///< text of the first jabber:client <body/>
};

std::optional<GroupchatContent> read_groupchat_content(std::string_view stanza, const Head& head);

}  // namespace stoa::bench::stanza_peek
