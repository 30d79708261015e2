#include "xmpp/server/admin_room_commands.hpp"

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <memory>

#include "muc/archive_moderation.hpp"
#include "xmpp/jid.hpp"

namespace stoa::xmpp::server {

namespace {

// The stanza-ids the room gives are short; anything longer is not one of them.
constexpr std::size_t kMaxStanzaIdBytes = 1023;
// A replacement is a message body like any other; the XMPP stanza limit bounds it anyway.
constexpr std::size_t kMaxReplacementBytes = 64 * 1024;

muc::Timestamp now() {
  return std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
}

/// A room of one of the services, or why the text names none.
struct RoomTarget {
  std::string jid;
  MucService* service = nullptr;
  std::string error;
};

RoomTarget room_of(MucModule& muc, std::string_view text) {
  std::string shown = "'" + std::string(text.substr(0, 256)) + "'";
  std::optional<Jid> jid = Jid::parse(text);
  if (!jid || jid->local().empty() || !jid->is_bare()) {
    return {{}, nullptr, shown + " is not a room JID (room@service)"};
  }
  for (const auto& service : muc.services()) {
    if (service->domain() == jid->domain()) {
      return {jid->bare_str(), service.get(), {}};
    }
  }
  return {{}, nullptr, shown + " is not on a MUC service of this server"};
}

/// XEP-0082 date (midnight UTC) or date-time.
std::optional<muc::Timestamp> parse_date(const std::string& text) {
  if (text.size() == 10) {
    return muc::parse_timestamp(text + "T00:00:00Z");
  }
  return muc::parse_timestamp(text);
}

/// Hands the request to the room's host and waits for it without blocking the admin strand.
asio::awaitable<AdminArchiveResult> ask_host(std::shared_ptr<MucRoomHost> host,
                                             std::variant<ArchiveRemoval, HistoryClearing> what) {
  auto initiate = [host, what = std::move(what)](auto handler) mutable {
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    host->post_admin(AdminArchiveRequest{std::move(what), [shared](AdminArchiveResult result) {
                                           auto executor = asio::get_associated_executor(*shared);
                                           asio::post(executor, [shared, result]() mutable {
                                             (*shared)(std::move(result));
                                           });
                                         }});
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(AdminArchiveResult)>(
      std::move(initiate), asio::use_awaitable);
}

asio::awaitable<bool> room_stored(MucModule& muc, const std::string& room) {
  std::string key = room;
  std::optional<muc::StoredRoom> stored = co_await muc.store().load_room(std::move(key));
  co_return stored.has_value();
}

asio::awaitable<AdminReply> clear_room(MucModule& muc, std::vector<std::string> args) {
  RoomTarget target = room_of(muc, args[0]);
  if (!target.error.empty()) {
    co_return AdminReply::failure(target.error);
  }
  if (args[1] != "--before") {
    co_return AdminReply::failure("expected --before DATE after the room, not '" +
                                  args[1].substr(0, 64) + "'");
  }
  std::optional<muc::Timestamp> before = parse_date(args[2]);
  if (!before) {
    co_return AdminReply::failure("'" + args[2].substr(0, 64) +
                                  "' is not a date (YYYY-MM-DD) or date-time "
                                  "(YYYY-MM-DDThh:mm:ssZ, XEP-0082)");
  }
  std::uint64_t deleted = 0;
  if (std::shared_ptr<MucRoomHost> host = target.service->find(target.jid)) {
    HistoryClearing clearing{*before};
    AdminArchiveResult result = co_await ask_host(std::move(host), std::move(clearing));
    if (!result.failure.empty()) {
      co_return AdminReply::failure(result.failure);
    }
    deleted = result.deleted;
  } else if (co_await room_stored(muc, target.jid)) {
    deleted = co_await clear_room_history(muc.store(), target.jid, *before, now());
  } else {
    co_return AdminReply::failure("there is no room " + target.jid);
  }
  AdminReply reply;
  reply.rows.push_back({"deleted", std::to_string(deleted)});
  co_return reply;
}

asio::awaitable<AdminReply> remove_message(MucModule& muc, std::vector<std::string> args) {
  RoomTarget target = room_of(muc, args[0]);
  if (!target.error.empty()) {
    co_return AdminReply::failure(target.error);
  }
  const std::string& id = args[1];
  if (id.empty() || id.size() > kMaxStanzaIdBytes) {
    co_return AdminReply::failure("a message id (stanza-id) is 1 to 1023 bytes long");
  }
  std::optional<std::string> replacement;
  if (args.size() == 4 && args[2] == "--replace") {
    replacement = args[3];
    if (replacement->size() > kMaxReplacementBytes) {
      co_return AdminReply::failure("the replacement text is longer than " +
                                    std::to_string(kMaxReplacementBytes) + " bytes");
    }
  } else if (args.size() != 2) {
    co_return AdminReply::failure("expected ROOM ID or ROOM ID --replace TEXT");
  }
  bool found = false;
  if (std::shared_ptr<MucRoomHost> host = target.service->find(target.jid)) {
    ArchiveRemoval removal{id, std::move(replacement), ""};
    AdminArchiveResult result = co_await ask_host(std::move(host), std::move(removal));
    if (!result.failure.empty()) {
      co_return AdminReply::failure(result.failure);
    }
    found = result.found;
  } else if (co_await room_stored(muc, target.jid)) {
    // Nobody is in the room to be told: only the archive changes.
    const muc::Timestamp at = now();
    std::string payload = replacement.value_or("");
    muc::Moderation moderation{
        id,
        at,
        target.jid,
        "",
        "",
        std::move(replacement),
        "",
        {},
        muc::RoomEvent{muc::RoomEventKind::removal, at, "", "", "", "", id, std::move(payload)}};
    std::optional<Element> notice =
        co_await muc::apply_moderation(muc.store(), target.jid, std::move(moderation));
    found = notice.has_value();
  } else {
    co_return AdminReply::failure("there is no room " + target.jid);
  }
  if (!found) {
    co_return AdminReply::failure("room " + target.jid + " has no archived message with id '" +
                                  id.substr(0, 256) + "'");
  }
  co_return AdminReply{};
}

}  // namespace

void register_room_commands(AdminServer& server, MucModule& muc) {
  server.add_command(
      {"room", "clear", "ROOM --before DATE",
       "Delete a room's archived messages older than DATE (XEP-0082 date or "
       "date-time)",
       false},
      [&muc](std::vector<std::string> args) { return clear_room(muc, std::move(args)); });
  server.add_command(
      {"message", "remove", "ROOM ID [--replace] [TEXT]",
       "Take an archived message down (a tombstone), or replace its text with TEXT", false},
      [&muc](std::vector<std::string> args) { return remove_message(muc, std::move(args)); });
}

}  // namespace stoa::xmpp::server
