#include "muc/outcome_runner.hpp"

#include <exception>

#include "muc/history.hpp"

namespace stoa::muc {

namespace {

// Each store call takes named arguments: GCC 12 miscompiles aggregate temporaries written
// inside a co_await expression (see store/database.hpp).
asio::awaitable<void> run_store(Action& action, const std::string& room, MucStore& store) {
  std::string key = room;
  if (auto* create = std::get_if<CreateRoom>(&action)) {
    co_await store.create_room(std::move(create->room));
  } else if (auto* config = std::get_if<SaveConfig>(&action)) {
    co_await store.save_config(std::move(key), std::move(config->config));
  } else if (auto* subject = std::get_if<SaveSubject>(&action)) {
    co_await store.save_subject(std::move(key), std::move(subject->subject));
  } else if (auto* affiliation = std::get_if<SetAffiliation>(&action)) {
    co_await store.set_affiliation(std::move(key), std::move(affiliation->record));
  } else if (std::holds_alternative<DeleteRoom>(action)) {
    co_await store.delete_room(std::move(key));
  } else if (auto* append = std::get_if<AppendArchive>(&action)) {
    co_await store.append(std::move(key), std::move(append->entry));
  } else if (auto* event = std::get_if<RecordEvent>(&action)) {
    co_await store.record_event(std::move(key), std::move(event->event));
  }
}

}  // namespace

asio::awaitable<RunResult> run_outcome(Outcome outcome, std::string room, MucStore& store,
                                       Deliverer& deliverer) {
  RunResult result;
  for (Action& action : outcome.actions) {
    if (auto* send = std::get_if<Send>(&action)) {
      std::vector<xmpp::Jid> gone = co_await deliverer.deliver(send->stanza, std::move(send->to));
      result.gone.insert(result.gone.end(), gone.begin(), gone.end());
    } else if (auto* serve = std::get_if<ServeArchive>(&action)) {
      result.archive_requests.push_back(std::move(*serve));
    } else if (auto* moderate = std::get_if<ModerateArchive>(&action)) {
      std::vector<xmpp::Jid> recipients = std::move(moderate->moderation.recipients);
      std::optional<xmpp::Element> notice;
      try {
        notice = co_await apply_moderation(store, room, std::move(moderate->moderation));
      } catch (const std::exception& e) {
        result.stored = false;
        result.failure = e.what();
        result.error = std::current_exception();
        co_return result;
      }
      if (!notice) {
        result.moderation_target_missing = true;
        if (moderate->not_found) {
          co_await deliverer.deliver(moderate->not_found->stanza,
                                     std::move(moderate->not_found->to));
        }
        co_return result;
      }
      std::vector<xmpp::Jid> gone = co_await deliverer.deliver(*notice, std::move(recipients));
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
        co_await deliverer.deliver(message, std::move(to));
      }
    } else {
      try {
        co_await run_store(action, room, store);
      } catch (const std::exception& e) {
        result.stored = false;
        result.failure = e.what();
        result.error = std::current_exception();
        co_return result;
      }
    }
  }
  co_return result;
}

}  // namespace stoa::muc
