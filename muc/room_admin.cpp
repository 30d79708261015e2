// Roles and affiliations: kicks, voice, bans, member and moderator lists (XEP-0045 §8, §9) and
// the owner and admin lists (§10.3-10.8), one muc#admin IQ at a time, all or nothing.

#include <algorithm>
#include <map>

#include "muc/event_payload.hpp"
#include "muc/muc_namespaces.hpp"
#include "muc/room.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::muc {

using xmpp::Element;
using xmpp::Jid;
using xmpp::StanzaCondition;
using xmpp::StanzaError;

namespace {

constexpr std::size_t kMaxReasonBytes = 1024;

struct RoleChange {
  std::string nick;
  Role role;
  std::string reason;
};

struct AffiliationChange {
  std::string jid;
  Affiliation affiliation;
  std::string reason;
};

/// The key an affiliation is stored under: the bare JID, or the domain for a domain JID.
std::string affiliation_key(const Jid& jid) {
  return jid.local().empty() ? jid.domain() : jid.bare_str();
}

}  // namespace

void Room::on_admin(Outcome& out, const Element& iq, const Element& query, const Jid& from) {
  if (iq.attr_or("type") == "get") {
    admin_list(out, iq, query, from);
  } else {
    admin_set(out, iq, query, from);
  }
}

void Room::admin_list(Outcome& out, const Element& iq, const Element& query, const Jid& from) {
  std::vector<const Element*> items = query.children("item", ns::kMucAdmin);
  if (items.size() != 1) {
    reply_error(out, iq,
                {StanzaCondition::bad_request,
                 "ask for one list: one <item/> with an "
                 "affiliation or a role"});
    return;
  }
  const Occupant* actor = occupant_of_session(from);
  const Affiliation actor_affiliation = affiliation_of(from);
  const Role actor_role =
      actor ? actor->role
            : (actor_affiliation >= Affiliation::admin ? Role::moderator : Role::none);
  Element result("query", std::string(ns::kMucAdmin));
  if (const std::string* text = items.front()->attr("affiliation")) {
    std::optional<Affiliation> affiliation = parse_affiliation(*text);
    if (!affiliation || *affiliation == Affiliation::none) {
      reply_error(out, iq,
                  {StanzaCondition::bad_request, "no list of affiliation '" + *text + "'"});
      return;
    }
    bool allowed = false;
    switch (*affiliation) {
      case Affiliation::owner:
      case Affiliation::admin:
        allowed = actor_affiliation == Affiliation::owner;
        break;
      case Affiliation::member:
        allowed = actor_affiliation >= Affiliation::admin ||
                  (actor && config_.get_member_list.contains(actor->role));
        break;
      default:
        allowed = actor_affiliation >= Affiliation::admin;
        break;
    }
    if (!allowed) {
      reply_error(out, iq, {StanzaCondition::forbidden, "you may not see that list"});
      return;
    }
    for (const auto& [key, record] : affiliations_) {
      if (record.affiliation != *affiliation) {
        continue;
      }
      Element& item = result.add_child("item", std::string(ns::kMucAdmin));
      item.set_attr("affiliation", to_string(record.affiliation));
      item.set_attr("jid", key);
      for (const auto& [nick, occupant] : occupants_) {
        if (occupant.real_bare_jid() == key) {
          item.set_attr("nick", nick);
          item.set_attr("role", to_string(occupant.role));
          break;
        }
      }
      if (!record.reason.empty()) {
        item.add_child("reason", std::string(ns::kMucAdmin)).set_text(record.reason);
      }
    }
  } else if (const std::string* text = items.front()->attr("role")) {
    std::optional<Role> role = parse_role(*text);
    if (!role || *role == Role::none) {
      reply_error(out, iq, {StanzaCondition::bad_request, "no list of role '" + *text + "'"});
      return;
    }
    if (actor_role != Role::moderator) {
      reply_error(out, iq, {StanzaCondition::forbidden, "only moderators see role lists"});
      return;
    }
    for (const auto& [nick, occupant] : occupants_) {
      if (occupant.role != *role) {
        continue;
      }
      Element& item = result.add_child("item", std::string(ns::kMucAdmin));
      item.set_attr("role", to_string(occupant.role));
      item.set_attr("affiliation", to_string(affiliation_of(occupant.real_jid())));
      item.set_attr("nick", nick);
      if (sees_real_jid(actor_role)) {
        item.set_attr("jid", occupant.primary().jid.str());
      }
    }
  } else {
    reply_error(out, iq,
                {StanzaCondition::bad_request, "the <item/> needs an affiliation or a role"});
    return;
  }
  reply_result(out, iq, std::move(result));
}

