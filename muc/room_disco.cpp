// IQs to the room: service discovery (XEP-0045 §6.4-6.5), self-ping (XEP-0410), and the
// dispatch to the admin and owner namespaces.

#include "muc/muc_namespaces.hpp"
#include "muc/room.hpp"
#include "muc/rsm.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::muc {

using xmpp::Element;
using xmpp::Jid;
using xmpp::StanzaCondition;
using xmpp::StanzaError;

namespace {

// disco#items answers are paged (XEP-0059); without paging, this many items at most.
constexpr std::size_t kMaxItemsPerPage = 1000;

void add_feature(Element& query, std::string_view feature) {
  query.add_child("feature", std::string(xmpp::ns::kDiscoInfo)).set_attr("var", feature);
}

}  // namespace

void Room::on_iq(Outcome& out, const Element& iq, const Jid& from, const Jid& to) {
  const std::string type = iq.attr_or("type");
  if (type != "get" && type != "set") {
    return;  // the room sends no requests, so results and errors answer nothing of its own
  }
  std::vector<const Element*> payloads = iq.children();
  if (payloads.size() != 1) {
    reply_error(out, iq, {StanzaCondition::bad_request, "an IQ request has one payload"});
    return;
  }
  const Element& payload = *payloads.front();
  if (!to.is_bare()) {
    // IQs to occupants: only self-pings are answered (XEP-0410); others are not relayed.
    const Occupant* self = occupant_of_session(from);
    if (!self) {
      reply_error(out, iq, {StanzaCondition::not_acceptable, "you are not in the room"});
    } else if (payload.is("ping", xmpp::ns::kPing) && self->nick == to.resource()) {
      reply_result(out, iq);
    } else {
      reply_error(out, iq,
                  {StanzaCondition::service_unavailable, "IQs to occupants are not relayed"});
    }
    return;
  }
  if (locked_ && affiliation_of(from) != Affiliation::owner) {
    reply_error(
        out, iq,
        {StanzaCondition::item_not_found, "the room is locked until its owner configures it"});
    return;
  }
  if (payload.is("query", xmpp::ns::kDiscoInfo) && type == "get") {
    disco_info(out, iq, payload, from);
  } else if (payload.is("query", xmpp::ns::kDiscoItems) && type == "get") {
    disco_items(out, iq, payload, from);
  } else if (payload.is("query", ns::kMucAdmin)) {
    on_admin(out, iq, payload, from);
  } else if (payload.is("query", ns::kMucOwner)) {
    on_owner(out, iq, payload, from);
  } else if (payload.is("query", ns::kMam) || payload.is("metadata", ns::kMam)) {
    on_mam(out, iq, payload, from);
  } else if (payload.is("ping", xmpp::ns::kPing) && type == "get") {
    reply_result(out, iq);
  } else {
    reply_error(out, iq, {StanzaCondition::service_unavailable});
  }
}

void Room::disco_info(Outcome& out, const Element& iq, const Element& query, const Jid& from) {
  (void)from;
  if (query.attr("node")) {
    reply_error(out, iq, {StanzaCondition::item_not_found, "the room has no such node"});
    return;
  }
  Element result("query", std::string(xmpp::ns::kDiscoInfo));
  const RoomListing facts = listing();
  Element& identity = result.add_child("identity", std::string(xmpp::ns::kDiscoInfo));
  identity.set_attr("category", "conference");
  identity.set_attr("type", "text");
  identity.set_attr("name", facts.name);
  for (std::string_view feature :
       {ns::kMuc, std::string_view(xmpp::ns::kDiscoInfo), ns::kMucStableId, ns::kMucSelfPing,
        ns::kStanzaId, ns::kOccupantId, ns::kMucRequest, ns::kMessageModerate,
        ns::kMessageModerate0, ns::kMessageRetract}) {
    add_feature(result, feature);
  }
  if (config_.enable_logging) {
    // XEP-0313 (Determining support): the archive is offered, with the extended features.
    add_feature(result, ns::kMam);
    add_feature(result, ns::kMamExtended);
    add_feature(result, ns::kFulltext);
  }
  add_feature(result, config_.persistent ? "muc_persistent" : "muc_temporary");
  add_feature(result, config_.members_only ? "muc_membersonly" : "muc_open");
  add_feature(result, config_.moderated ? "muc_moderated" : "muc_unmoderated");
  add_feature(result, config_.password_protected ? "muc_passwordprotected" : "muc_unsecured");
  add_feature(result, config_.public_room ? "muc_public" : "muc_hidden");
  add_feature(result, config_.whois == Whois::anyone ? "muc_nonanonymous" : "muc_semianonymous");

  // XEP-0045 §6.4: the muc#roominfo extended information.
  DataForm info;
  info.type = "result";
  info.add("FORM_TYPE", "hidden", "", {std::string(ns::kMucRoomInfo)});
  info.add("muc#roomconfig_roomname", "text-single", "Name", {facts.name});
  info.add("muc#roominfo_description", "text-single", "Description", {config_.description});
  info.add("muc#roominfo_subject", "text-single", "Subject", {subject_.text});
  info.add("muc#roominfo_subjectmod", "boolean", "Occupants may change the subject",
           {config_.change_subject ? "1" : "0"});
  info.add("muc#roominfo_occupants", "text-single", "Number of occupants",
           {std::to_string(occupants_.size())});
  if (!config_.language.empty()) {
    info.add("muc#roominfo_lang", "text-single", "Language", {config_.language});
  }
  info.add("muc#maxhistoryfetch", "text-single", "Messages of history sent on join",
           {std::to_string(config_.history_length)});
  info.add("muc#roomconfig_allowinvites", "boolean", "Occupants may invite others",
           {config_.allow_invites ? "1" : "0"});
  info.add("muc#roomconfig_allowpm", "list-single", "Who may send private messages",
           {std::string(to_string(config_.allow_pm))});
  result.add_child(to_element(info));
  reply_result(out, iq, std::move(result));
}

void Room::disco_items(Outcome& out, const Element& iq, const Element& query, const Jid& from) {
  if (query.attr("node")) {
    reply_error(out, iq, {StanzaCondition::item_not_found, "the room has no such node"});
    return;
  }
  Element result("query", std::string(xmpp::ns::kDiscoItems));
  // §6.5: the occupant list, for those in the room; outsiders learn nothing.
  if (occupant_of_session(from)) {
    std::vector<std::string> nicks;
    for (const auto& [nick, occupant] : occupants_) {
      nicks.emplace_back(nick);
    }
    RsmRequest request;
    const Element* set = query.child("set", ns::kRsm);
    if (set) {
      auto parsed = parse_rsm(*set);
      if (auto* error = std::get_if<StanzaError>(&parsed)) {
        reply_error(out, iq, std::move(*error));
        return;
      }
      request = std::get<RsmRequest>(parsed);
    }
    auto selected = select_page(nicks, request, kMaxItemsPerPage);
    if (auto* error = std::get_if<StanzaError>(&selected)) {
      reply_error(out, iq, std::move(*error));
      return;
    }
    const RsmPage page = std::get<RsmPage>(selected);
    for (std::size_t i = page.begin; i < page.end; ++i) {
      Element& item = result.add_child("item", std::string(xmpp::ns::kDiscoItems));
      item.set_attr("jid", occupant_jid(nicks[i]));
      item.set_attr("name", nicks[i]);
    }
    if (set || page.end - page.begin < nicks.size()) {
      result.add_child(rsm_result(nicks, page));
    }
  }
  reply_result(out, iq, std::move(result));
}

}  // namespace stoa::muc
