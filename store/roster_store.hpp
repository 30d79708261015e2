#pragma once

#include <asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace stoa::store {

/// The 'subscription' attribute of a roster item (RFC 6121 §2.1.2.5).
enum class Subscription { none, to, from, both };

std::string_view to_string(Subscription subscription);
/// nullopt for anything but "none", "to", "from" and "both".
std::optional<Subscription> parse_subscription(std::string_view text);

/// One row of an account's roster: a roster item, or only a pending inbound subscription
/// request from someone who is not in the roster (in_roster false).
struct RosterItem {
  std::string contact;  ///< prepared bare JID
  std::optional<std::string> name;
  Subscription subscription = Subscription::none;
  bool ask = false;         ///< Pending Out: shown as ask='subscribe'
  bool pending_in = false;  ///< Pending In: the contact's request awaits an answer
  std::optional<std::string> pending_in_stanza;  ///< that request, serialized, to redeliver
  bool approved = false;                         ///< pre-approved (RFC 6121 §3.4)
  std::vector<std::string> groups;
  bool in_roster = true;
  std::int64_t version = 0;  ///< the roster version of the last visible change

  bool operator==(const RosterItem&) const = default;
};

/// The roster items of an account and its current version.
struct Roster {
  std::int64_t version = 0;
  std::vector<RosterItem> items;  ///< in_roster items only, ordered by contact
};

/// A roster item removed at `version`.
struct RosterRemoval {
  std::string contact;
  std::int64_t version = 0;
};

/// What changed in a roster after some version (XEP-0237 §4), oldest change first.
struct RosterChanges {
  std::int64_t version = 0;  ///< the current version
  std::vector<RosterItem> changed;
  std::vector<RosterRemoval> removed;
};

/// What presence handling needs from an account's roster (RFC 6121 §4).
struct PresencePeers {
  std::vector<std::string> subscribers;       ///< subscription from/both: get the owner's presence
  std::vector<std::string> subscriptions;     ///< subscription to/both: the owner gets theirs
  std::vector<std::string> pending_requests;  ///< stored inbound subscription requests
};

/// Computes the new row from the current one (nullopt: none). Returning nullopt, or a row that
/// is neither in the roster nor pending, deletes it. Must be pure: it runs on a store thread
/// and may run twice (see Database::transact). The contact and version fields it sets are
/// ignored.
using RosterUpdater =
    std::function<std::optional<RosterItem>(const std::optional<RosterItem>& current)>;

/// The outcome of RosterStore::update().
struct RosterUpdate {
  enum class Status {
    applied,
    no_account,   ///< the owner has no account; nothing was written
    roster_full,  ///< the change would add a row past the limit; nothing was written
  };
  Status status = Status::applied;
  std::optional<RosterItem> before;  ///< the row as it was
  std::optional<RosterItem> after;   ///< the row as it is now (nullopt: deleted)
  /// The item changed as clients see it (added, removed, or a visible attribute changed): it
  /// must be pushed to the owner's interested resources with `version`.
  bool visible_change = false;
  std::int64_t version = 0;  ///< the roster version after the update
};

/// Rosters, subscription states and roster versions (tables of migrations 0002 and 0003).
/// Owners are usernames (nodeprepped local parts); contacts are prepared bare JIDs.
class RosterStore {
 public:
  /// `max_items` bounds the roster items of an account, and separately its pending requests
  /// from non-contacts and its tombstones.
  RosterStore(Database& db, std::size_t max_items) : db_(db), max_items_(max_items) {}

  /// The owner's roster items and version (empty at version 0 for a new account).
  asio::awaitable<Roster> roster(std::string owner);
  /// What changed after `version`; nullopt when the full roster should be sent instead (the
  /// version is unknown or older than the kept history, or the changes outnumber the items).
  asio::awaitable<std::optional<RosterChanges>> changes_since(std::string owner,
                                                              std::int64_t version);
  /// The row for `contact`, pending-only rows included.
  asio::awaitable<std::optional<RosterItem>> item(std::string owner, std::string contact);
  /// Who gets the owner's presence, whose presence the owner gets, and the requests to redeliver.
  asio::awaitable<PresencePeers> presence_peers(std::string owner);
  /// Reads the row under a lock on the owner's roster, applies `updater` and writes the
  /// result in the same transaction, bumping the roster version and keeping tombstones when
  /// the visible item changed.
  asio::awaitable<RosterUpdate> update(std::string owner, std::string contact,
                                       RosterUpdater updater);

 private:
  Database& db_;
  std::size_t max_items_;
};

}  // namespace stoa::store
