#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/scram_credential.hpp"

namespace stoa::xmpp::sasl {

/// SASL failure conditions of RFC 6120 §6.5.
enum class Failure {
  aborted,
  account_disabled,
  credentials_expired,
  encryption_required,
  incorrect_encoding,
  invalid_authzid,
  invalid_mechanism,
  malformed_request,
  mechanism_too_weak,
  not_authorized,
  temporary_auth_failure,
};

std::string_view to_string(Failure failure);

/// What a mechanism wants next. Payloads are raw bytes; the stream base64-encodes them.
struct Step {
  enum class Kind {
    challenge,        ///< send <challenge>data</challenge>, then call respond()
    need_credential,  ///< look up `username`'s credential for `hash`, then provide_credential()
    success,          ///< send <success>data</success>; `username` is authenticated
    failure,          ///< send <failure><condition/></failure>
  };
  Kind kind;
  std::string data;
  /// Nodeprepped local part: who authenticated (success), whose credential is wanted
  /// (need_credential), or who tried, when the exchange got that far (failure).
  std::string username;
  std::string hash;  ///< for need_credential: "SHA-1" or "SHA-256"
  Failure failure = Failure::not_authorized;
};

/// A server-side SASL exchange: pure logic, no I/O. The stream drives it and does the
/// credential lookup in between (the one asynchronous step).
class Mechanism {
 public:
  virtual ~Mechanism() = default;
  /// The <auth/> element's decoded initial response (empty when none was sent).
  virtual Step start(std::string_view initial_response) = 0;
  /// A decoded <response/>.
  virtual Step respond(std::string_view response) = 0;
  /// The credential asked for by need_credential; nullopt when the account does not exist.
  virtual Step provide_credential(std::optional<store::ScramCredential> credential) = 0;
};

/// Mechanism names offered, strongest first. PLAIN only when the stream is encrypted.
std::vector<std::string> offered_mechanisms(bool encrypted);

/// A new exchange for a mechanism name, or nullptr when it is unknown or not offered.
/// `unknown_user_iterations` is the iteration count shown for accounts that do not exist; it
/// should be the configured one, so that they look like accounts that do.
std::unique_ptr<Mechanism> make_mechanism(std::string_view name, bool encrypted,
                                          unsigned unknown_user_iterations = 10000);

/// The SCRAM credentials (SHA-1 and SHA-256, each with its own random salt) stored for
/// `password`, SASLprepped when it can be (RFC 4013), used as given otherwise.
std::vector<store::ScramCredential> derive_credentials(std::string_view password,
                                                       unsigned iterations);

/// RFC 4648 base64. decode returns nullopt on malformed input ("=" alone decodes to empty,
/// RFC 6120 §6.4.2).
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace stoa::xmpp::sasl
