#include "muc/room.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "muc/event_payload.hpp"
#include "muc/muc_namespaces.hpp"
#include "muc/occupant_id.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::muc {

using xmpp::Element;
using xmpp::Jid;
using xmpp::StanzaCondition;
using xmpp::StanzaError;

namespace {

Jid parse_room_jid(const std::string& text) {
  std::optional<Jid> jid = Jid::parse(text);
  if (!jid || jid->local().empty() || !jid->is_bare()) {
    throw std::invalid_argument("'" + text + "' is not a room JID");
  }
  return *jid;
}

}  // namespace

Room::Room(Jid jid, const ServiceSettings& settings, IdGenerator& ids)
    : jid_(jid.bare()), settings_(settings), ids_(ids), fresh_(true) {
  config_.history_length = std::min(settings.default_history, settings.max_history);
}

Room::Room(StoredRoom stored, const ServiceSettings& settings, IdGenerator& ids)
    : jid_(parse_room_jid(stored.jid)),
      settings_(settings),
      ids_(ids),
      config_(std::move(stored.config)),
      subject_(std::move(stored.subject)),
      secret_(std::move(stored.occupant_id_secret)),
      created_(stored.created) {
  for (AffiliationRecord& record : stored.affiliations) {
    if (record.affiliation != Affiliation::none) {
      std::string key = record.jid;
      affiliations_.emplace(std::move(key), std::move(record));
    }
  }
  if (secret_.empty()) {
    secret_ = ids_.room_secret();
  }
}

Outcome Room::handle(const Element& stanza, Timestamp now) {
  Outcome out;
  now_ = now;
  std::optional<Jid> from = Jid::parse(stanza.attr_or("from"));
  std::optional<Jid> to = Jid::parse(stanza.attr_or("to"));
  if (gone_ || !from || !to || to->bare() != jid_) {
    return out;  // the service only hands a room what is addressed to it, from a known sender
  }
  if (stanza.name() == "presence") {
    on_presence(out, stanza, *from, *to, now);
  } else if (stanza.name() == "message") {
    on_message(out, stanza, *from, *to, now);
  } else if (stanza.name() == "iq" && to->is_bare() && is_moderation_request(stanza)) {
    moderate(out, stanza, *from, now);
  } else if (stanza.name() == "iq") {
    on_iq(out, stanza, *from, *to);
  }
  if (fresh_ && !gone_) {
    // Whatever it was, it did not create the room: nothing is left behind.
    gone_ = true;
    out.room_gone = true;
  }
  return out;
}

Outcome Room::sessions_gone(const std::vector<Jid>& sessions, Timestamp now) {
  Outcome out;
  now_ = now;
  if (gone_) {
    return out;
  }
  // They cannot be told anything, so all of them are out before the others are told: when a
  // room's clients drop together (an outage), telling each leaver of every other one's leave
  // would cost the square of the room's size for nothing.
  const Element no_payload("presence", std::string(xmpp::ns::kClient));
  std::vector<Occupant> left;
  for (const Jid& session : sessions) {
    Occupant* occupant = occupant_of_session(session);
    if (!occupant) {
      continue;
    }
    if (occupant->sessions.size() > 1) {
      drop_session(out, *occupant, session);
      continue;
    }
    RoomEvent ended = event(RoomEventKind::leave, *occupant);
    ended.payload =
        occupant_presence(*occupant, no_payload, leaving_detail(*occupant, {}), true, false)
            .str(xmpp::ns::kClient);
    record_event(out, std::move(ended));
    occupant_of_session_.remove(session);
    auto found = occupants_.find(occupant->nick);
    left.push_back(std::move(found->second));
    occupants_.erase(found);
  }
  if (left.empty()) {
    return out;
  }
  sessions_changed();
  // Those who stay are the same for every leaver: one list per role shown, shared by the sends.
  std::map<Role, Audience> audiences;
  for (const Occupant& occupant : left) {
    const PresenceDetail detail = leaving_detail(occupant, {});
    auto [found, fresh] = audiences.try_emplace(*detail.visible_as);
    if (fresh) {
      found->second = audience(*detail.visible_as, {});
    }
    for (Send& send : presence_fanout(occupant, no_payload, detail, found->second).others) {
      out.actions.emplace_back(std::move(send));
    }
  }
  drop_if_unused(out);
  return out;
}

RoomListing Room::listing() const {
  return RoomListing{jid_.bare_str(),
                     config_.name.empty() ? jid_.local() : config_.name,
                     config_.public_room && !locked_ && !fresh_ && !gone_,
                     config_.persistent,
                     occupants_.size(),
                     jids_with(Affiliation::owner)};
}

