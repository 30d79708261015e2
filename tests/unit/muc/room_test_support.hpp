#pragma once

// Shared by the muc/ unit tests: stanzas from XML text, deterministic ids and time, and
// queries over outcomes.

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "muc/history.hpp"
#include "muc/muc_namespaces.hpp"
#include "muc/outcome_runner.hpp"
#include "muc/room.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::muc::testing {

/// Runs an outcome to completion on a private io_context, as a room host would; rethrows what
/// escaped it.
inline RunResult run_to_completion(Outcome outcome, const std::string& room, MucStore& store,
                                   Deliverer& deliverer) {
  asio::io_context context;
  RunResult result;
  asio::co_spawn(context, run_outcome(std::move(outcome), room, store, deliverer),
                 [&result](std::exception_ptr failure, RunResult done) {
                   if (failure) {
                     std::rethrow_exception(failure);
                   }
                   result = std::move(done);
                 });
  context.run();
  return result;
}

/// A stanza from XML text, in the jabber:client namespace.
inline xmpp::Element xml(std::string_view text) {
  std::optional<xmpp::Element> element = parse_archived_stanza(std::string(text));
  if (!element) {
    throw std::invalid_argument("test XML does not parse: " + std::string(text));
  }
  return std::move(*element);
}

inline xmpp::Jid jid(std::string_view text) {
  std::optional<xmpp::Jid> parsed = xmpp::Jid::parse(text);
  if (!parsed) {
    throw std::invalid_argument("not a JID: " + std::string(text));
  }
  return *parsed;
}

/// Ids "id-1", "id-2", ... and a fixed secret.
class SequentialIds : public IdGenerator {
 public:
  std::string stanza_id() override { return "id-" + std::to_string(++count_); }
  std::string room_secret() override { return "secret-" + std::to_string(++secrets_); }

 private:
  int count_ = 0;
  int secrets_ = 0;
};

