// What a bound session sends (joins, posts, presence, archive queries) and how it reads what
// comes back. Outgoing stanzas are written straight into the connection's buffer.

#include <charconv>

#include "bench/session.hpp"
#include "bench/stanza_peek.hpp"
#include "bench/stanza_text.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::bench {

using xmpp::Element;

namespace {

std::uint64_t now_nanos() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

std::uint64_t micros_since(Clock::time_point start) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
}

/// The resource of an occupant JID (room@service/nick): the nick; empty without one.
std::string_view nick_of(std::string_view from) {
  const std::size_t slash = from.find('/');
  return slash == std::string_view::npos ? std::string_view() : from.substr(slash + 1);
}

}  // namespace

void Session::join(std::size_t slot_index, JoinKind kind) {
  Slot& slot = slots_[slot_index];
  if (!bound() || slot.state != SlotState::idle) {
    return;
  }
  ++ctx_.pending;
  slot.kind = kind;
  send_join(slot);
}

void Session::send_join(Slot& slot) {
  slot.state = SlotState::joining;
  slot.started = Clock::now();
  std::string& out = connection_->out;
  out += "<presence to='";
  out += ctx_.room_jid(slot.room);
  out += '/';
  out += name_;
  out += "'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>";
  flush(connection_);
}

void Session::rejoin(std::size_t slot_index) {
  Slot& slot = slots_[slot_index];
  if (!bound() || slot.state != SlotState::joined) {
    return;
  }
  ++ctx_.pending;
  slot.state = SlotState::leaving;
  slot.kind = JoinKind::churn;
  std::string& out = connection_->out;
  out += "<presence type='unavailable' to='";
  out += ctx_.room_jid(slot.room);
  out += '/';
  out += name_;
  out += "'/>";
  flush(connection_);
}

void Session::post(std::size_t slot_index) {
  const Slot& slot = slots_[slot_index];
  if (!bound() || slot.state != SlotState::joined) {
    return;
  }
  ++ctx_.results.posts;
  ctx_.results.deliveries_expected += ctx_.plan.occupants(slot.room) - 1;
  std::string& out = connection_->out;
  out += "<message type='groupchat' to='";
  out += ctx_.room_jid(slot.room);
  out += "' id='p";
  out += std::to_string(++next_id_);
  out += "'><body>";
  const std::size_t body_start = out.size();
  out += stanza_text::kBodyPrefix;
  out += std::to_string(now_nanos());
  out += ' ';
  const std::size_t body_length = out.size() - body_start;
  if (body_length < ctx_.scenario.body_bytes) {
    out.append(ctx_.scenario.body_bytes - body_length, 'x');
  }
  out += "</body></message>";
  flush(connection_);
}

void Session::change_presence() {
  if (!bound()) {
    return;
  }
  away_ = !away_;
  ++ctx_.results.presence_changes;
  const std::string_view show = away_ ? "<show>away</show>" : "";
  std::string& out = connection_->out;
  out += "<presence>";
  out += show;
  out += "</presence>";
  for (const Slot& slot : slots_) {
    if (slot.state == SlotState::joined) {
      out += "<presence to='";
      out += ctx_.room_jid(slot.room);
      out += '/';
      out += name_;
      out += "'>";
      out += show;
      out += "</presence>";
    }
  }
  flush(connection_);
}

void Session::query_archive(std::size_t slot_index) {
  const Slot& slot = slots_[slot_index];
  if (!bound() || slot.state != SlotState::joined) {
    return;
  }
  ++ctx_.results.mam_queries;
  const std::uint64_t id = ++next_id_;
  archive_queries_.emplace_back(id, Clock::now());
  std::string& out = connection_->out;
  out += "<iq type='set' id='m";
  out += std::to_string(id);
  out += "' to='";
  out += ctx_.room_jid(slot.room);
  out += "'><query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>";
  out += std::to_string(ctx_.scenario.mam_page_size);
  out += "</max><before/></set></query></iq>";
  flush(connection_);
}

void Session::send_room_configuration(const Slot& slot) {
  std::string& out = connection_->out;
  out += "<iq type='set' id='c";
  out += std::to_string(&slot - slots_.data());
  out += "' to='";
  out += ctx_.room_jid(slot.room);
  out +=
      "'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' "
      "type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig"
      "</value></field>";
  if (ctx_.scenario.persistent_rooms) {
    out += "<field var='muc#roomconfig_persistentroom'><value>1</value></field>";
  }
  // Servers differ in their default occupant limit; a large planned room asks for its size.
  constexpr std::uint32_t kSizeAlwaysAllowed = 100;
  if (ctx_.plan.occupants(slot.room) > kSizeAlwaysAllowed) {
    out += "<field var='muc#roomconfig_maxusers'><value>";
    out += std::to_string(ctx_.plan.occupants(slot.room));
    out += "</value></field>";
  }
  out += "</x></query></iq>";
  flush(connection_);
}

bool Session::handle_text(std::string_view stanza) {
  const std::optional<stanza_peek::Head> head = stanza_peek::read_head(stanza);
  if (!head) {
    return false;
  }
  if (head->name == "presence") {
    // Other occupants' presence needs nothing; our own (joined, left, refused) is parsed.
    return nick_of(head->from) != name_;
  }
  if (head->name != "message" || head->type == "error") {
    return false;
  }
  if (head->type != "groupchat") {
    return true;  // archive results and the like: on_message ignores them too
  }
  const std::optional<stanza_peek::GroupchatContent> content =
      stanza_peek::read_groupchat_content(stanza, *head);
  if (!content) {
    return false;
  }
  if (!content->delayed && content->body) {
    on_groupchat(head->from, *content->body);
  }
  return true;
}