std::optional<StanzaError> Room::check_role_change(const Jid& actor, const Occupant& target,
                                                   Role role) const {
  const Occupant* actor_occupant = occupant_of_session(actor);
  const Affiliation actor_affiliation = affiliation_of(actor);
  const Role actor_role =
      actor_occupant ? actor_occupant->role
                     : (actor_affiliation >= Affiliation::admin ? Role::moderator : Role::none);
  const Affiliation target_affiliation = affiliation_of(target.real_jid());
  if (actor_role != Role::moderator) {
    return StanzaError(StanzaCondition::forbidden, "only moderators change roles");
  }
  switch (role) {
    case Role::none:
    case Role::visitor:
      // §8.2, §8.4: admins and owners cannot be kicked or silenced; a moderator by grant only
      // by an admin.
      if (target_affiliation >= Affiliation::admin) {
        return StanzaError(StanzaCondition::not_allowed,
                           target.nick + " is an admin or owner of the room");
      }
      if (target.role == Role::moderator && actor_affiliation < Affiliation::admin) {
        return StanzaError(StanzaCondition::not_allowed, target.nick + " is a moderator");
      }
      break;
    case Role::participant:
      // §9.7: revoking moderation is for admins, and not from admins or owners.
      if (target.role == Role::moderator) {
        if (actor_affiliation < Affiliation::admin) {
          return StanzaError(StanzaCondition::forbidden, "only admins revoke moderator privileges");
        }
        if (target_affiliation >= Affiliation::admin) {
          return StanzaError(StanzaCondition::not_allowed,
                             target.nick + " is an admin or owner of the room");
        }
      }
      break;
    case Role::moderator:
      if (actor_affiliation < Affiliation::admin) {
        return StanzaError(StanzaCondition::forbidden, "only admins grant moderator privileges");
      }
      break;
  }
  return std::nullopt;
}

