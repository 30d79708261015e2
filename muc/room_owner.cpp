// Room configuration, instant and reserved rooms, destruction (XEP-0045 §10).

#include <algorithm>

#include "muc/event_payload.hpp"
#include "muc/muc_namespaces.hpp"
#include "muc/room.hpp"
#include "muc/room_config_form.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::muc {

using xmpp::Element;
using xmpp::Jid;
using xmpp::StanzaCondition;
using xmpp::StanzaError;

namespace {

constexpr std::size_t kMaxReasonBytes = 1024;

/// The affiliations the owner and admin lists of a submitted form ask for, as changes from
/// `current` (jid → affiliation, none removing).
std::map<std::string, Affiliation> list_changes(
    const std::map<std::string, AffiliationRecord>& current,
    const std::optional<std::vector<std::string>>& owners,
    const std::optional<std::vector<std::string>>& admins) {
  auto listed = [](const std::optional<std::vector<std::string>>& list, const std::string& jid) {
    return list && std::ranges::find(*list, jid) != list->end();
  };
  std::map<std::string, Affiliation> wanted;
  for (const auto& [jid, record] : current) {
    // Dropped from a list that was submitted: loses the affiliation, unless the other list
    // gives one.
    if ((record.affiliation == Affiliation::owner && owners && !listed(owners, jid)) ||
        (record.affiliation == Affiliation::admin && admins && !listed(admins, jid))) {
      wanted[jid] = Affiliation::none;
    }
  }
  if (admins) {
    for (const std::string& jid : *admins) {
      wanted[jid] = Affiliation::admin;
    }
  }
  if (owners) {
    for (const std::string& jid : *owners) {
      wanted[jid] = Affiliation::owner;
    }
  }
  std::map<std::string, Affiliation> changes;
  for (const auto& [jid, affiliation] : wanted) {
    auto found = current.find(jid);
    Affiliation before = found == current.end() ? Affiliation::none : found->second.affiliation;
    if (before != affiliation) {
      changes[jid] = affiliation;
    }
  }
  return changes;
}

}  // namespace

void Room::on_owner(Outcome& out, const Element& iq, const Element& query, const Jid& from) {
  if (affiliation_of(from) != Affiliation::owner) {
    reply_error(out, iq, {StanzaCondition::forbidden, "only owners configure the room"});
    return;
  }
  if (iq.attr_or("type") == "get") {
    Element result("query", std::string(ns::kMucOwner));
    result.add_child(to_element(config_form(jid_.bare_str(), config_, jids_with(Affiliation::owner),
                                            jids_with(Affiliation::admin), settings_)));
    reply_result(out, iq, std::move(result));
    return;
  }
  if (const Element* destroy_request = query.child("destroy", ns::kMucOwner)) {
    destroy(out, destroy_request, iq, from);
    return;
  }
  const Element* x = query.child("x", xmpp::ns::kDataForms);
  std::optional<DataForm> form = x ? parse_form(*x) : std::nullopt;
  if (!form) {
    reply_error(out, iq,
                {StanzaCondition::bad_request, "expected a configuration form or <destroy/>"});
    return;
  }
  if (form->type == "cancel") {
    if (locked_) {
      destroy(out, nullptr, iq, from);  // §10.1.3: cancelling the initial configuration
    } else {
      reply_result(out, iq);
    }
    return;
  }
  if (form->type != "submit") {
    reply_error(out, iq, {StanzaCondition::bad_request, "submit the form with type 'submit'"});
    return;
  }
  submit_config(out, iq, *form, from);
}

