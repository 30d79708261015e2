#include "xmpp/server/muc_room_host.hpp"

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>

#include "muc/mam_serve.hpp"
#include "store/database.hpp"
#include "xmpp/server/muc_service.hpp"
#include "xmpp/stanza_error.hpp"

namespace stoa::xmpp::server {

namespace {

muc::Timestamp now() {
  return std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
}

/// Whether the sender of `stanza` expects an answer when it cannot be handled.
bool wants_error(const Element& stanza) {
  const std::string type = stanza.attr_or("type");
  return type != "error" && type != "result" && !(stanza.name() == "presence" && !type.empty());
}

/// What the sender is told when its stanza could not be stored. The database being away is a
/// passing shortage the sender may retry after; anything else is the server's fault.
StanzaError storage_error(const std::exception_ptr& failure) {
  try {
    if (failure) {
      std::rethrow_exception(failure);
    }
  } catch (const store::StoreUnavailable&) {
    return {StanzaCondition::resource_constraint, ErrorType::wait,
            "the archive database is unavailable: this was neither stored nor delivered; try "
            "again later"};
  } catch (...) {
  }
  return {StanzaCondition::internal_server_error, ErrorType::wait,
          "the room could not store this: it was not delivered; try again later"};
}

std::string describe(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown failure";
  }
}

/// A groupchat message changes nothing that the room's next inputs depend on (a subject change
/// does, but its outcome shows it: see MucRoomHost::pipeline()), so the room may decide the
/// next input while the message is being stored.
bool may_overtake_storing(const Element& stanza) {
  return stanza.name() == "message" && stanza.attr_or("type") == "groupchat";
}

}  // namespace

MucRoomHost::MucRoomHost(MucService& service, muc::Room room, asio::io_context& home,
                         muc::MucStore& store, muc::MamStore& archive, muc::Deliverer& deliverer,
                         unsigned max_pending_stores, WorkDelayGauge& work_delay, Logger& log)
    : service_(service),
      room_(std::move(room)),
      home_(home),
      store_(store),
      archive_(archive),
      deliverer_(deliverer),
      work_delay_(work_delay),
      log_(log),
      jid_(room_.jid().bare_str()),
      max_pending_(std::max(1U, max_pending_stores)),
      news_(home, asio::steady_timer::time_point::max()),
      listing_(room_.listing()) {}

void MucRoomHost::post(Element stanza) {
  asio::post(home_, [self = shared_from_this(), stanza = std::move(stanza),
                     posted = WorkDelayGauge::Clock::now()]() mutable {
    self->enqueue(std::move(stanza), posted);
  });
}

void MucRoomHost::post_session_gone(Jid session) {
  asio::post(home_, [self = shared_from_this(), session = std::move(session),
                     posted = WorkDelayGauge::Clock::now()]() mutable {
    self->enqueue(SessionsGone{{std::move(session)}}, posted);
  });
}

void MucRoomHost::post_admin(AdminArchiveRequest request) {
  asio::post(home_, [self = shared_from_this(), request = std::move(request),
                     posted = WorkDelayGauge::Clock::now()]() mutable {
    self->enqueue(std::move(request), posted);
  });
}

asio::awaitable<std::uint64_t> clear_room_history(muc::MucStore& store, std::string room,
                                                  muc::Timestamp before, muc::Timestamp now) {
  // The store records the event with the first deletions, in one transaction: a crash during
  // a long clearing never leaves entries deleted without the event that says so.
  muc::RoomEvent event{muc::RoomEventKind::history_cleared, now, "", "", "", "", "",
                       muc::format_timestamp(before)};
  co_return co_await store.clear_history(std::move(room), before, std::move(event));
}

muc::RoomListing MucRoomHost::listing() const {
  std::lock_guard lock(listing_mutex_);
  return listing_;
}

void MucRoomHost::enqueue(Input input, WorkDelayGauge::Clock::time_point posted) {
  inbox_.push_back(Queued{std::move(input), posted});
  if (draining_) {
    news_.cancel();
    return;
  }
  draining_ = true;
  auto self = shared_from_this();
  asio::co_spawn(home_, drain(), [self](std::exception_ptr failure) {
    if (!failure) {
      return;
    }
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      self->log_.error("muc", "room ", self->jid_, " stopped handling stanzas: ", e.what());
    }
  });
}

