#pragma once

#include <cstdint>
#include <vector>

#include "muc/occupant.hpp"
#include "xmpp/jid.hpp"

namespace stoa::muc {

/// Which occupant each session in a room belongs to. Every stanza to the room looks its sender
/// up here, so it is an index, but a lean one: a sorted vector of (hash of the full JID,
/// occupant), 16 bytes a session, where a map from JID strings to nicks cost ten times that.
/// Two JIDs may share a hash: a lookup checks that the occupant has the session.
class SessionIndex {
 public:
  /// `occupant` must already hold `session`, and stay where it is until removed.
  void add(const xmpp::Jid& session, Occupant& occupant);
  /// Call while the occupant still holds `session`.
  void remove(const xmpp::Jid& session);
  Occupant* find(const xmpp::Jid& session) const;
  void clear() { entries_.clear(); }

 private:
  struct Entry {
    std::uint64_t hash;
    Occupant* occupant;
  };

  std::vector<Entry>::const_iterator locate(const xmpp::Jid& session) const;

  std::vector<Entry> entries_;  ///< by hash
};

}  // namespace stoa::muc
