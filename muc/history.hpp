#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "muc/muc_store.hpp"
#include "muc/outcome.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::muc {

/// The history a joining client asked for (XEP-0045 §7.2.15); absent attributes, and
/// malformed ones, are nullopt.
struct HistoryRequest {
  std::optional<std::size_t> max_stanzas;
  std::optional<std::size_t> max_chars;
  std::optional<unsigned long> seconds;
  std::optional<Timestamp> since;
};

/// Reads <history/> (nullptr: none was given).
HistoryRequest parse_history_request(const xmpp::Element* history);

/// What to load for a join: at most `room_limit` messages, fewer if the client asked for
/// fewer, bounded by seconds/since; nullopt when nothing is to be sent.
std::optional<SendHistory> plan_history(const HistoryRequest& request, std::size_t room_limit,
                                        Timestamp now, const xmpp::Jid& to);

/// The messages to send from archive entries (oldest first), each with a delay stamp from the
/// room, keeping the newest ones whose serialized size fits `max_chars`. Entries that do not
/// parse are skipped.
std::vector<xmpp::Element> history_messages(const std::vector<ArchiveEntry>& entries,
                                            const std::string& room_jid,
                                            std::optional<std::size_t> max_chars);

/// Parses a stanza the room serialized (ArchiveEntry::stanza); nullopt when it does not parse.
std::optional<xmpp::Element> parse_archived_stanza(const std::string& xml);

}  // namespace stoa::muc
