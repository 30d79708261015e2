#include "xmpp/server/muc_room_host.hpp"

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <chrono>

#include "muc/mam_serve.hpp"
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

asio::awaitable<void> MucRoomHost::handle(Input input) {
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
    outcome = room_.session_gone(std::get<Jid>(input));
  }
  bool gone = outcome.room_gone;
  muc::RunResult result = co_await muc::run_outcome(std::move(outcome), jid_, store_, deliverer_);
  if (!result.stored) {
    log_.error("muc", "room ", jid_, ": storing failed, nothing was delivered: ", result.failure);
    if (request && wants_error(*request)) {
      Element reply =
          make_error_reply(*request, {StanzaCondition::internal_server_error, ErrorType::wait,
                                      "the room could not store this; try again later"});
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
