#include "muc/history.hpp"

#include <algorithm>
#include <charconv>

#include "xmpp/namespaces.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace stoa::muc {

namespace {

template <typename Number>
std::optional<Number> parse_number(const std::string* text) {
  if (!text || text->empty()) {
    return std::nullopt;
  }
  Number value{};
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size()) {
    return std::nullopt;
  }
  return value;
}

// Archived stanzas were written by the room after passing the stream limits; these bounds
// only keep a corrupted row from exhausting memory.
constexpr xmpp::StreamLimits kArchivedStanzaLimits{64 * 1024 * 1024, 128, 256};

}  // namespace

HistoryRequest parse_history_request(const xmpp::Element* history) {
  HistoryRequest request;
  if (!history) {
    return request;
  }
  request.max_stanzas = parse_number<std::size_t>(history->attr("maxstanzas"));
  request.max_chars = parse_number<std::size_t>(history->attr("maxchars"));
  request.seconds = parse_number<unsigned long>(history->attr("seconds"));
  if (const std::string* since = history->attr("since")) {
    request.since = parse_timestamp(*since);
  }
  return request;
}

std::optional<SendHistory> plan_history(const HistoryRequest& request, std::size_t room_limit,
                                        Timestamp now, const xmpp::Jid& to) {
  std::size_t count = std::min(room_limit, request.max_stanzas.value_or(room_limit));
  if (count == 0 || request.max_chars == 0) {
    return std::nullopt;
  }
  std::optional<Timestamp> since = request.since;
  if (request.seconds) {
    // Bounded so that the subtraction cannot leave the representable range.
    constexpr unsigned long kTenYears = 10ul * 366 * 24 * 3600;
    Timestamp from = now - std::chrono::seconds(std::min(*request.seconds, kTenYears));
    since = since ? std::max(*since, from) : from;
  }
  return SendHistory{to, HistoryQuery{count, since}, request.max_chars};
}

std::optional<xmpp::Element> parse_archived_stanza(const std::string& xml) {
  xmpp::XmlStreamParser parser(kArchivedStanzaLimits);
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

std::vector<xmpp::Element> history_messages(const std::vector<ArchiveEntry>& entries,
                                            const std::string& room_jid,
                                            std::optional<std::size_t> max_chars) {
  std::vector<xmpp::Element> out;
  std::size_t used = 0;
  // Newest first, so that a maxchars budget keeps the most recent messages.
  for (auto entry = entries.rbegin(); entry != entries.rend(); ++entry) {
    std::optional<xmpp::Element> message = parse_archived_stanza(entry->stanza);
    if (!message) {
      continue;
    }
    xmpp::Element& delay = message->add_child("delay", std::string(xmpp::ns::kDelay));
    delay.set_attr("from", room_jid);
    delay.set_attr("stamp", format_timestamp(entry->timestamp));
    if (max_chars) {
      used += message->str(xmpp::ns::kClient).size();
      if (used > *max_chars) {
        break;
      }
    }
    out.push_back(std::move(*message));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace stoa::muc