void Session::handle(const Element& stanza) {
  if (stanza.name() == "message") {
    on_message(stanza);
  } else if (stanza.name() == "presence") {
    on_presence(stanza);
  } else if (stanza.name() == "iq") {
    on_iq(stanza);
  }
}

Session::Slot* Session::slot_of(std::string_view from) {
  const std::string& prefix = ctx_.options.room_prefix;
  if (!from.starts_with(prefix)) {
    return nullptr;
  }
  std::uint32_t number = 0;
  const char* begin = from.data() + prefix.size();
  auto [end, error] = std::from_chars(begin, from.data() + from.size(), number);
  if (error != std::errc() || end == from.data() + from.size() || *end != '@' || number == 0) {
    return nullptr;
  }
  for (Slot& slot : slots_) {
    if (slot.room == number - 1) {
      return &slot;
    }
  }
  return nullptr;
}

void Session::on_message(const Element& message) {
  const std::string type = message.attr_or("type");
  if (type == "error") {
    ctx_.results.error("post-" + stanza_text::error_condition(message));
    return;
  }
  if (type != "groupchat" || message.child("delay", xmpp::ns::kDelay) != nullptr) {
    return;
  }
  const Element* body = message.child("body", xmpp::ns::kClient);
  if (body == nullptr) {
    return;
  }
  on_groupchat(message.attr_or("from"), body->text());
}

void Session::on_groupchat(std::string_view from, std::string_view body) {
  if (!body.starts_with(stanza_text::kBodyPrefix)) {
    return;
  }
  std::uint64_t sent = 0;
  const char* digits = body.data() + stanza_text::kBodyPrefix.size();
  auto [end, error] = std::from_chars(digits, body.data() + body.size(), sent);
  if (error != std::errc()) {
    ctx_.results.error("bad-body");
    return;
  }
  if (nick_of(from) == name_) {
    // Our own post, reflected: in closed mode the next one goes now.
    if (ctx_.posting && ctx_.scenario.post_mode == PostMode::closed) {
      if (Slot* slot = slot_of(from)) {
        post(static_cast<std::size_t>(slot - slots_.data()));
      }
    }
    return;
  }
  ++ctx_.results.deliveries;
  const std::uint64_t now = now_nanos();
  ctx_.results.latency.record(now > sent ? (now - sent) / 1000 : 0);
  ctx_.last_delivery = Clock::now();
}

void Session::on_presence(const Element& presence) {
  const std::string from = presence.attr_or("from");
  if (nick_of(from) != name_) {
    return;  // another occupant's presence
  }
  Slot* slot = slot_of(from);
  if (slot == nullptr) {
    return;
  }
  const std::string type = presence.attr_or("type");
  if (type == "error") {
    if (slot->state == SlotState::joining) {
      ctx_.results.error("join-" + stanza_text::error_condition(presence));
      slot->state = SlotState::failed;
      --ctx_.pending;
    }
    return;
  }
  if (type == "unavailable") {
    if (slot->state == SlotState::leaving) {
      send_join(*slot);  // the churn rejoin
    }
    return;
  }
  if (slot->state != SlotState::joining) {
    return;
  }
  const std::uint64_t waited = micros_since(slot->started);
  if (slot->kind != JoinKind::storm) {
    ctx_.results.join_latency.record(waited);
  } else {
    ctx_.results.storm_join_latency.record(waited);
    if (ctx_.plan.occupants(slot->room) >= kLargeRoom) {
      ctx_.results.storm_large_join_latency.record(waited);
    }
  }
  bool created = false;
  if (const Element* x = presence.child("x", stanza_text::kMucUser)) {
    for (const Element* status : x->children("status", stanza_text::kMucUser)) {
      created = created || status->attr_or("code") == "201";
    }
  }
  if (created) {
    slot->state = SlotState::configuring;
    send_room_configuration(*slot);
    return;
  }
  joined_room(*slot);
}

void Session::joined_room(Slot& slot) {
  slot.state = SlotState::joined;
  --ctx_.pending;
  switch (slot.kind) {
    case JoinKind::initial:
      ++ctx_.results.joins;
      break;
    case JoinKind::churn:
      ++ctx_.results.churn_joins;
      break;
    case JoinKind::storm:
      ++ctx_.results.storm_joins;
      break;
  }
}

void Session::on_iq(const Element& iq) {
  const std::string type = iq.attr_or("type");
  const std::string id = iq.attr_or("id");
  if (type == "get" || type == "set") {
    // Server pings (XEP-0199) and anything else: an empty result keeps the session alive.
    std::string& out = connection_->out;
    out += "<iq type='result' id='";
    xmpp::append_escaped(out, id);
    out += '\'';
    if (const std::string* from = iq.attr("from")) {
      out += " to='";
      xmpp::append_escaped(out, *from);
      out += '\'';
    }
    out += "/>";
    flush(connection_);
    return;
  }
  if (id.starts_with("c")) {
    std::size_t index = 0;
    auto [end, error] = std::from_chars(id.data() + 1, id.data() + id.size(), index);
    if (error != std::errc() || index >= slots_.size() ||
        slots_[index].state != SlotState::configuring) {
      return;
    }
    if (type == "error") {
      ctx_.results.error("configure-" + stanza_text::error_condition(iq));
    }
    joined_room(slots_[index]);
  } else if (id.starts_with("m")) {
    std::uint64_t query = 0;
    std::from_chars(id.data() + 1, id.data() + id.size(), query);
    for (auto it = archive_queries_.begin(); it != archive_queries_.end(); ++it) {
      if (it->first == query) {
        if (type == "error") {
          ctx_.results.error("mam-" + stanza_text::error_condition(iq));
        } else {
          ctx_.results.mam_latency.record(micros_since(it->second));
        }
        archive_queries_.erase(it);
        break;
      }
    }
  }
}

}  // namespace stoa::bench
