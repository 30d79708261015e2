#include "xmpp/stream_error.hpp"

namespace stoa::xmpp {

std::string_view to_string(StreamCondition condition) {
  switch (condition) {
    case StreamCondition::bad_format:
      return "bad-format";
    case StreamCondition::bad_namespace_prefix:
      return "bad-namespace-prefix";
    case StreamCondition::conflict:
      return "conflict";
    case StreamCondition::connection_timeout:
      return "connection-timeout";
    case StreamCondition::host_gone:
      return "host-gone";
    case StreamCondition::host_unknown:
      return "host-unknown";
    case StreamCondition::improper_addressing:
      return "improper-addressing";
    case StreamCondition::internal_server_error:
      return "internal-server-error";
    case StreamCondition::invalid_from:
      return "invalid-from";
    case StreamCondition::invalid_namespace:
      return "invalid-namespace";
    case StreamCondition::invalid_xml:
      return "invalid-xml";
    case StreamCondition::not_authorized:
      return "not-authorized";
    case StreamCondition::not_well_formed:
      return "not-well-formed";
    case StreamCondition::policy_violation:
      return "policy-violation";
    case StreamCondition::remote_connection_failed:
      return "remote-connection-failed";
    case StreamCondition::reset:
      return "reset";
    case StreamCondition::resource_constraint:
      return "resource-constraint";
    case StreamCondition::restricted_xml:
      return "restricted-xml";
    case StreamCondition::see_other_host:
      return "see-other-host";
    case StreamCondition::system_shutdown:
      return "system-shutdown";
    case StreamCondition::undefined_condition:
      return "undefined-condition";
    case StreamCondition::unsupported_encoding:
      return "unsupported-encoding";
    case StreamCondition::unsupported_feature:
      return "unsupported-feature";
    case StreamCondition::unsupported_stanza_type:
      return "unsupported-stanza-type";
    case StreamCondition::unsupported_version:
      return "unsupported-version";
  }
  return "undefined-condition";
}

}  // namespace stoa::xmpp
