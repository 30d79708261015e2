#pragma once

#include <strophe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compliance/event.hpp"

namespace stoa::compliance {

/// What one events message from stoad carried.
struct ParsedEvents {
  std::vector<Event> events;          ///< the well-formed events, in document order
  std::vector<std::string> problems;  ///< one line per event that was refused, naming why
};

/// Reads the <event/> children of <events xmlns='urn:stoa:compliance:0'/> in `message`.
/// An event lacking a valid seq, kind, room or at is refused, not guessed at: storing it
/// wrongly would be worse than the gap, which stops acknowledgements until someone looks.
ParsedEvents parse_events(xmpp_stanza_t* message);

/// stoad's answer to a subscription (<subscribed/>).
struct Subscribed {
  std::int64_t acked = 0;              ///< the component's acknowledged position
  std::optional<std::int64_t> oldest;  ///< oldest seq in the outbox; absent when it is empty
  std::optional<std::int64_t> last;    ///< newest seq written; absent when the outbox is empty
};

/// The <subscribed/> payload of an IQ result; nullopt when absent or malformed.
std::optional<Subscribed> parse_subscribed(xmpp_stanza_t* iq);

/// "forbidden: <text>" for an IQ error: the condition and the text, if any.
std::string describe_iq_error(xmpp_stanza_t* iq);

/// A sequence number: decimal digits only, 1 to INT64_MAX (0 too when `allow_zero`).
std::optional<std::int64_t> parse_seq(const char* text, bool allow_zero = false);

}  // namespace stoa::compliance
