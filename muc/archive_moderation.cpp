// Moderated messages in the archive (XEP-0425): tombstones, replacements and their notices.

#include "muc/archive_moderation.hpp"

#include "muc/history.hpp"
#include "muc/muc_namespaces.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::muc {

using xmpp::Element;

namespace {

/// <moderated by=.../> in `xmlns`, with the moderator's occupant id when it has one.
Element moderated_element(const Moderation& moderation, std::string_view xmlns) {
  Element moderated("moderated", std::string(xmlns));
  moderated.set_attr("by", moderation.by);
  if (!moderation.by_occupant_id.empty()) {
    moderated.add_child("occupant-id", std::string(ns::kOccupantId))
        .set_attr("id", moderation.by_occupant_id);
  }
  return moderated;
}

void add_reason(Element& parent, const Moderation& moderation) {
  if (!moderation.reason.empty()) {
    parent.add_child("reason", parent.xmlns()).set_text(moderation.reason);
  }
}

/// The original's attributes and the ids the room gave it, without any content: whatever else
/// it carried (body, markup, links, attachments) could leak what was taken down.
Element stripped(const Element& original) {
  Element out("message", std::string(xmpp::ns::kClient));
  for (const auto& [key, value] : original.attrs()) {
    out.set_attr(key, value);
  }
  for (const Element* child : original.children()) {
    if (child->is("stanza-id", ns::kStanzaId) || child->is("occupant-id", ns::kOccupantId)) {
      out.add_child(child->clone());
    }
  }
  return out;
}

Element tombstone(const Element& original, const Moderation& moderation) {
  Element out = stripped(original);
  Element& retracted = out.add_child("retracted", std::string(ns::kMessageRetract));
  retracted.set_attr("stamp", format_timestamp(moderation.at));
  retracted.add_child(moderated_element(moderation, ns::kMessageModerate));
  add_reason(retracted, moderation);
  return out;
}

Element retraction_notice(const Moderation& moderation, std::string_view room_jid) {
  Element notice("message", std::string(xmpp::ns::kClient));
  notice.set_attr("type", "groupchat");
  notice.set_attr("id", moderation.notice_id);
  notice.set_attr("from", room_jid);
  Element& retract = notice.add_child("retract", std::string(ns::kMessageRetract));
  retract.set_attr("id", moderation.stanza_id);
  retract.add_child(moderated_element(moderation, ns::kMessageModerate));
  add_reason(retract, moderation);
  Element& apply_to = notice.add_child("apply-to", std::string(ns::kFasten));
  apply_to.set_attr("id", moderation.stanza_id);
  Element& legacy = apply_to.add_child(moderated_element(moderation, ns::kMessageModerate0));
  legacy.add_child("retract", std::string(ns::kMessageRetract0));
  add_reason(legacy, moderation);
  // XEP-0334: the notice is not itself a message to keep; the tombstone is what remains.
  notice.add_child("no-store", "urn:xmpp:hints");
  return notice;
}

Element correction_notice(const Element& original, const Moderation& moderation,
                          const std::string& text) {
  Element notice("message", std::string(xmpp::ns::kClient));
  notice.set_attr("type", "groupchat");
  notice.set_attr("id", moderation.notice_id);
  notice.set_attr("from", original.attr_or("from"));
  notice.add_child("body", std::string(xmpp::ns::kClient)).set_text(text);
  notice.add_child("replace", std::string(ns::kMessageCorrect))
      .set_attr("id", original.attr_or("id"));
  if (const Element* occupant_id = original.child("occupant-id", ns::kOccupantId)) {
    notice.add_child(occupant_id->clone());
  }
  notice.add_child("no-store", "urn:xmpp:hints");
  return notice;
}

}  // namespace

ModeratedForms moderated_forms(const ArchiveEntry& original, const Moderation& moderation,
                               std::string_view room_jid) {
  std::optional<Element> parsed = parse_archived_stanza(original.stanza);
  // An entry that no longer parses is replaced by a tombstone built from what the room knows.
  Element source = parsed ? std::move(*parsed) : Element("message", std::string(xmpp::ns::kClient));
  if (!parsed) {
    source.set_attr("type", "groupchat");
    source.set_attr("from", std::string(room_jid) + "/" + original.nick);
    Element& sid = source.add_child("stanza-id", std::string(ns::kStanzaId));
    sid.set_attr("id", original.stanza_id);
    sid.set_attr("by", room_jid);
  }
  if (!moderation.replacement) {
    return {ArchiveRewrite{original.stanza_id, tombstone(source, moderation).str(xmpp::ns::kClient),
                           std::nullopt, moderation.at},
            retraction_notice(moderation, room_jid)};
  }
  Element replaced = stripped(source);
  replaced.add_child("body", std::string(xmpp::ns::kClient)).set_text(*moderation.replacement);
  ArchiveRewrite rewrite{original.stanza_id, replaced.str(xmpp::ns::kClient),
                         *moderation.replacement, moderation.at};
  if (source.attr_or("id").empty()) {
    return {std::move(rewrite), retraction_notice(moderation, room_jid)};
  }
  return {std::move(rewrite), correction_notice(source, moderation, *moderation.replacement)};
}

asio::awaitable<std::optional<Element>> apply_moderation(MucStore& store, std::string room,
                                                         Moderation moderation) {
  std::string key = room;
  std::string stanza_id = moderation.stanza_id;
  std::optional<ArchiveEntry> original =
      co_await store.archived_message(std::move(key), std::move(stanza_id));
  if (!original) {
    co_return std::nullopt;
  }
  ModeratedForms forms = moderated_forms(*original, moderation, room);
  key = room;
  if (!co_await store.rewrite_archived(std::move(key), std::move(forms.rewrite),
                                       std::move(moderation.event))) {
    co_return std::nullopt;  // deleted meanwhile (cleared, expired)
  }
  co_return std::move(forms.broadcast);
}

}  // namespace stoa::muc
