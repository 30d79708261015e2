#pragma once

#include <asio/awaitable.hpp>
#include <exception>
#include <string>
#include <vector>

#include "muc/muc_store.hpp"
#include "muc/outcome.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::muc {

/// Where a room's stanzas go: the daemon's router, or a recording fake in tests.
class Deliverer {
 public:
  virtual ~Deliverer() = default;
  /// Sends `stanza` (no 'to' of its own) to each recipient. Returns the recipients known to
  /// have no session any more, so that the room can let them go. Both arguments must stay
  /// valid until the delivery is done.
  virtual asio::awaitable<std::vector<xmpp::Jid>> deliver(const xmpp::Element& stanza,
                                                          const std::vector<xmpp::Jid>& to) = 0;
  /// Sends `stanzas` (no 'to' of their own), in order, to one recipient: a joiner is owed a
  /// presence for every occupant, thousands in a large room, and they can travel together.
  /// Returns whether the recipient is known to have no session any more. This one sends them
  /// one by one.
  virtual asio::awaitable<bool> deliver_series(const std::vector<const xmpp::Element*>& stanzas,
                                               const xmpp::Jid& to);
};

/// How running an outcome went.
struct RunResult {
  bool stored = true;           ///< false: store operations failed, the rest was skipped
  std::string failure;          ///< what failed, for the log
  std::exception_ptr error;     ///< the store operation's exception, when one failed
  std::vector<xmpp::Jid> gone;  ///< recipients without a session (see Deliverer)
  /// MAM requests, left to the host to start (serve_archive()) so that they run beside the
  /// room's later inputs rather than before them.
  std::vector<ServeArchive> archive_requests;
  /// A ModerateArchive found no such message (and the actions after it were skipped).
  bool moderation_target_missing = false;
};

/// Carries out a room's outcome in order. Consecutive sends to the same single recipient go
/// to the deliverer as one series. Consecutive store operations are committed together
/// in one transaction (MucStore::commit), awaited before what follows them (stored before
/// delivered); history is loaded from the archive when a join asks for it.
/// A failed history load only skips the history. Runs on the room's executor.
asio::awaitable<RunResult> run_outcome(Outcome outcome, std::string room, MucStore& store,
                                       Deliverer& deliverer);

}  // namespace stoa::muc
