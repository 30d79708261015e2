#include "muc/outcome_runner.hpp"

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "muc/history.hpp"

namespace stoa::muc {

namespace {

template <typename T, typename Variant>
struct IsAlternative;
template <typename T, typename... Alternatives>
struct IsAlternative<T, std::variant<Alternatives...>>
    : std::disjunction<std::is_same<T, Alternatives>...> {};

/// The action as a store change, moved out of it; nullopt for the other actions.
std::optional<StoreChange> take_store_change(Action& action) {
  return std::visit(
      [](auto& alternative) -> std::optional<StoreChange> {
        using Alternative = std::decay_t<decltype(alternative)>;
        if constexpr (IsAlternative<Alternative, StoreChange>::value) {
          return StoreChange(std::move(alternative));
        } else {
          return std::nullopt;
        }
      },
      action);
}

/// How many actions from `first` on are sends of one stanza each to the same single
/// recipient, as a joiner's occupant list is (0 when `first` is not such a send).
std::size_t series_to_one(const std::vector<Action>& actions, std::size_t first) {
  const auto* head = std::get_if<Send>(&actions[first]);
  if (!head || head->to.size() != 1) {
    return 0;
  }
  std::size_t end = first + 1;
  while (end < actions.size()) {
    const auto* next = std::get_if<Send>(&actions[end]);
    if (!next || next->to.size() != 1 || next->to.list().front() != head->to.list().front()) {
      break;
    }
    ++end;
  }
  return end - first;
}

void record_failure(RunResult& result, const std::exception& failure) {
  result.stored = false;
  result.failure = failure.what();
  result.error = std::current_exception();
}

/// Commits the store changes gathered so far (none: nothing to do) and empties `pending`.
/// Returns false, with the failure in `result`, when they could not be stored.
asio::awaitable<bool> commit_pending(std::vector<StoreChange>& pending, const std::string& room,
                                     MucStore& store, RunResult& result) {
  if (pending.empty()) {
    co_return true;
  }
  std::vector<StoreChange> changes = std::move(pending);
  pending.clear();
  std::string key = room;
  try {
    co_await store.commit(std::move(key), std::move(changes));
  } catch (const std::exception& e) {
    record_failure(result, e);
    co_return false;
  }
  co_return true;
}

}  // namespace

asio::awaitable<bool> Deliverer::deliver_series(const std::vector<const xmpp::Element*>& stanzas,
                                                const xmpp::Jid& to) {
  const std::vector<xmpp::Jid> recipient{to};
  bool gone = false;
  for (const xmpp::Element* stanza : stanzas) {
    const std::vector<xmpp::Jid> missing = co_await deliver(*stanza, recipient);
    gone = gone || !missing.empty();
  }
  co_return gone;
}

asio::awaitable<RunResult> run_outcome(Outcome outcome, std::string room, MucStore& store,
                                       Deliverer& deliverer) {
  RunResult result;
  // Consecutive store changes are gathered and committed together before the next action.
  std::vector<StoreChange> pending;
  std::vector<Action>& actions = outcome.actions;
  for (std::size_t index = 0; index < actions.size(); ++index) {
    Action& action = actions[index];
    if (std::optional<StoreChange> change = take_store_change(action)) {
      pending.push_back(std::move(*change));
      continue;
    }
    if (!co_await commit_pending(pending, room, store, result)) {
      co_return result;
    }
    if (const std::size_t length = series_to_one(actions, index); length > 1) {
      std::vector<const xmpp::Element*> stanzas;
      stanzas.reserve(length);
      for (std::size_t k = index; k < index + length; ++k) {
        stanzas.push_back(&std::get<Send>(actions[k]).stanza);
      }
      const xmpp::Jid& to = std::get<Send>(action).to.list().front();
      if (co_await deliverer.deliver_series(stanzas, to)) {
        result.gone.push_back(to);
      }
      index += length - 1;
    } else if (auto* send = std::get_if<Send>(&action)) {
      std::vector<xmpp::Jid> gone = co_await deliverer.deliver(send->stanza, send->to.list());
      result.gone.insert(result.gone.end(), gone.begin(), gone.end());
    } else if (auto* serve = std::get_if<ServeArchive>(&action)) {
      result.archive_requests.push_back(std::move(*serve));
    } else if (auto* moderate = std::get_if<ModerateArchive>(&action)) {
      std::vector<xmpp::Jid> recipients = std::move(moderate->moderation.recipients);
      std::optional<xmpp::Element> notice;
      try {
        notice = co_await apply_moderation(store, room, std::move(moderate->moderation));
      } catch (const std::exception& e) {
        record_failure(result, e);
        co_return result;
      }
      if (!notice) {
        result.moderation_target_missing = true;
        if (moderate->not_found) {
          co_await deliverer.deliver(moderate->not_found->stanza, moderate->not_found->to.list());
        }
        co_return result;
      }
      std::vector<xmpp::Jid> gone = co_await deliverer.deliver(*notice, recipients);
      result.gone.insert(result.gone.end(), gone.begin(), gone.end());
    } else if (auto* history = std::get_if<SendHistory>(&action)) {
      std::vector<ArchiveEntry> entries;
      std::string key = room;
      HistoryQuery query = history->query;
      try {
        entries = co_await store.history(std::move(key), std::move(query));
      } catch (const std::exception& e) {
        result.failure = std::string("history not sent: ") + e.what();
      }
      for (xmpp::Element& message : history_messages(entries, room, history->max_chars)) {
        std::vector<xmpp::Jid> to{history->to};
        co_await deliverer.deliver(message, to);
      }
    }
  }
  co_await commit_pending(pending, room, store, result);
  co_return result;
}

}  // namespace stoa::muc
