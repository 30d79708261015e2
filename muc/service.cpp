#include "muc/service.hpp"

#include <algorithm>

#include "muc/muc_namespaces.hpp"
#include "muc/rsm.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::muc {

using xmpp::Element;
using xmpp::Jid;
using xmpp::StanzaCondition;
using xmpp::StanzaError;

namespace {

constexpr std::size_t kMaxItemsPerPage = 1000;

Element disco_info(const ServiceSettings& settings) {
  Element query("query", std::string(xmpp::ns::kDiscoInfo));
  Element& identity = query.add_child("identity", std::string(xmpp::ns::kDiscoInfo));
  identity.set_attr("category", "conference");
  identity.set_attr("type", "text");
  identity.set_attr("name", "Chatrooms on " + settings.server_domain);
  for (std::string_view feature :
       {ns::kMuc, xmpp::ns::kDiscoInfo, xmpp::ns::kDiscoItems, ns::kRsm, xmpp::ns::kPing,
        ns::kStanzaId, ns::kOccupantId, ns::kStoaSearch}) {
    query.add_child("feature", std::string(xmpp::ns::kDiscoInfo)).set_attr("var", feature);
  }
  return query;
}

std::variant<Element, StanzaError> disco_items(const Element& request,
                                               const std::vector<RoomListing>& rooms) {
  std::vector<const RoomListing*> listed;
  for (const RoomListing& room : rooms) {
    if (room.listed) {
      listed.push_back(&room);
    }
  }
  std::ranges::sort(listed, {}, &RoomListing::jid);
  std::vector<std::string> keys;
  keys.reserve(listed.size());
  for (const RoomListing* room : listed) {
    keys.push_back(room->jid);
  }
  RsmRequest paging;
  const Element* set = request.child("set", ns::kRsm);
  if (set) {
    auto parsed = parse_rsm(*set);
    if (auto* error = std::get_if<StanzaError>(&parsed)) {
      return std::move(*error);
    }
    paging = std::get<RsmRequest>(parsed);
  }
  auto selected = select_page(keys, paging, kMaxItemsPerPage);
  if (auto* error = std::get_if<StanzaError>(&selected)) {
    return std::move(*error);
  }
  const RsmPage page = std::get<RsmPage>(selected);
  Element query("query", std::string(xmpp::ns::kDiscoItems));
  for (std::size_t i = page.begin; i < page.end; ++i) {
    Element& item = query.add_child("item", std::string(xmpp::ns::kDiscoItems));
    item.set_attr("jid", listed[i]->jid);
    item.set_attr("name", listed[i]->name);
  }
  // Paged when asked, and also when the list is too long to send whole (XEP-0059 §2.6).
  if (set || page.end - page.begin < keys.size()) {
    query.add_child(rsm_result(keys, page));
  }
  return query;
}

}  // namespace

std::optional<StanzaError> check_room_creation(const ServiceSettings& settings, const Jid& user,
                                               std::size_t rooms_owned) {
  const std::string bare = user.bare_str();
  if (std::ranges::find(settings.admins, bare) != settings.admins.end()) {
    return std::nullopt;
  }
  if (user.domain() != settings.server_domain) {
    return StanzaError(StanzaCondition::not_allowed,
                       "only users of " + settings.server_domain + " may create rooms");
  }
  const bool listed =
      std::ranges::find(settings.room_creators, bare) != settings.room_creators.end();
  if (settings.room_creation == RoomCreation::admins ||
      (settings.room_creation == RoomCreation::list && !listed)) {
    return StanzaError(StanzaCondition::not_allowed, "room creation is restricted");
  }
  if (rooms_owned >= settings.max_rooms_per_user) {
    return StanzaError(
        StanzaCondition::not_allowed,
        "you own " + std::to_string(rooms_owned) + " rooms already, the most one user may own");
  }
  return std::nullopt;
}

bool creates_room(const Element& stanza) {
  if (stanza.name() != "presence" || stanza.attr("type")) {
    return false;
  }
  std::optional<Jid> to = Jid::parse(stanza.attr_or("to"));
  return to && !to->local().empty() && !to->is_bare();
}

std::optional<Element> answer_missing_room(const Element& stanza) {
  const std::string type = stanza.attr_or("type");
  if (type == "error" || type == "result") {
    return std::nullopt;
  }
  if (stanza.name() == "presence") {
    if (!type.empty()) {
      return std::nullopt;  // leaving, probing or subscribing to no room: nothing to say
    }
    return xmpp::make_error_reply(
        stanza, {StanzaCondition::jid_malformed, "join the room as room@service/nick"});
  }
  return xmpp::make_error_reply(stanza, {StanzaCondition::item_not_found, "no such room"});
}

std::optional<Element> answer_service_stanza(const Element& stanza, const ServiceSettings& settings,
                                             const std::vector<RoomListing>& rooms) {
  const std::string type = stanza.attr_or("type");
  if (type == "error" || type == "result" || stanza.name() == "presence") {
    return std::nullopt;
  }
  if (stanza.name() != "iq") {
    return xmpp::make_error_reply(
        stanza, {StanzaCondition::service_unavailable, "messages go to rooms, not to the service"});
  }
  std::vector<const Element*> payloads = stanza.children();
  if (payloads.size() != 1) {
    return xmpp::make_error_reply(stanza,
                                  {StanzaCondition::bad_request, "an IQ request has one payload"});
  }
  const Element& payload = *payloads.front();
  if (type != "get" || payload.attr("node")) {
    return xmpp::make_error_reply(stanza, {StanzaCondition::service_unavailable});
  }
  Element reply = xmpp::make_iq_result(stanza);
  if (payload.is("query", xmpp::ns::kDiscoInfo)) {
    reply.add_child(disco_info(settings));
  } else if (payload.is("query", xmpp::ns::kDiscoItems)) {
    auto items = disco_items(payload, rooms);
    if (auto* error = std::get_if<StanzaError>(&items)) {
      return xmpp::make_error_reply(stanza, std::move(*error));
    }
    reply.add_child(std::move(std::get<Element>(items)));
  } else if (!payload.is("ping", xmpp::ns::kPing)) {
    return xmpp::make_error_reply(stanza, {StanzaCondition::service_unavailable});
  }
  return reply;
}

}  // namespace stoa::muc
