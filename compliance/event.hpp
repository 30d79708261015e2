#pragma once

#include <cstdint>
#include <string>

#include "muc/timestamp.hpp"

namespace stoa::compliance {

/// One room event as stoad reported it (docs/compliance-protocol.md "Events") and as the
/// compliance database keeps it. Empty strings stand for absent attributes.
struct Event {
  std::int64_t seq = 0;  ///< stoad's gapless sequence number: the key
  std::string room;      ///< bare room JID
  std::string kind;      ///< "message", "join", "nick-change", ...
  muc::Timestamp at{};   ///< when the room accepted it
  std::string actor;     ///< real bare JID of who did it
  std::string nick;      ///< their nick in the room
  std::string target;    ///< real bare JID of whom it was done to
  std::string target_nick;
  std::string stanza_id;  ///< the archive entry concerned (XEP-0359)
  std::string payload;    ///< the stanza, form or short text, unescaped

  bool operator==(const Event&) const = default;
};

}  // namespace stoa::compliance
