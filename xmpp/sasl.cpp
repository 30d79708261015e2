#include "xmpp/sasl.hpp"

#include "xmpp/sasl_plain.hpp"
#include "xmpp/sasl_scram.hpp"
#include "xmpp/scram.hpp"

namespace stoa::xmpp::sasl {
namespace {

// 18 random bytes give 24 base64 characters: printable, without ',' (RFC 5802 §7 nonce).
constexpr std::size_t kServerNonceBytes = 18;

}  // namespace

std::string_view to_string(Failure failure) {
  switch (failure) {
    case Failure::aborted:
      return "aborted";
    case Failure::account_disabled:
      return "account-disabled";
    case Failure::credentials_expired:
      return "credentials-expired";
    case Failure::encryption_required:
      return "encryption-required";
    case Failure::incorrect_encoding:
      return "incorrect-encoding";
    case Failure::invalid_authzid:
      return "invalid-authzid";
    case Failure::invalid_mechanism:
      return "invalid-mechanism";
    case Failure::malformed_request:
      return "malformed-request";
    case Failure::mechanism_too_weak:
      return "mechanism-too-weak";
    case Failure::not_authorized:
      return "not-authorized";
    case Failure::temporary_auth_failure:
      return "temporary-auth-failure";
  }
  return "not-authorized";
}

std::vector<std::string> offered_mechanisms(bool encrypted) {
  std::vector<std::string> names{"SCRAM-SHA-256", "SCRAM-SHA-1"};
  // PLAIN sends the password itself: only inside TLS.
  if (encrypted) {
    names.emplace_back("PLAIN");
  }
  return names;
}

std::unique_ptr<Mechanism> make_mechanism(std::string_view name, bool encrypted,
                                          unsigned unknown_user_iterations) {
  if (name == "SCRAM-SHA-256") {
    return make_scram(ScramHash::sha256, base64_encode(random_bytes(kServerNonceBytes)),
                      unknown_user_iterations);
  }
  if (name == "SCRAM-SHA-1") {
    return make_scram(ScramHash::sha1, base64_encode(random_bytes(kServerNonceBytes)),
                      unknown_user_iterations);
  }
  if (name == "PLAIN" && encrypted) {
    return make_plain(unknown_user_iterations);
  }
  return nullptr;
}

std::vector<store::ScramCredential> derive_credentials(std::string_view password,
                                                       unsigned iterations) {
  const std::string prepared = prepare_password(password);
  std::vector<store::ScramCredential> credentials;
  for (ScramHash hash : {ScramHash::sha1, ScramHash::sha256}) {
    credentials.push_back(make_credential(hash, prepared, random_bytes(kSaltBytes), iterations));
  }
  return credentials;
}

}  // namespace stoa::xmpp::sasl
