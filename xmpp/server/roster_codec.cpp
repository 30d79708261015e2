#include "xmpp/server/roster_codec.hpp"

#include <algorithm>
#include <charconv>

#include "xmpp/namespaces.hpp"

namespace stoa::xmpp::server {

std::variant<RosterSet, StanzaError> parse_roster_set(const Element& query, const Jid& owner) {
  std::vector<const Element*> children = query.children();
  if (children.size() != 1 || !children.front()->is("item", ns::kRoster)) {
    return StanzaError(StanzaCondition::bad_request, "a roster set carries exactly one <item/>");
  }
  const Element& item = *children.front();
  const std::string* jid_text = item.attr("jid");
  if (!jid_text) {
    return StanzaError(StanzaCondition::bad_request, "the roster item has no 'jid'");
  }
  std::optional<Jid> contact = Jid::parse(*jid_text);
  if (!contact) {
    return StanzaError(StanzaCondition::jid_malformed, "the roster item's 'jid' is not a JID");
  }
  if (!contact->is_bare()) {
    return StanzaError(StanzaCondition::bad_request, "roster items are bare JIDs");
  }
  if (contact->bare_str() == owner.bare_str()) {
    // The account's own presence already reaches all its resources (RFC 6121 §4.2.2).
    return StanzaError(StanzaCondition::not_allowed, "an account cannot be its own contact");
  }
  RosterSet set;
  set.contact = std::move(*contact);
  // §2.1.2.5: every other 'subscription' value (and 'ask', 'approved') is ignored in a set.
  if (item.attr_or("subscription") == "remove") {
    set.remove = true;
    return set;
  }
  if (const std::string* name = item.attr("name")) {
    if (name->size() > kMaxRosterNameBytes) {
      return StanzaError(StanzaCondition::not_acceptable, "the roster item's name is longer than " +
                                                              std::to_string(kMaxRosterNameBytes) +
                                                              " bytes");
    }
    set.name = *name;
  }
  for (const Element* group : item.children("group", ns::kRoster)) {
    std::string text = group->text();
    if (text.empty()) {
      return StanzaError(StanzaCondition::not_acceptable, "a roster group name is empty");
    }
    if (text.size() > kMaxRosterGroupBytes) {
      return StanzaError(
          StanzaCondition::not_acceptable,
          "a roster group name is longer than " + std::to_string(kMaxRosterGroupBytes) + " bytes");
    }
    if (std::find(set.groups.begin(), set.groups.end(), text) != set.groups.end()) {
      return StanzaError(StanzaCondition::bad_request,
                         "the roster group '" + text + "' is given twice");
    }
    if (set.groups.size() == kMaxRosterGroupsPerItem) {
      return StanzaError(
          StanzaCondition::not_acceptable,
          "a roster item is in at most " + std::to_string(kMaxRosterGroupsPerItem) + " groups");
    }
    set.groups.push_back(std::move(text));
  }
  return set;
}

Element roster_item_element(const store::RosterItem& item) {
  Element element("item", std::string(ns::kRoster));
  element.set_attr("jid", item.contact);
  if (item.name) {
    element.set_attr("name", *item.name);
  }
  element.set_attr("subscription", store::to_string(item.subscription));
  if (item.ask) {
    element.set_attr("ask", "subscribe");
  }
  if (item.approved) {
    element.set_attr("approved", "true");
  }
  for (const std::string& group : item.groups) {
    element.add_child("group", std::string(ns::kRoster)).set_text(group);
  }
  return element;
}

Element roster_removal_element(std::string_view contact) {
  Element element("item", std::string(ns::kRoster));
  element.set_attr("jid", contact);
  element.set_attr("subscription", "remove");
  return element;
}

Element roster_push(Element item, const Jid& to, std::int64_t version, std::string id) {
  Element iq("iq", std::string(ns::kClient));
  iq.set_attr("type", "set");
  iq.set_attr("id", id);
  iq.set_attr("to", to.str());
  Element& query = iq.add_child("query", std::string(ns::kRoster));
  query.set_attr("ver", std::to_string(version));
  query.add_child(std::move(item));
  return iq;
}

std::optional<std::int64_t> parse_roster_version(std::string_view ver) {
  if (ver.empty() || ver.size() > 18 ||
      !std::all_of(ver.begin(), ver.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t version = 0;
  auto [end, error] = std::from_chars(ver.data(), ver.data() + ver.size(), version);
  if (error != std::errc() || end != ver.data() + ver.size()) {
    return std::nullopt;
  }
  return version;
}

std::optional<Element> parse_stored_stanza(std::string_view xml, const StreamLimits& limits) {
  XmlStreamParser parser(limits);
  if (parser.feed("<stream:stream xmlns='jabber:client' "
                  "xmlns:stream='http://etherx.jabber.org/streams'>") ||
      parser.feed(xml)) {
    return std::nullopt;
  }
  while (std::optional<StreamEvent> event = parser.next()) {
    if (auto* element = std::get_if<StreamElement>(&*event)) {
      return std::move(element->element);
    }
  }
  return std::nullopt;
}

}  // namespace stoa::xmpp::server