void Room::submit_config(Outcome& out, const Element& iq, const DataForm& form, const Jid& from) {
  auto applied = apply_config_form(form, config_, settings_);
  if (auto* error = std::get_if<StanzaError>(&applied)) {
    reply_error(out, iq, std::move(*error));
    return;
  }
  ConfigSubmission& submission = std::get<ConfigSubmission>(applied);
  std::map<std::string, Affiliation> changes =
      list_changes(affiliations_, submission.owners, submission.admins);
  std::size_t after = affiliations_.size();
  for (const auto& [jid, affiliation] : changes) {
    after += affiliations_.contains(jid) ? 0 : 1;
    after -= affiliation == Affiliation::none ? 1 : 0;
  }
  if (after > settings_.max_affiliations_per_room) {
    reply_error(out, iq,
                {StanzaCondition::not_acceptable, "too many owners and admins for one room"});
    return;
  }

  const RoomConfig before = config_;
  const bool was_locked = locked_;
  config_ = std::move(submission.config);
  locked_ = false;
  out.store(SaveConfig{config_});
  RoomEvent configured = event(RoomEventKind::config_change, from);
  configured.payload = config_form_payload(form);
  record_event(out, std::move(configured));
  std::vector<PresenceFanout> fanouts;
  for (const auto& [jid, affiliation] : changes) {
    for (PresenceFanout& fanout : apply_affiliation(out, jid, affiliation, "", from)) {
      fanouts.push_back(std::move(fanout));
    }
  }
  if (config_.members_only && !before.members_only) {
    // §10.2: a room turned members-only removes those who are not members (322).
    std::vector<std::string> outsiders;
    for (const auto& [nick, occupant] : occupants_) {
      if (affiliation_of(occupant.real_jid()) < Affiliation::member) {
        outsiders.emplace_back(nick);
      }
    }
    for (const std::string& nick : outsiders) {
      PresenceDetail detail;
      detail.codes = {322};
      fanouts.push_back(take_out(out, nick, Element("presence", std::string(xmpp::ns::kClient)),
                                 std::move(detail)));
    }
  }
  Element result = xmpp::make_iq_result(iq);
  result.remove_attr("to");
  send_ordered(out, std::move(fanouts), Send{std::move(result), {from}});

  // §10.2.1: occupants learn that the configuration changed, and how if privacy is concerned.
  if (!was_locked && !occupants_.empty()) {
    std::vector<int> codes;
    RoomConfig comparable = before;
    comparable.whois = config_.whois;
    comparable.enable_logging = config_.enable_logging;
    if (comparable != config_) {
      codes.push_back(104);
    }
    if (before.enable_logging != config_.enable_logging) {
      codes.push_back(config_.enable_logging ? 170 : 171);
    }
    if (before.whois != config_.whois) {
      codes.push_back(config_.whois == Whois::anyone ? 172 : 173);
    }
    if (!codes.empty()) {
      Element notice("message", std::string(xmpp::ns::kClient));
      notice.set_attr("type", "groupchat");
      notice.set_attr("from", jid_.bare_str());
      Element& x = notice.add_child("x", std::string(ns::kMucUser));
      for (int code : codes) {
        x.add_child("status", std::string(ns::kMucUser)).set_attr("code", std::to_string(code));
      }
      out.send(std::move(notice), all_sessions());
    }
  }
  drop_if_unused(out);
}

void Room::destroy(Outcome& out, const Element* request, const Element& iq, const Jid& from) {
  Element destroyed("destroy", std::string(ns::kMucUser));
  if (request) {
    if (const std::string* venue = request->attr("jid")) {
      std::optional<Jid> alternate = Jid::parse(*venue);
      if (!alternate) {
        reply_error(out, iq,
                    {StanzaCondition::jid_malformed, "the alternate venue is not a valid JID"});
        return;
      }
      destroyed.set_attr("jid", alternate->str());
    }
    const std::string reason = request->child_text("reason", ns::kMucOwner);
    if (reason.size() > kMaxReasonBytes) {
      reply_error(out, iq, {StanzaCondition::not_acceptable, "the reason is too long"});
      return;
    }
    if (!reason.empty()) {
      destroyed.add_child("reason", std::string(ns::kMucUser)).set_text(reason);
    }
    if (const Element* password = request->child("password", ns::kMucOwner)) {
      destroyed.add_child("password", std::string(ns::kMucUser)).set_text(password->text());
    }
  }
  out.store(DeleteRoom{});
  RoomEvent destroyed_event = event(RoomEventKind::destroy, from);
  destroyed_event.payload = without_password(destroyed);
  record_event(out, std::move(destroyed_event));
  // §10.9: each occupant is told, from its own occupant JID, that the room is gone.
  PresenceDetail detail;
  detail.unavailable = true;
  detail.role = Role::none;
  detail.affiliation = Affiliation::none;
  detail.destroy = &destroyed;
  const Element no_payload("presence", std::string(xmpp::ns::kClient));
  std::vector<Send> notices;
  for (const auto& [nick, occupant] : occupants_) {
    Element notice = occupant_presence(occupant, no_payload, detail, true, false);
    // Every stay ends with a leave event, this one too.
    RoomEvent left = event(RoomEventKind::leave, occupant);
    left.payload = without_password(notice);
    record_event(out, std::move(left));
    notices.push_back(Send{std::move(notice), occupant.session_jids()});
  }
  for (Send& notice : notices) {
    out.actions.emplace_back(std::move(notice));
  }
  occupants_.clear();
  occupant_of_session_.clear();
  sessions_changed();
  reply_result(out, iq);
  gone_ = true;
  out.room_gone = true;
}

}  // namespace stoa::muc
