#include "xmpp/stanza_error.hpp"

#include "xmpp/namespaces.hpp"

namespace stoa::xmpp {

std::string_view to_string(StanzaCondition condition) {
  switch (condition) {
    case StanzaCondition::bad_request:
      return "bad-request";
    case StanzaCondition::conflict:
      return "conflict";
    case StanzaCondition::feature_not_implemented:
      return "feature-not-implemented";
    case StanzaCondition::forbidden:
      return "forbidden";
    case StanzaCondition::gone:
      return "gone";
    case StanzaCondition::internal_server_error:
      return "internal-server-error";
    case StanzaCondition::item_not_found:
      return "item-not-found";
    case StanzaCondition::jid_malformed:
      return "jid-malformed";
    case StanzaCondition::not_acceptable:
      return "not-acceptable";
    case StanzaCondition::not_allowed:
      return "not-allowed";
    case StanzaCondition::not_authorized:
      return "not-authorized";
    case StanzaCondition::policy_violation:
      return "policy-violation";
    case StanzaCondition::recipient_unavailable:
      return "recipient-unavailable";
    case StanzaCondition::redirect:
      return "redirect";
    case StanzaCondition::registration_required:
      return "registration-required";
    case StanzaCondition::remote_server_not_found:
      return "remote-server-not-found";
    case StanzaCondition::remote_server_timeout:
      return "remote-server-timeout";
    case StanzaCondition::resource_constraint:
      return "resource-constraint";
    case StanzaCondition::service_unavailable:
      return "service-unavailable";
    case StanzaCondition::subscription_required:
      return "subscription-required";
    case StanzaCondition::undefined_condition:
      return "undefined-condition";
    case StanzaCondition::unexpected_request:
      return "unexpected-request";
  }
  return "undefined-condition";
}

std::string_view to_string(ErrorType type) {
  switch (type) {
    case ErrorType::auth:
      return "auth";
    case ErrorType::cancel:
      return "cancel";
    case ErrorType::continue_:
      return "continue";
    case ErrorType::modify:
      return "modify";
    case ErrorType::wait:
      return "wait";
  }
  return "cancel";
}

ErrorType default_type(StanzaCondition condition) {
  switch (condition) {
    case StanzaCondition::bad_request:
    case StanzaCondition::jid_malformed:
    case StanzaCondition::not_acceptable:
    case StanzaCondition::policy_violation:
    case StanzaCondition::redirect:
      return ErrorType::modify;
    case StanzaCondition::forbidden:
    case StanzaCondition::not_authorized:
    case StanzaCondition::registration_required:
    case StanzaCondition::subscription_required:
      return ErrorType::auth;
    case StanzaCondition::recipient_unavailable:
    case StanzaCondition::remote_server_timeout:
    case StanzaCondition::resource_constraint:
    case StanzaCondition::unexpected_request:
      return ErrorType::wait;
    default:
      return ErrorType::cancel;
  }
}

Element make_error_element(const StanzaError& error) {
  Element e("error", std::string(ns::kClient));
  e.set_attr("type", to_string(error.type));
  e.add_child(std::string(to_string(error.condition)), std::string(ns::kStanzaErrors));
  if (!error.text.empty()) {
    Element& text = e.add_child("text", std::string(ns::kStanzaErrors));
    text.set_attr("xml:lang", "en");
    text.set_text(error.text);
  }
  return e;
}

namespace {
Element reply_shell(const Element& stanza, std::string_view type) {
  Element reply(stanza.name(), stanza.xmlns());
  if (const std::string* id = stanza.attr("id")) {
    reply.set_attr("id", *id);
  }
  if (const std::string* from = stanza.attr("from")) {
    reply.set_attr("to", *from);
  }
  if (const std::string* to = stanza.attr("to")) {
    reply.set_attr("from", *to);
  }
  reply.set_attr("type", type);
  return reply;
}
}  // namespace

Element make_error_reply(const Element& stanza, const StanzaError& error) {
  Element reply = reply_shell(stanza, "error");
  reply.add_child(make_error_element(error));
  return reply;
}

Element make_iq_result(const Element& iq) { return reply_shell(iq, "result"); }

}  // namespace stoa::xmpp