void Room::admin_set(Outcome& out, const Element& iq, const Element& query, const Jid& from) {
  std::vector<const Element*> items = query.children("item", ns::kMucAdmin);
  if (items.empty()) {
    reply_error(out, iq, {StanzaCondition::bad_request, "no <item/> to change"});
    return;
  }
  if (items.size() > settings_.max_affiliations_per_room) {
    reply_error(out, iq, {StanzaCondition::not_acceptable, "too many items in one request"});
    return;
  }
  const Affiliation actor_affiliation = affiliation_of(from);

  // Everything is checked before anything changes.
  std::vector<RoleChange> role_changes;
  std::vector<AffiliationChange> affiliation_changes;
  for (const Element* item : items) {
    std::string reason = item->child_text("reason", ns::kMucAdmin);
    if (reason.size() > kMaxReasonBytes) {
      reply_error(out, iq, {StanzaCondition::not_acceptable, "the reason is too long"});
      return;
    }
    const std::string nick = item->attr_or("nick");
    if (const std::string* role_text = item->attr("role")) {
      std::optional<Role> role = parse_role(*role_text);
      if (!role) {
        reply_error(out, iq, {StanzaCondition::bad_request, "no role '" + *role_text + "'"});
        return;
      }
      const Occupant* target = occupant(nick);
      if (!target) {
        reply_error(out, iq,
                    {StanzaCondition::item_not_found,
                     nick.empty() ? "a role change names the occupant by nick"
                                  : "nobody is called " + nick});
        return;
      }
      if (std::optional<StanzaError> error = check_role_change(from, *target, *role)) {
        reply_error(out, iq, std::move(*error));
        return;
      }
      role_changes.push_back(RoleChange{nick, *role, std::move(reason)});
    } else if (const std::string* affiliation_text = item->attr("affiliation")) {
      std::optional<Affiliation> affiliation = parse_affiliation(*affiliation_text);
      if (!affiliation) {
        reply_error(out, iq,
                    {StanzaCondition::bad_request, "no affiliation '" + *affiliation_text + "'"});
        return;
      }
      std::optional<Jid> jid;
      if (const std::string* jid_text = item->attr("jid")) {
        jid = Jid::parse(*jid_text);
        if (!jid) {
          reply_error(out, iq,
                      {StanzaCondition::jid_malformed, "'" + *jid_text + "' is not a JID"});
          return;
        }
      } else if (const Occupant* target = occupant(nick)) {
        jid = target->real_jid();  // some clients name the occupant instead of the user
      } else {
        reply_error(out, iq, {StanzaCondition::bad_request, "an affiliation change needs a 'jid'"});
        return;
      }
      const std::string key = affiliation_key(*jid);
      auto current = affiliations_.find(key);
      const Affiliation before =
          current == affiliations_.end() ? Affiliation::none : current->second.affiliation;
      if (actor_affiliation < Affiliation::admin) {
        reply_error(out, iq,
                    {StanzaCondition::forbidden, "only admins and owners change affiliations"});
        return;
      }
      if (actor_affiliation != Affiliation::owner) {
        if (*affiliation >= Affiliation::admin) {
          reply_error(out, iq,
                      {StanzaCondition::forbidden, "only owners grant admin or owner status"});
          return;
        }
        if (before >= Affiliation::admin) {
          reply_error(out, iq,
                      {StanzaCondition::not_allowed, key + " is an admin or owner of the room"});
          return;
        }
      }
      affiliation_changes.push_back(AffiliationChange{key, *affiliation, std::move(reason)});
    } else {
      reply_error(out, iq,
                  {StanzaCondition::bad_request, "each <item/> needs a role or an affiliation"});
      return;
    }
  }
  std::map<std::string, Affiliation> after;
  for (const auto& [key, record] : affiliations_) {
    after[key] = record.affiliation;
  }
  for (const AffiliationChange& change : affiliation_changes) {
    if (change.affiliation == Affiliation::none) {
      after.erase(change.jid);
    } else {
      after[change.jid] = change.affiliation;
    }
  }
  if (after.size() > settings_.max_affiliations_per_room) {
    reply_error(out, iq,
                {StanzaCondition::not_acceptable,
                 "a room holds at most " + std::to_string(settings_.max_affiliations_per_room) +
                     " affiliations"});
    return;
  }
  if (std::ranges::none_of(after,
                           [](const auto& entry) { return entry.second == Affiliation::owner; })) {
    reply_error(out, iq, {StanzaCondition::conflict, "a room needs at least one owner"});
    return;
  }

  std::vector<PresenceFanout> fanouts;
  for (const AffiliationChange& change : affiliation_changes) {
    for (PresenceFanout& fanout :
         apply_affiliation(out, change.jid, change.affiliation, change.reason, from)) {
      fanouts.push_back(std::move(fanout));
    }
  }
  for (const RoleChange& change : role_changes) {
    // An affiliation change in the same request may have removed the occupant already.
    const Occupant* target = occupant(change.nick);
    if (target && target->role != change.role) {
      fanouts.push_back(apply_role(out, change.nick, change.role, change.reason, from));
    }
  }
  Element result = xmpp::make_iq_result(iq);
  result.remove_attr("to");
  send_ordered(out, std::move(fanouts), Send{std::move(result), {from}});
  drop_if_unused(out);
}

PresenceFanout Room::apply_role(Outcome& out, const std::string& nick, Role role,
                                const std::string& reason, const Jid& actor) {
  Occupant& occupant = occupants_.at(nick);
  // A kick is the change to role none: one kick event (then the leave), not a role change.
  RoomEvent change =
      event(role == Role::none ? RoomEventKind::kick : RoomEventKind::role_change, actor);
  change.target_jid = occupant.real_bare_jid();
  change.target_nick = nick;
  change.payload = role_item(nick, role, reason).str(xmpp::ns::kClient);
  PresenceDetail detail;
  detail.actor_nick = change.actor_nick;
  detail.reason = reason;
  record_event(out, std::move(change));
  if (role == Role::none) {
    detail.codes = {307};  // §8.2: kicked
    return take_out(out, nick, Element("presence", std::string(xmpp::ns::kClient)),
                    std::move(detail));
  }
  occupant.role = role;
  if (role != Role::visitor) {
    occupant.voice_requested = false;
  }
  return presence_fanout(occupant, occupant.primary().presence(), detail);
}

}  // namespace stoa::muc
