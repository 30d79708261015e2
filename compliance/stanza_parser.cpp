#include "compliance/stanza_parser.hpp"

#include <charconv>
#include <cstring>
#include <string_view>

#include "compliance/protocol.hpp"

namespace stoa::compliance {

namespace {

constexpr const char* kStanzaErrorNs = "urn:ietf:params:xml:ns:xmpp-stanzas";

std::string attribute(xmpp_stanza_t* stanza, const char* name) {
  const char* value = xmpp_stanza_get_attribute(stanza, name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string text_of(xmpp_stanza_t* stanza) {
  char* text = xmpp_stanza_get_text(stanza);
  if (text == nullptr) {
    return {};
  }
  std::string copy(text);
  xmpp_free(xmpp_stanza_get_context(stanza), text);
  return copy;
}

bool is_element(xmpp_stanza_t* stanza, const char* name) {
  const char* element = xmpp_stanza_get_name(stanza);
  return xmpp_stanza_is_tag(stanza) && element != nullptr && std::strcmp(element, name) == 0;
}

// One <event/>: either the event or why it was refused.
std::optional<Event> parse_event(xmpp_stanza_t* element, std::string& problem) {
  const char* seq_text = xmpp_stanza_get_attribute(element, "seq");
  auto seq = parse_seq(seq_text);
  if (!seq) {
    problem = "event with seq '" + std::string(seq_text == nullptr ? "" : seq_text) +
              "': seq must be a positive integer";
    return std::nullopt;
  }
  Event event;
  event.seq = *seq;
  event.kind = attribute(element, "kind");
  event.room = attribute(element, "room");
  std::string at = attribute(element, "at");
  auto prefix = "event " + std::to_string(event.seq) + ": ";
  if (event.kind.empty()) {
    problem = prefix + "no kind";
    return std::nullopt;
  }
  if (event.room.empty()) {
    problem = prefix + "no room";
    return std::nullopt;
  }
  auto timestamp = muc::parse_timestamp(at);
  if (!timestamp) {
    problem = prefix + "at '" + at + "' is not an XEP-0082 DateTime";
    return std::nullopt;
  }
  event.at = *timestamp;
  event.actor = attribute(element, "actor");
  event.nick = attribute(element, "nick");
  event.target = attribute(element, "target");
  event.target_nick = attribute(element, "target-nick");
  event.stanza_id = attribute(element, "stanza-id");
  event.payload = text_of(element);
  return event;
}

}  // namespace

std::optional<std::int64_t> parse_seq(const char* text, bool allow_zero) {
  if (text == nullptr) {
    return std::nullopt;
  }
  std::string_view digits(text);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size() || (value == 0 && !allow_zero)) {
    return std::nullopt;
  }
  return value;
}

ParsedEvents parse_events(xmpp_stanza_t* message) {
  ParsedEvents parsed;
  std::string ns(kComplianceNs);
  xmpp_stanza_t* events = xmpp_stanza_get_child_by_ns(message, ns.c_str());
  if (events == nullptr || !is_element(events, "events")) {
    return parsed;
  }
  for (xmpp_stanza_t* child = xmpp_stanza_get_children(events); child != nullptr;
       child = xmpp_stanza_get_next(child)) {
    if (!is_element(child, "event")) {
      continue;
    }
    std::string problem;
    if (auto event = parse_event(child, problem)) {
      parsed.events.push_back(std::move(*event));
    } else {
      parsed.problems.push_back(std::move(problem));
    }
  }
  return parsed;
}

std::optional<Subscribed> parse_subscribed(xmpp_stanza_t* iq) {
  std::string ns(kComplianceNs);
  xmpp_stanza_t* element = xmpp_stanza_get_child_by_ns(iq, ns.c_str());
  if (element == nullptr || !is_element(element, "subscribed")) {
    return std::nullopt;
  }
  auto acked = parse_seq(xmpp_stanza_get_attribute(element, "acked"), true);
  if (!acked) {
    return std::nullopt;
  }
  Subscribed subscribed;
  subscribed.acked = *acked;
  if (const char* oldest = xmpp_stanza_get_attribute(element, "oldest")) {
    subscribed.oldest = parse_seq(oldest);
    if (!subscribed.oldest) {
      return std::nullopt;
    }
  }
  if (const char* last = xmpp_stanza_get_attribute(element, "last")) {
    subscribed.last = parse_seq(last, true);
    if (!subscribed.last) {
      return std::nullopt;
    }
  }
  return subscribed;
}

std::string describe_iq_error(xmpp_stanza_t* iq) {
  xmpp_stanza_t* error = xmpp_stanza_get_child_by_name(iq, "error");
  if (error == nullptr) {
    return "error without an <error/> element";
  }
  std::string condition = "undefined-condition";
  std::string text;
  for (xmpp_stanza_t* child = xmpp_stanza_get_children(error); child != nullptr;
       child = xmpp_stanza_get_next(child)) {
    const char* ns = xmpp_stanza_get_ns(child);
    if (!xmpp_stanza_is_tag(child) || ns == nullptr || std::strcmp(ns, kStanzaErrorNs) != 0) {
      continue;
    }
    if (is_element(child, "text")) {
      text = text_of(child);
    } else {
      condition = xmpp_stanza_get_name(child);
    }
  }
  return text.empty() ? condition : condition + ": " + text;
}

}  // namespace stoa::compliance