Affiliation Room::affiliation_of(const Jid& user) const {
  if (is_service_admin(user)) {
    return Affiliation::owner;
  }
  for (const std::string& key : {user.str(), user.bare_str(), user.domain()}) {
    auto found = affiliations_.find(key);
    if (found != affiliations_.end()) {
      return found->second.affiliation;
    }
  }
  return Affiliation::none;
}

const Occupant* Room::occupant(std::string_view nick) const {
  auto found = occupants_.find(nick);
  return found == occupants_.end() ? nullptr : &found->second;
}

StoredRoom Room::snapshot() const {
  StoredRoom stored{jid_.bare_str(), config_, subject_, secret_, created_, {}};
  for (const auto& [key, record] : affiliations_) {
    stored.affiliations.push_back(record);
  }
  return stored;
}

Occupant* Room::occupant_of_session(const Jid& session) {
  return occupant_of_session_.find(session);
}

const Occupant* Room::occupant_of_session(const Jid& session) const {
  return occupant_of_session_.find(session);
}

Occupant& Room::add_occupant(Occupant occupant) {
  // The key must view the nick inside the map's node, which exists only once inserted: the
  // node is taken out again to point its key there.
  const std::string nick = occupant.nick;
  auto node = occupants_.extract(occupants_.try_emplace(nick, std::move(occupant)).first);
  node.key() = node.mapped().nick;
  Occupant& added = occupants_.insert(std::move(node)).position->second;
  occupant_of_session_.add(added.primary().jid, added);
  sessions_changed();
  return added;
}

Occupant& Room::rename_occupant(std::string_view nick, std::string new_nick) {
  auto node = occupants_.extract(nick);
  node.mapped().nick = std::move(new_nick);
  node.key() = node.mapped().nick;
  sessions_changed();
  return occupants_.insert(std::move(node)).position->second;
}

bool Room::is_service_admin(const Jid& user) const {
  return std::ranges::find(settings_.admins, user.bare_str()) != settings_.admins.end();
}

bool Room::is_large() const {
  return occupants_.size() > settings_.participant_update_limit;
}

bool Room::sees_presence_of(Role viewer, Role subject) const {
  // Moderators see everyone: they must know whom they moderate.
  if (viewer == Role::moderator) {
    return true;
  }
  if (!config_.presence_broadcast.contains(subject)) {
    return false;
  }
  return subject == Role::moderator || !is_large();
}

bool Room::sees_real_jid(Role viewer) const {
  return config_.whois == Whois::anyone || viewer == Role::moderator;
}

Recipients Room::all_sessions() const {
  if (!all_sessions_) {
    std::vector<Jid> sessions;
    for (const auto& [nick, occupant] : occupants_) {
      for (const OccupantSession& session : occupant.sessions) {
        sessions.push_back(session.jid);
      }
    }
    all_sessions_ = std::make_shared<const std::vector<Jid>>(std::move(sessions));
  }
  return Recipients(all_sessions_);
}

std::vector<Jid> Room::moderator_sessions() const {
  std::vector<Jid> out;
  for (const auto& [nick, occupant] : occupants_) {
    if (occupant.role == Role::moderator) {
      for (const OccupantSession& session : occupant.sessions) {
        out.push_back(session.jid);
      }
    }
  }
  return out;
}

std::string Room::occupant_jid(std::string_view nick) const {
  std::string out = jid_.bare_str();
  out += '/';
  out += nick;
  return out;
}

std::vector<std::string> Room::jids_with(Affiliation affiliation) const {
  std::vector<std::string> out;
  for (const auto& [key, record] : affiliations_) {
    if (record.affiliation == affiliation) {
      out.push_back(key);
    }
  }
  return out;
}

