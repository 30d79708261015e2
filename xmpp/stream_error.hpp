#pragma once

#include <string_view>

namespace stoa::xmpp {

/// Stream error conditions of RFC 6120 §4.9.3.
enum class StreamCondition {
  bad_format,
  bad_namespace_prefix,
  conflict,
  connection_timeout,
  host_gone,
  host_unknown,
  improper_addressing,
  internal_server_error,
  invalid_from,
  invalid_namespace,
  invalid_xml,
  not_authorized,
  not_well_formed,
  policy_violation,
  remote_connection_failed,
  reset,
  resource_constraint,
  restricted_xml,
  see_other_host,
  system_shutdown,
  undefined_condition,
  unsupported_encoding,
  unsupported_feature,
  unsupported_stanza_type,
  unsupported_version,
};

/// The element name of the condition, e.g. "not-well-formed".
std::string_view to_string(StreamCondition condition);

}  // namespace stoa::xmpp