asio::awaitable<void> MucRoomHost::drain() {
  // Kept alive by the completion handler of co_spawn, which holds a shared_ptr.
  for (;;) {
    co_await deliver_stored();
    if (!inbox_.empty() && pending_.size() < max_pending_) {
      Input input = take_input();
      try {
        co_await handle(std::move(input));
      } catch (const std::exception& e) {
        log_.error("muc", "room ", jid_, ": ", e.what());
      }
      continue;
    }
    if (inbox_.empty() && pending_.empty()) {
      break;
    }
    co_await wait_for_news();
  }
  draining_ = false;
}

MucRoomHost::Input MucRoomHost::take_input() {
  work_delay_.record(WorkDelayGauge::Clock::now() - inbox_.front().posted);
  Input input = std::move(inbox_.front().input);
  inbox_.pop_front();
  if (auto* gone = std::get_if<SessionsGone>(&input)) {
    while (!inbox_.empty() && std::holds_alternative<SessionsGone>(inbox_.front().input)) {
      std::vector<Jid>& more = std::get<SessionsGone>(inbox_.front().input).sessions;
      gone->sessions.insert(gone->sessions.end(), std::make_move_iterator(more.begin()),
                            std::make_move_iterator(more.end()));
      inbox_.pop_front();
    }
  }
  return input;
}

asio::awaitable<void> MucRoomHost::wait_for_news() {
  asio::error_code cancelled;
  co_await news_.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
}

bool MucRoomHost::pipeline(muc::Outcome& outcome, std::optional<Element>& request) {
  std::vector<muc::Action>& actions = outcome.actions;
  auto* append = actions.empty() ? nullptr : std::get_if<muc::AppendArchive>(&actions.front());
  if (append && append->entry.kind != muc::ArchiveKind::message) {
    return false;
  }
  const auto sends_from = actions.begin() + (append ? 1 : 0);
  if (!std::all_of(sends_from, actions.end(), [](const muc::Action& action) {
        return std::holds_alternative<muc::Send>(action);
      })) {
    return false;
  }
  auto pending = std::make_shared<Pending>();
  pending->request = std::move(request);
  if (append) {
    muc::ArchiveEntry entry = std::move(append->entry);
    actions.erase(actions.begin());
    asio::co_spawn(home_, store_pending(pending, jid_, std::move(entry)),
                   [self = shared_from_this()](std::exception_ptr) {});
  } else {
    pending->stored = true;
  }
  pending->deliveries = std::move(outcome);
  pending_.push_back(std::move(pending));
  return true;
}

asio::awaitable<void> MucRoomHost::store_pending(std::shared_ptr<Pending> pending, std::string room,
                                                 muc::ArchiveEntry entry) {
  try {
    co_await store_.append(std::move(room), std::move(entry));
  } catch (...) {
    pending->error = std::current_exception();
  }
  pending->stored = true;
  news_.cancel();
}

asio::awaitable<void> MucRoomHost::deliver_stored() {
  while (!pending_.empty() && pending_.front()->stored) {
    std::shared_ptr<Pending> next = std::move(pending_.front());
    pending_.pop_front();
    try {
      muc::RunResult result;
      if (next->error) {
        result.stored = false;
        result.error = next->error;
        result.failure = describe(next->error);
      } else {
        result = co_await muc::run_outcome(std::move(next->deliveries), jid_, store_, deliverer_);
      }
      co_await conclude(std::move(result), next->request, false);
    } catch (const std::exception& e) {
      log_.error("muc", "room ", jid_, ": ", e.what());
    }
  }
}

asio::awaitable<void> MucRoomHost::flush() {
  for (;;) {
    co_await deliver_stored();
    if (pending_.empty()) {
      co_return;
    }
    co_await wait_for_news();
  }
}

