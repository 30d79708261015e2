#include "xmpp/sasl_steps.hpp"

#include <optional>

#include "xmpp/jid.hpp"

namespace stoa::xmpp::sasl {

Step challenge(std::string data) {
  return Step{Step::Kind::challenge, std::move(data), {}, {}, Failure::not_authorized};
}

Step need_credential(std::string username, std::string_view hash) {
  return Step{Step::Kind::need_credential,
              {},
              std::move(username),
              std::string(hash),
              Failure::not_authorized};
}

Step success(std::string username, std::string data) {
  return Step{
      Step::Kind::success, std::move(data), std::move(username), {}, Failure::not_authorized};
}

Step failure(Failure condition, std::string username) {
  return Step{Step::Kind::failure, {}, std::move(username), {}, condition};
}

bool is_own_authzid(std::string_view authzid, std::string_view username) {
  if (authzid.empty()) {
    return true;
  }
  if (authzid.find('@') == std::string_view::npos) {
    std::optional<std::string> prepared = nodeprep(authzid);
    return prepared && *prepared == username;
  }
  std::optional<Jid> jid = Jid::parse(authzid);
  return jid && jid->is_bare() && jid->local() == username;
}

}  // namespace stoa::xmpp::sasl