/// A fixed point in time plus `seconds`.
inline Timestamp at(long seconds) {
  return Timestamp(std::chrono::seconds(1'700'000'000 + seconds));
}

inline ServiceSettings test_settings() {
  ServiceSettings settings;
  settings.domain = "conference.example.org";
  settings.server_domain = "example.org";
  settings.admins = {"admin@example.org"};
  return settings;
}

inline std::vector<const Send*> sends(const Outcome& out) {
  std::vector<const Send*> found;
  for (const Action& action : out.actions) {
    if (const auto* send = std::get_if<Send>(&action)) {
      found.push_back(send);
    }
  }
  return found;
}

/// The stanzas the outcome sends to `to` (a full JID as text), in order.
inline std::vector<const xmpp::Element*> received_by(const Outcome& out, std::string_view to) {
  std::vector<const xmpp::Element*> found;
  for (const Send* send : sends(out)) {
    for (const xmpp::Jid& recipient : send->to) {
      if (recipient.str() == to) {
        found.push_back(&send->stanza);
      }
    }
  }
  return found;
}

/// The only stanza the outcome sends to `to`; fails the test when there is not exactly one.
inline const xmpp::Element& only_to(const Outcome& out, std::string_view to) {
  std::vector<const xmpp::Element*> found = received_by(out, to);
  if (found.size() != 1) {
    throw std::runtime_error(std::to_string(found.size()) + " stanzas to " + std::string(to));
  }
  return *found.front();
}

template <typename Operation>
std::vector<const Operation*> store_ops(const Outcome& out) {
  std::vector<const Operation*> found;
  for (const Action& action : out.actions) {
    if (const auto* op = std::get_if<Operation>(&action)) {
      found.push_back(op);
    }
  }
  return found;
}

/// Position of the first action of a kind, or -1.
template <typename Kind>
int first_index(const Outcome& out) {
  for (std::size_t i = 0; i < out.actions.size(); ++i) {
    if (std::holds_alternative<Kind>(out.actions[i])) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

inline bool has_status(const xmpp::Element& stanza, int code) {
  const xmpp::Element* x = stanza.child("x", ns::kMucUser);
  if (!x) {
    return false;
  }
  for (const xmpp::Element* status : x->children("status", ns::kMucUser)) {
    if (status->attr_or("code") == std::to_string(code)) {
      return true;
    }
  }
  return false;
}

/// The muc#user <item/> of a presence, or nullptr.
inline const xmpp::Element* item_of(const xmpp::Element& stanza) {
  const xmpp::Element* x = stanza.child("x", ns::kMucUser);
  return x ? x->child("item", ns::kMucUser) : nullptr;
}

/// The defined condition of a stanza error ("conflict"), or "" when it is not an error.
inline std::string error_condition(const xmpp::Element& stanza) {
  if (stanza.attr_or("type") != "error") {
    return "";
  }
  const xmpp::Element* error = stanza.child("error");
  if (!error) {
    return "";
  }
  for (const xmpp::Element* child : error->children()) {
    if (child->xmlns() == xmpp::ns::kStanzaErrors && child->name() != "text") {
      return child->name();
    }
  }
  return "";
}

inline const std::string kRoom = "room@conference.example.org";
inline const std::string kMucX = "<x xmlns='http://jabber.org/protocol/muc'/>";

/// A fresh room plus helpers for the usual steps.
class RoomTest : public ::testing::Test {
 protected:
  Outcome handle(std::string_view text) { return room->handle(xml(text), now); }

  /// Available presence from `from` to room/nick with `payload` inside.
  Outcome join(std::string_view from, std::string_view nick, std::string_view payload = kMucX) {
    return handle("<presence from='" + std::string(from) + "' to='" + kRoom + "/" +
                  std::string(nick) + "'>" + std::string(payload) + "</presence>");
  }
  Outcome leave(std::string_view from, std::string_view nick) {
    return handle("<presence type='unavailable' from='" + std::string(from) + "' to='" + kRoom +
                  "/" + std::string(nick) + "'/>");
  }
  Outcome say(std::string_view from, std::string_view body) {
    return handle("<message type='groupchat' id='m1' from='" + std::string(from) + "' to='" +
                  kRoom + "'><body>" + std::string(body) + "</body></message>");
  }
  /// Submits the configuration form with `fields` (XML of <field/> elements) as `from`.
  Outcome configure(std::string_view from, std::string_view fields) {
    return handle("<iq type='set' id='c1' from='" + std::string(from) + "' to='" + kRoom +
                  "'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' "
                  "type='submit'><field var='FORM_TYPE'><value>"
                  "http://jabber.org/protocol/muc#roomconfig</value></field>" +
                  std::string(fields) + "</x></query></iq>");
  }
  Outcome admin_set(std::string_view from, std::string_view items) {
    return handle("<iq type='set' id='a1' from='" + std::string(from) + "' to='" + kRoom +
                  "'><query xmlns='http://jabber.org/protocol/muc#admin'>" + std::string(items) +
                  "</query></iq>");
  }
  Outcome admin_get(std::string_view from, std::string_view item) {
    return handle("<iq type='get' id='l1' from='" + std::string(from) + "' to='" + kRoom +
                  "'><query xmlns='http://jabber.org/protocol/muc#admin'>" + std::string(item) +
                  "</query></iq>");
  }

  static std::string field(std::string_view var, std::string_view value) {
    return "<field var='" + std::string(var) + "'><value>" + std::string(value) +
           "</value></field>";
  }

  /// owner@example.org/desk creates the room as "owner" and accepts the default (instant)
  /// configuration with `fields` on top.
  void create(std::string_view fields = "") {
    Outcome joined = join(kOwner, "owner");
    ASSERT_FALSE(joined.room_gone);
    Outcome configured = configure(kOwner, fields);
    ASSERT_EQ(only_to(configured, kOwner).attr_or("type"), "result");
    ASSERT_FALSE(room->is_locked());
  }

  static constexpr std::string_view kOwner = "owner@example.org/desk";
  ServiceSettings settings = test_settings();
  SequentialIds ids;
  std::unique_ptr<Room> room = std::make_unique<Room>(jid(kRoom), settings, ids);
  Timestamp now = at(0);
};

}  // namespace stoa::muc::testing
