#include "tests/support/stanza_match.hpp"

#include <stdexcept>
#include <utility>
#include <variant>

#include "xmpp/namespaces.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace stoa::test {
namespace {

/// Far above anything a test receives: the test parser should never be the one to refuse.
constexpr xmpp::StreamLimits kGenerousLimits{64 * 1024 * 1024, 256, 1024};

bool jid_matches(std::string_view jid, std::string_view wanted) {
  return wanted.find('/') == std::string_view::npos ? bare_jid(jid) == wanted : jid == wanted;
}

}  // namespace

std::optional<xmpp::Element> parse_element(std::string_view xml) {
  xmpp::XmlStreamParser parser(kGenerousLimits);
  if (parser.feed("<stream:stream xmlns='jabber:client' "
                  "xmlns:stream='http://etherx.jabber.org/streams'>") ||
      parser.feed(xml)) {
    return std::nullopt;
  }
  while (std::optional<xmpp::StreamEvent> event = parser.next()) {
    if (auto* element = std::get_if<xmpp::StreamElement>(&*event)) {
      return std::move(element->element);
    }
  }
  return std::nullopt;
}

xmpp::Element xml(std::string_view text) {
  std::optional<xmpp::Element> element = parse_element(text);
  if (!element) {
    throw std::invalid_argument("malformed XML in the test: " + std::string(text));
  }
  return std::move(*element);
}

std::string error_condition(const xmpp::Element& error, std::string_view condition_xmlns) {
  for (const xmpp::Element* child : error.children()) {
    if (child->xmlns() == condition_xmlns && child->name() != "text") {
      return child->name();
    }
  }
  return {};
}

std::string stanza_error_condition(const xmpp::Element& stanza) {
  const xmpp::Element* error = stanza.child("error");
  return error ? error_condition(*error, xmpp::ns::kStanzaErrors) : std::string();
}

std::string bare_jid(std::string_view jid) {
  return std::string(jid.substr(0, jid.find('/')));
}

std::string resource_of(std::string_view jid) {
  const auto slash = jid.find('/');
  return slash == std::string_view::npos ? std::string() : std::string(jid.substr(slash + 1));
}

bool has_feature(const xmpp::Element& query, std::string_view var) {
  for (const xmpp::Element* feature : query.children("feature")) {
    if (feature->attr_or("var") == var) {
      return true;
    }
  }
  return false;
}

StanzaPredicate message_from(std::string from) {
  return [from = std::move(from)](const xmpp::Element& stanza) {
    return stanza.name() == "message" && jid_matches(stanza.attr_or("from"), from);
  };
}

StanzaPredicate presence_from(std::string from, std::string type) {
  return [from = std::move(from), type = std::move(type)](const xmpp::Element& stanza) {
    return stanza.name() == "presence" && stanza.attr_or("type") == type &&
           jid_matches(stanza.attr_or("from"), from);
  };
}

StanzaPredicate roster_push_for(std::string jid) {
  return [jid = std::move(jid)](const xmpp::Element& stanza) {
    return stanza.name() == "iq" && stanza.attr_or("type") == "set" &&
           roster_item(stanza, jid) != nullptr;
  };
}

const xmpp::Element* roster_item(const xmpp::Element& iq, std::string_view jid) {
  const xmpp::Element* query = iq.child("query", xmpp::ns::kRoster);
  if (!query) {
    return nullptr;
  }
  for (const xmpp::Element* item : query->children("item")) {
    if (item->attr_or("jid") == jid) {
      return item;
    }
  }
  return nullptr;
}

}  // namespace stoa::test
