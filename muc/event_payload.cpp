#include "muc/event_payload.hpp"

#include "muc/muc_namespaces.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::muc {

using xmpp::Element;

namespace {

constexpr std::string_view kRoomSecretField = "muc#roomconfig_roomsecret";

}  // namespace

Element affiliation_item(const std::string& jid, Affiliation affiliation,
                         const std::string& reason) {
  Element item("item", std::string(ns::kMucAdmin));
  item.set_attr("affiliation", to_string(affiliation));
  item.set_attr("jid", jid);
  if (!reason.empty()) {
    item.add_child("reason", std::string(ns::kMucAdmin)).set_text(reason);
  }
  return item;
}

Element role_item(const std::string& nick, Role role, const std::string& reason) {
  Element item("item", std::string(ns::kMucAdmin));
  item.set_attr("nick", nick);
  item.set_attr("role", to_string(role));
  if (!reason.empty()) {
    item.add_child("reason", std::string(ns::kMucAdmin)).set_text(reason);
  }
  return item;
}

std::string config_form_payload(DataForm form) {
  for (FormField& field : form.fields) {
    if (field.var == kRoomSecretField) {
      field.values.clear();
    }
  }
  return to_element(form).str(xmpp::ns::kClient);
}

std::string without_password(const Element& sent) {
  Element copy = sent.clone();
  // Where muc#user carries one: a <destroy/>, the <x/> of an invitation, the <destroy/> in the
  // <x/> of a presence from a destroyed room.
  Element* x = copy.child("x", ns::kMucUser);
  for (Element* holder : {&copy, x, x ? x->child("destroy", ns::kMucUser) : nullptr}) {
    if (holder) {
      holder->remove_children("password", ns::kMucUser);
    }
  }
  return copy.str(xmpp::ns::kClient);
}

}  // namespace stoa::muc