Element Room::occupant_presence(const Occupant& occupant, const Element& payload,
                                const PresenceDetail& detail, bool with_jid, bool self) const {
  Element presence("presence", std::string(xmpp::ns::kClient));
  presence.set_attr("from", occupant_jid(occupant.nick));
  if (detail.unavailable) {
    presence.set_attr("type", "unavailable");
  }
  for (const Element* child : payload.children()) {
    presence.add_child(child->clone());
  }
  Element& x = presence.add_child("x", std::string(ns::kMucUser));
  Element& item = x.add_child("item", std::string(ns::kMucUser));
  item.set_attr("affiliation",
                to_string(detail.affiliation.value_or(affiliation_of(occupant.real_jid()))));
  item.set_attr("role", to_string(detail.role.value_or(occupant.role)));
  if (with_jid) {
    item.set_attr("jid", occupant.primary().jid.str());
  }
  if (!detail.new_nick.empty()) {
    item.set_attr("nick", detail.new_nick);
  }
  if (!detail.actor_nick.empty()) {
    item.add_child("actor", std::string(ns::kMucUser)).set_attr("nick", detail.actor_nick);
  }
  if (!detail.reason.empty()) {
    item.add_child("reason", std::string(ns::kMucUser)).set_text(detail.reason);
  }
  if (detail.destroy) {
    x.add_child(detail.destroy->clone());
  }
  std::vector<int> codes = detail.codes;
  if (self) {
    codes.push_back(110);
    codes.insert(codes.end(), detail.self_codes.begin(), detail.self_codes.end());
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  for (int code : codes) {
    x.add_child("status", std::string(ns::kMucUser)).set_attr("code", std::to_string(code));
  }
  presence.add_child("occupant-id", std::string(ns::kOccupantId))
      .set_attr("id", occupant.occupant_id());
  return presence;
}

Audience Room::audience(Role visible_as, std::string_view except_nick) const {
  std::vector<Jid> with_jid;
  std::vector<Jid> without_jid;
  for (const auto& [nick, other] : occupants_) {
    if (nick == except_nick || !sees_presence_of(other.role, visible_as)) {
      continue;
    }
    std::vector<Jid>& group = sees_real_jid(other.role) ? with_jid : without_jid;
    for (const OccupantSession& session : other.sessions) {
      group.push_back(session.jid);
    }
  }
  return Audience{std::move(with_jid), std::move(without_jid)};
}

PresenceFanout Room::presence_fanout(const Occupant& occupant, const Element& payload,
                                     const PresenceDetail& detail) const {
  return presence_fanout(occupant, payload, detail,
                         audience(detail.visible_as.value_or(occupant.role), occupant.nick));
}

PresenceFanout Room::presence_fanout(const Occupant& occupant, const Element& payload,
                                     const PresenceDetail& detail, const Audience& audience) const {
  PresenceFanout fanout;
  if (!audience.with_jid.empty()) {
    fanout.others.push_back(
        Send{occupant_presence(occupant, payload, detail, true, false), audience.with_jid});
  }
  if (!audience.without_jid.empty()) {
    fanout.others.push_back(
        Send{occupant_presence(occupant, payload, detail, false, false), audience.without_jid});
  }
  fanout.self =
      Send{occupant_presence(occupant, payload, detail, true, true), occupant.session_jids()};
  return fanout;
}

void Room::broadcast_presence(Outcome& out, const Occupant& occupant, const Element& payload,
                              const PresenceDetail& detail) const {
  PresenceFanout fanout = presence_fanout(occupant, payload, detail);
  for (Send& send : fanout.others) {
    out.actions.emplace_back(std::move(send));
  }
  if (fanout.self) {
    out.actions.emplace_back(std::move(*fanout.self));
  }
}

void Room::send_ordered(Outcome& out, std::vector<PresenceFanout> fanouts,
                        std::optional<Send> between) {
  for (PresenceFanout& fanout : fanouts) {
    if (fanout.self) {
      out.actions.emplace_back(std::move(*fanout.self));
    }
  }
  if (between) {
    out.actions.emplace_back(std::move(*between));
  }
  for (PresenceFanout& fanout : fanouts) {
    for (Send& send : fanout.others) {
      out.actions.emplace_back(std::move(send));
    }
  }
}

void Room::reply_error(Outcome& out, const Element& stanza, StanzaError error) const {
  if (stanza.attr_or("type") == "error") {
    return;  // never answer an error with an error
  }
  std::optional<Jid> to = Jid::parse(stanza.attr_or("from"));
  if (!to) {
    return;
  }
  Element reply = xmpp::make_error_reply(stanza, error);
  reply.remove_attr("to");
  out.send(std::move(reply), *to);
}

void Room::reply_result(Outcome& out, const Element& iq, std::optional<Element> payload) const {
  std::optional<Jid> to = Jid::parse(iq.attr_or("from"));
  if (!to) {
    return;
  }
  Element reply = xmpp::make_iq_result(iq);
  reply.remove_attr("to");
  if (payload) {
    reply.add_child(std::move(*payload));
  }
  out.send(std::move(reply), *to);
}

PresenceFanout Room::take_out(Outcome& out, std::string nick, const Element& payload,
                              PresenceDetail detail) {
  auto found = occupants_.find(nick);
  detail = leaving_detail(found->second, std::move(detail));
  // Computed while the occupant still counts, so that a leave is shown like the join was.
  PresenceFanout fanout = presence_fanout(found->second, payload, detail);
  // Whatever the cause (kick, ban, closed stream), a leave event ends the occupant's stay, so
  // that who was present when can be read from joins and leaves alone.
  RoomEvent left = event(RoomEventKind::leave, found->second);
  left.payload =
      occupant_presence(found->second, payload, detail, true, false).str(xmpp::ns::kClient);
  record_event(out, std::move(left));
  for (const OccupantSession& session : found->second.sessions) {
    occupant_of_session_.remove(session.jid);
  }
  occupants_.erase(found);
  sessions_changed();
  return fanout;
}

PresenceDetail Room::leaving_detail(const Occupant& occupant, PresenceDetail detail) {
  detail.unavailable = true;
  detail.visible_as = detail.visible_as.value_or(occupant.role);
  detail.role = Role::none;
  return detail;
}

void Room::remove_occupant(Outcome& out, std::string nick, const Element& payload,
                           PresenceDetail detail) {
  std::vector<PresenceFanout> fanouts;
  fanouts.push_back(take_out(out, nick, payload, std::move(detail)));
  PresenceFanout& fanout = fanouts.back();
  for (Send& send : fanout.others) {
    out.actions.emplace_back(std::move(send));
  }
  if (fanout.self) {
    out.actions.emplace_back(std::move(*fanout.self));
  }
  drop_if_unused(out);
}

std::vector<PresenceFanout> Room::apply_affiliation(Outcome& out, const std::string& jid,
                                                    Affiliation affiliation,
                                                    const std::string& reason, const Jid& actor) {
  const Occupant* actor_occupant = occupant_of_session(actor);
  const std::string actor_nick = actor_occupant ? actor_occupant->nick : std::string();
  std::vector<std::pair<std::string, Affiliation>> affected;  // nick, affiliation before
  const bool is_domain = jid.find('@') == std::string::npos && jid.find('/') == std::string::npos;
  for (const auto& [nick, occupant] : occupants_) {
    if (occupant.real_bare_jid() == jid || (is_domain && occupant.primary().jid.domain() == jid)) {
      affected.emplace_back(nick, affiliation_of(occupant.real_jid()));
    }
  }
  AffiliationRecord record{jid, affiliation, reason};
  if (affiliation == Affiliation::none) {
    affiliations_.erase(jid);
  } else {
    affiliations_[jid] = record;
  }
  out.store(SetAffiliation{std::move(record)});
  // A ban is the affiliation change to outcast: one event, not two.
  RoomEvent change = event(
      affiliation == Affiliation::outcast ? RoomEventKind::ban : RoomEventKind::affiliation_change,
      actor);
  change.target_jid = jid;
  if (affected.size() == 1) {
    change.target_nick = affected.front().first;
  }
  change.payload = affiliation_item(jid, affiliation, reason).str(xmpp::ns::kClient);
  record_event(out, std::move(change));

  std::vector<PresenceFanout> fanouts;
  const Element no_payload("presence", std::string(xmpp::ns::kClient));
  for (const auto& [nick, before] : affected) {
    Occupant& occupant = occupants_.at(nick);
    const Affiliation now = affiliation_of(occupant.real_jid());
    PresenceDetail detail;
    detail.actor_nick = actor_nick;
    detail.reason = reason;
    if (now == Affiliation::outcast) {
      detail.codes = {301};
      fanouts.push_back(take_out(out, nick, no_payload, std::move(detail)));
    } else if (config_.members_only && now < Affiliation::member) {
      detail.codes = {321};
      fanouts.push_back(take_out(out, nick, no_payload, std::move(detail)));
    } else {
      if (now >= Affiliation::admin) {
        occupant.role = Role::moderator;
      } else if (before >= Affiliation::admin) {
        occupant.role = default_role(now, config_.moderated);
      } else if (now == Affiliation::member && occupant.role == Role::visitor) {
        occupant.role = Role::participant;
      }
      fanouts.push_back(presence_fanout(occupant, occupant.primary().presence(), detail));
    }
  }
  return fanouts;
}

void Room::drop_if_unused(Outcome& out) {
  if (occupants_.empty() && !config_.persistent && !gone_ && !fresh_) {
    out.store(DeleteRoom{});
    RoomEvent ended = room_event(RoomEventKind::destroy);
    ended.payload = "the last occupant left this temporary room";
    record_event(out, std::move(ended));
    out.room_gone = true;
    gone_ = true;
  }
}

}  // namespace stoa::muc
