// The room's archive through MAM (XEP-0313): who may read it, what they may see of it. The
// query itself runs outside the room (ServeArchive, see mam_serve.hpp), so that reading the
// archive never holds up the room.

#include "muc/mam_query.hpp"
#include "muc/muc_namespaces.hpp"
#include "muc/room.hpp"

namespace stoa::muc {

using xmpp::Element;
using xmpp::Jid;
using xmpp::StanzaCondition;
using xmpp::StanzaError;

void Room::on_mam(Outcome& out, const Element& iq, const Element& payload, const Jid& from) {
  if (!config_.enable_logging) {
    reply_error(out, iq,
                {StanzaCondition::service_unavailable, "this room does not offer its archive"});
    return;
  }
  // The user's best role among its occupants, whichever session is in the room.
  std::optional<Role> role;
  for (const auto& [nick, occupant] : occupants_) {
    if (occupant.is_user(from)) {
      role = std::max(role.value_or(Role::none), occupant.role);
    }
  }
  // XEP-0313 (MUC archives): only those who may enter the room now may read its archive.
  const Affiliation affiliation = affiliation_of(from);
  if (affiliation == Affiliation::outcast) {
    reply_error(out, iq, {StanzaCondition::forbidden, "you are banned from this room"});
    return;
  }
  if (!role && config_.members_only && affiliation < Affiliation::member) {
    reply_error(out, iq, {StanzaCondition::forbidden, "only members may read this room's archive"});
    return;
  }
  if (!role && config_.password_protected && affiliation != Affiliation::owner) {
    // The password is given on entering; a query cannot carry it.
    reply_error(
        out, iq,
        {StanzaCondition::forbidden, "enter the room with its password to read its archive"});
    return;
  }
  const std::string type = iq.attr_or("type");
  ServeArchive serve;
  serve.to = from;
  serve.iq_id = iq.attr_or("id");
  serve.requester = from.bare_str();
  if (payload.name() == "metadata") {
    if (type != "get") {
      reply_error(out, iq, {StanzaCondition::bad_request, "archive metadata is read with a get"});
      return;
    }
    serve.metadata = true;
    out.actions.emplace_back(std::move(serve));
    return;
  }
  if (type == "get") {
    reply_result(out, iq, mam_query_form());
    return;
  }
  auto parsed = parse_mam_query(payload, jid_, settings_.mam_max_page);
  if (auto* error = std::get_if<StanzaError>(&parsed)) {
    reply_error(out, iq, std::move(*error));
    return;
  }
  MamRequest& request = std::get<MamRequest>(parsed);
  // Real JIDs for whoever would see them in the room's presence: everyone in a non-anonymous
  // room, moderators (and those who enter as moderators) in a semi-anonymous one.
  serve.show_real_jids = config_.whois == Whois::anyone || role == Role::moderator ||
                         affiliation >= Affiliation::admin;
  if (request.filters_by_real_jid && !serve.show_real_jids &&
      request.query.sender != serve.requester) {
    reply_error(out, iq,
                {StanzaCondition::forbidden,
                 "only those who may see real JIDs in this room may filter by them; use an "
                 "occupant JID"});
    return;
  }
  serve.query_id = std::move(request.query_id);
  serve.query = std::move(request.query);
  serve.flip = request.flip;
  out.actions.emplace_back(std::move(serve));
}

}  // namespace stoa::muc
