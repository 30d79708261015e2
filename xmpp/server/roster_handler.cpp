#include "xmpp/server/roster_handler.hpp"

#include "xmpp/namespaces.hpp"
#include "xmpp/server/roster_codec.hpp"

namespace stoa::xmpp::server {

asio::awaitable<IqOutcome> RosterHandler::handle(const IqRequest& request) {
  if (request.iq.attr_or("type") == "get") {
    co_return co_await get(request);
  }
  co_return co_await set(request);
}

asio::awaitable<IqOutcome> RosterHandler::get(const IqRequest& request) {
  presence_.mark_interested(request.origin);
  const std::string owner = request.from.local();
  const std::string* ver = request.payload.attr("ver");
  if (ver) {
    // XEP-0237 §4: a client whose version is known gets an empty result, then the changes
    // since as pushes.
    if (std::optional<std::int64_t> version = parse_roster_version(*ver)) {
      if (std::optional<store::RosterChanges> changes =
              co_await roster_.changes_since(owner, *version)) {
        presence_.push_changes(request.origin, *changes);
        co_return std::nullopt;
      }
    }
  }
  store::Roster roster = co_await roster_.roster(owner);
  Element query("query", std::string(ns::kRoster));
  if (ver) {
    query.set_attr("ver", std::to_string(roster.version));
  }
  for (const store::RosterItem& item : roster.items) {
    query.add_child(roster_item_element(item));
  }
  co_return query;
}

asio::awaitable<IqOutcome> RosterHandler::set(const IqRequest& request) {
  const Jid account = request.from.bare();
  std::variant<RosterSet, StanzaError> parsed = parse_roster_set(request.payload, account);
  if (auto* error = std::get_if<StanzaError>(&parsed)) {
    co_return std::move(*error);
  }
  const RosterSet& set = std::get<RosterSet>(parsed);
  if (set.remove) {
    store::RosterUpdater remove =
        [](const std::optional<store::RosterItem>& current) -> std::optional<store::RosterItem> {
      // A pending request from a stranger is not an item (RFC 6121 §3.1.3): it stays.
      if (!current || !current->in_roster) {
        return current;
      }
      return std::nullopt;
    };
    store::RosterUpdate update =
        co_await roster_.update(account.local(), set.contact.str(), std::move(remove));
    if (!update.before || !update.before->in_roster) {
      co_return StanzaError(StanzaCondition::item_not_found,
                            set.contact.str() + " is not in the roster");
    }
    presence_.push(account, update);
    co_await presence_.contact_removed(account, *update.before);
    co_return std::nullopt;
  }
  // Named, not written inside the co_await: GCC 12 miscopies lambda temporaries there.
  store::RosterUpdater upsert =
      [name = set.name, groups = set.groups](const std::optional<store::RosterItem>& current) {
        store::RosterItem next = current ? *current : store::RosterItem{};
        next.in_roster = true;
        next.name = name;
        next.groups = groups;
        return std::optional<store::RosterItem>(std::move(next));
      };
  store::RosterUpdate update =
      co_await roster_.update(account.local(), set.contact.str(), std::move(upsert));
  if (update.status == store::RosterUpdate::Status::roster_full) {
    co_return StanzaError(StanzaCondition::resource_constraint, ErrorType::cancel,
                          "the roster is full (" + std::to_string(config_.max_roster_items) +
                              " items); remove a contact first");
  }
  if (update.status == store::RosterUpdate::Status::no_account) {
    co_return StanzaError(StanzaCondition::item_not_found, "the account no longer exists");
  }
  presence_.push(account, update);
  co_return std::nullopt;
}

}  // namespace stoa::xmpp::server