asio::awaitable<void> MucRoomHost::handle_admin(AdminArchiveRequest request) {
  AdminArchiveResult result;
  if (gone_) {
    result.failure = "the room closed meanwhile; try again";
  } else if (auto* removal = std::get_if<ArchiveRemoval>(&request.what)) {
    muc::Outcome outcome = room_.moderate_as_service(
        removal->stanza_id, std::move(removal->replacement), std::move(removal->reason), now());
    if (outcome.actions.empty()) {
      // The room is being created or has ended: it has no archive to change.
      result.failure = "the room is not open; try again";
      request.done(std::move(result));
      co_return;
    }
    muc::RunResult run = co_await muc::run_outcome(std::move(outcome), jid_, store_, deliverer_);
    result.found = !run.moderation_target_missing;
    if (!run.stored) {
      result.failure = run.failure;
    }
    if (!run.gone.empty()) {
      inbox_.push_back(Queued{SessionsGone{std::move(run.gone)}, WorkDelayGauge::Clock::now()});
    }
  } else {
    try {
      result.deleted = co_await clear_room_history(
          store_, jid_, std::get<HistoryClearing>(request.what).before, now());
    } catch (const std::exception& e) {
      result.failure = e.what();
    }
  }
  request.done(std::move(result));
}

asio::awaitable<void> MucRoomHost::handle(Input input) {
  const auto* message = std::get_if<Element>(&input);
  if (!message || gone_ || !may_overtake_storing(*message)) {
    co_await flush();
  }
  if (auto* admin = std::get_if<AdminArchiveRequest>(&input)) {
    co_await handle_admin(std::move(*admin));
    co_return;
  }
  if (gone_) {
    // The room ended while this waited: a new room of the same name may take it.
    if (auto* stanza = std::get_if<Element>(&input)) {
      co_await service_.handle(std::move(*stanza));
    }
    co_return;
  }
  const bool was_fresh = room_.is_fresh();
  std::optional<Element> request;
  muc::Outcome outcome;
  if (auto* stanza = std::get_if<Element>(&input)) {
    outcome = room_.handle(*stanza, now());
    request = std::move(*stanza);
  } else {
    outcome = room_.sessions_gone(std::get<SessionsGone>(input).sessions, now());
  }
  if (!was_fresh && !outcome.room_gone && pipeline(outcome, request)) {
    co_return;
  }
  co_await flush();
  const bool room_gone = outcome.room_gone;
  muc::RunResult result = co_await muc::run_outcome(std::move(outcome), jid_, store_, deliverer_);
  // A room whose creation was not stored does not exist.
  const bool ends = room_gone || (!result.stored && was_fresh);
  co_await conclude(std::move(result), request, ends);
}

asio::awaitable<void> MucRoomHost::conclude(muc::RunResult result,
                                            const std::optional<Element>& request, bool room_gone) {
  if (!result.stored) {
    log_.error("muc", "room ", jid_, ": storing failed, nothing was delivered: ", result.failure);
    if (request && wants_error(*request)) {
      Element reply = make_error_reply(*request, storage_error(result.error));
      std::vector<Jid> sender;
      if (std::optional<Jid> from = Jid::parse(request->attr_or("from"))) {
        sender.push_back(*from);
      }
      reply.remove_attr("to");
      co_await deliverer_.deliver(reply, sender);
    }
  } else if (!result.failure.empty()) {
    log_.warn("muc", "room ", jid_, ": ", result.failure);
  }
  if (!result.gone.empty()) {
    inbox_.push_back(Queued{SessionsGone{std::move(result.gone)}, WorkDelayGauge::Clock::now()});
  }
  for (muc::ServeArchive& archive_request : result.archive_requests) {
    serve(std::move(archive_request));
  }
  publish_listing();
  if (room_gone) {
    gone_ = true;
    service_.remove(jid_, this);
  }
}

void MucRoomHost::serve(muc::ServeArchive request) {
  asio::co_spawn(home_, muc::serve_archive(std::move(request), jid_, archive_, deliverer_),
                 [self = shared_from_this()](std::exception_ptr failure, std::string problem) {
                   if (failure) {
                     self->log_.error("muc", "room ", self->jid_, ": archive request ended early");
                   } else if (!problem.empty()) {
                     self->log_.warn("muc", "room ", self->jid_, ": ", problem);
                   }
                 });
}

void MucRoomHost::publish_listing() {
  muc::RoomListing listing = room_.listing();
  std::lock_guard lock(listing_mutex_);
  listing_ = std::move(listing);
}

}  // namespace stoa::xmpp::server
