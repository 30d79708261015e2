#include "xmpp/server/presence_stanzas.hpp"

#include "xmpp/namespaces.hpp"

namespace stoa::xmpp::server {

Element make_presence(std::string_view type, std::string_view from, std::string_view to) {
  Element presence("presence", std::string(ns::kClient));
  if (!type.empty()) {
    presence.set_attr("type", type);
  }
  presence.set_attr("from", from);
  if (!to.empty()) {
    presence.set_attr("to", to);
  }
  return presence;
}

Element addressed(const Element& stanza, std::string_view to) {
  Element copy = stanza.clone();
  copy.set_attr("to", to);
  return copy;
}

}  // namespace stoa::xmpp::server
