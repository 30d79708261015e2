#include "muc/session_index.hpp"

#include <algorithm>
#include <functional>
#include <string_view>

namespace stoa::muc {

namespace {

/// Hashes the parts in place: Jid's std::hash builds the whole string first.
std::uint64_t hash_of(const xmpp::Jid& jid) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const std::string& part :
       {std::cref(jid.local()), std::cref(jid.domain()), std::cref(jid.resource())}) {
    hash = (hash ^ std::hash<std::string_view>{}(part)) * 1099511628211ULL;
  }
  return hash;
}

bool holds(const Occupant& occupant, const xmpp::Jid& session) {
  return std::ranges::find(occupant.sessions, session, &OccupantSession::jid) !=
         occupant.sessions.end();
}

}  // namespace

void SessionIndex::add(const xmpp::Jid& session, Occupant& occupant) {
  const std::uint64_t hash = hash_of(session);
  auto position = std::ranges::upper_bound(entries_, hash, {}, &Entry::hash);
  entries_.insert(position, Entry{hash, &occupant});
}

void SessionIndex::remove(const xmpp::Jid& session) {
  auto found = locate(session);
  if (found != entries_.end()) {
    entries_.erase(found);
  }
}

Occupant* SessionIndex::find(const xmpp::Jid& session) const {
  auto found = locate(session);
  return found == entries_.end() ? nullptr : found->occupant;
}

std::vector<SessionIndex::Entry>::const_iterator SessionIndex::locate(
    const xmpp::Jid& session) const {
  const auto [first, last] = std::ranges::equal_range(entries_, hash_of(session), {}, &Entry::hash);
  auto found = std::find_if(
      first, last, [&session](const Entry& entry) { return holds(*entry.occupant, session); });
  return found == last ? entries_.end() : found;
}

}  // namespace stoa::muc
