#include "xmpp/server/muc_room_host.hpp"

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
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

}  // namespace

MucRoomHost::MucRoomHost(MucService& service, muc::Room room, asio::io_context& home,
                         muc::MucStore& store, muc::MamStore& archive, muc::Deliverer& deliverer,
                         Logger& log)
    : service_(service),
      room_(std::move(room)),
      home_(home),
      store_(store),
      archive_(archive),
      deliverer_(deliverer),
      log_(log),
      jid_(room_.jid().bare_str()),
      listing_(room_.listing()) {}

void MucRoomHost::post(Element stanza) {
  asio::post(home_, [self = shared_from_this(), stanza = std::move(stanza)]() mutable {
    self->enqueue(std::move(stanza));
  });
}

void MucRoomHost::post_session_gone(Jid session) {
  asio::post(home_, [self = shared_from_this(), session = std::move(session)]() mutable {
    self->enqueue(std::move(session));
  });
}

void MucRoomHost::post_admin(AdminArchiveRequest request) {
  asio::post(home_, [self = shared_from_this(), request = std::move(request)]() mutable {
    self->enqueue(std::move(request));
  });
}

asio::awaitable<std::uint64_t> clear_room_history(muc::MucStore& store, std::string room,
                                                  muc::Timestamp before, muc::Timestamp now) {
  std::string key = room;
  const std::uint64_t deleted = co_await store.clear_history(std::move(key), before);
  muc::RoomEvent event{muc::RoomEventKind::history_cleared, now, "", "", "", "", "",
                       muc::format_timestamp(before)};
  co_await store.record_event(std::move(room), std::move(event));
  co_return deleted;
}

muc::RoomListing MucRoomHost::listing() const {
  std::lock_guard lock(listing_mutex_);
  return listing_;
}

void MucRoomHost::enqueue(Input input) {
  inbox_.push_back(std::move(input));
  if (draining_) {
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
  while (!inbox_.empty()) {
    Input input = std::move(inbox_.front());
    inbox_.pop_front();
    try {
      co_await handle(std::move(input));
    } catch (const std::exception& e) {
      log_.error("muc", "room ", jid_, ": ", e.what());
    }
  }
  draining_ = false;
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
    for (Jid& session : run.gone) {
      inbox_.push_back(std::move(session));
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
    outcome = room_.session_gone(std::get<Jid>(input), now());
  }
  bool gone = outcome.room_gone;
  muc::RunResult result = co_await muc::run_outcome(std::move(outcome), jid_, store_, deliverer_);
  if (!result.stored) {
    log_.error("muc", "room ", jid_, ": storing failed, nothing was delivered: ", result.failure);
    if (request && wants_error(*request)) {
      Element reply = make_error_reply(*request, storage_error(result.error));
      std::vector<Jid> sender;
      if (std::optional<Jid> from = Jid::parse(request->attr_or("from"))) {
        sender.push_back(*from);
      }
      reply.remove_attr("to");
      co_await deliverer_.deliver(reply, std::move(sender));
    }
    // A room whose creation was not stored does not exist.
    gone = gone || was_fresh;
  } else if (!result.failure.empty()) {
    log_.warn("muc", "room ", jid_, ": ", result.failure);
  }
  for (Jid& session : result.gone) {
    inbox_.push_back(std::move(session));
  }
  for (muc::ServeArchive& archive_request : result.archive_requests) {
    serve(std::move(archive_request));
  }
  publish_listing();
  if (gone) {
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
