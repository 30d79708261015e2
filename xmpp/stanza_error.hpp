#pragma once

#include <string>
#include <string_view>

#include "xmpp/xml_element.hpp"

namespace stoa::xmpp {

/// Error types of RFC 6120 §8.3.2.
enum class ErrorType { auth, cancel, continue_, modify, wait };

/// Defined stanza error conditions of RFC 6120 §8.3.3.
enum class StanzaCondition {
  bad_request,
  conflict,
  feature_not_implemented,
  forbidden,
  gone,
  internal_server_error,
  item_not_found,
  jid_malformed,
  not_acceptable,
  not_allowed,
  not_authorized,
  policy_violation,
  recipient_unavailable,
  redirect,
  registration_required,
  remote_server_not_found,
  remote_server_timeout,
  resource_constraint,
  service_unavailable,
  subscription_required,
  undefined_condition,
  unexpected_request,
};

std::string_view to_string(StanzaCondition condition);
std::string_view to_string(ErrorType type);
/// The type RFC 6120 §8.3.3 gives each condition in its examples.
ErrorType default_type(StanzaCondition condition);

/// A stanza error as a value: condition, type and an optional human-readable text.
struct StanzaError {
  StanzaCondition condition;
  std::string text;
  ErrorType type;

  StanzaError(StanzaCondition c, std::string t = {})
      : condition(c), text(std::move(t)), type(default_type(c)) {}
  StanzaError(StanzaCondition c, ErrorType ty, std::string t)
      : condition(c), text(std::move(t)), type(ty) {}
};

/// The <error/> child for `error`.
Element make_error_element(const StanzaError& error);

/// The reply to `stanza` carrying `error`: same name and id, to/from swapped, type='error'.
/// The original payload is not echoed, so that an error never grows past the stanza it answers.
Element make_error_reply(const Element& stanza, const StanzaError& error);

/// The result reply to an <iq type='get|set'/>: same id, to/from swapped, no payload.
Element make_iq_result(const Element& iq);

}  // namespace stoa::xmpp
