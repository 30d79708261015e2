#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "muc/archive_moderation.hpp"
#include "muc/mam_query.hpp"
#include "muc/muc_store.hpp"
#include "muc/room_event.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::muc {

/// Whom a Send goes to: an immutable list, shared rather than copied. A groupchat message goes
/// to every session in the room, and copying every recipient's JID for each message showed in
/// the fan-out profile (2% of the CPU): the room hands out one list until someone comes or
/// goes. Being immutable and shared, it stays valid for sends still waiting for their archive
/// write (pipelining) while the room goes on.
class Recipients {
 public:
  Recipients() : Recipients(std::vector<xmpp::Jid>{}) {}
  /// Implicit, so that a send builds its list as before.
  Recipients(std::vector<xmpp::Jid> jids)
      : jids_(std::make_shared<const std::vector<xmpp::Jid>>(std::move(jids))) {}
  Recipients(std::initializer_list<xmpp::Jid> jids) : Recipients(std::vector<xmpp::Jid>(jids)) {}
  explicit Recipients(std::shared_ptr<const std::vector<xmpp::Jid>> shared)
      : jids_(std::move(shared)) {}

  const std::vector<xmpp::Jid>& list() const { return *jids_; }
  std::size_t size() const { return jids_->size(); }
  bool empty() const { return jids_->empty(); }
  auto begin() const { return jids_->begin(); }
  auto end() const { return jids_->end(); }
  friend bool operator==(const Recipients& recipients, const std::vector<xmpp::Jid>& jids) {
    return recipients.list() == jids;
  }

 private:
  std::shared_ptr<const std::vector<xmpp::Jid>> jids_;  ///< never null
};

/// Sends one stanza to each recipient; only its 'to' attribute differs per recipient (the
/// fan-out primitive serializes it once). The stanza carries no 'to' of its own.
struct Send {
  xmpp::Element stanza;
  Recipients to;
};

// Store operations are the StoreChange types (muc_store.hpp): CreateRoom, SaveConfig,
// SaveSubject, SetAffiliation, DeleteRoom, AppendArchive, RecordEvent. Consecutive ones are
// committed together, in one transaction, before the next action runs: nothing is delivered
// before what it reports has been stored, and no change is stored without its events.

/// Takes an archived message down (XEP-0425; see archive_moderation.hpp): rewrites it in the
/// archive and records the moderation's event (in one transaction), then sends the notice to
/// moderation.recipients.
/// When the archive has no such message, `not_found` (if any) is sent instead and the actions
/// after this one are skipped.
struct ModerateArchive {
  Moderation moderation;
  std::optional<Send> not_found;
};

/// Loads join history from the archive and sends it to one joining session, each message with
/// a delay stamp (XEP-0045 §7.2.15); see history.hpp.
struct SendHistory {
  xmpp::Jid to;
  HistoryQuery query;
  std::optional<std::size_t> max_chars;  ///< the client's maxchars, if it gave one
};

using Action = std::variant<Send, CreateRoom, SaveConfig, SaveSubject, SetAffiliation, DeleteRoom,
                            AppendArchive, RecordEvent, ModerateArchive, SendHistory, ServeArchive>;

/// What a room decided in answer to one input: actions to run in order. When store actions
/// fail, none of their group is stored, the actions after them are skipped and the sender gets an
/// internal-server-error.
struct Outcome {
  std::vector<Action> actions;
  /// The room no longer exists once the actions are done (destroyed, or a temporary room
  /// whose last occupant left); its host drops it.
  bool room_gone = false;

  void send(xmpp::Element stanza, Recipients to) {
    if (!to.empty()) {
      actions.emplace_back(Send{std::move(stanza), std::move(to)});
    }
  }
  void send(xmpp::Element stanza, const xmpp::Jid& to) {
    actions.emplace_back(Send{std::move(stanza), {to}});
  }
  template <typename Operation>
  void store(Operation operation) {
    actions.emplace_back(std::move(operation));
  }
};

}  // namespace stoa::muc
