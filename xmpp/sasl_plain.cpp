#include "xmpp/sasl_plain.hpp"

#include <optional>
#include <string>

#include "xmpp/jid.hpp"
#include "xmpp/sasl_steps.hpp"
#include "xmpp/scram.hpp"
#include "xmpp/utf8.hpp"

namespace stoa::xmpp::sasl {
namespace {

// RFC 4616 §2 bounds each field at 255 bytes; longer passwords exist in the wild, so the bound
// here only keeps the work per attempt small.
constexpr std::size_t kMaxFieldBytes = 1023;

class PlainMechanism final : public Mechanism {
 public:
  explicit PlainMechanism(unsigned unknown_user_iterations)
      : unknown_user_iterations_(unknown_user_iterations) {}

  Step start(std::string_view initial_response) override {
    if (state_ != State::fresh) {
      return fail(Failure::malformed_request);
    }
    if (initial_response.empty()) {
      state_ = State::expecting_response;
      return challenge({});
    }
    return message(initial_response);
  }

  Step respond(std::string_view response) override {
    if (state_ != State::expecting_response) {
      return fail(Failure::malformed_request);
    }
    return message(response);
  }

  Step provide_credential(std::optional<store::ScramCredential> credential) override {
    if (state_ != State::expecting_credential) {
      return fail(Failure::malformed_request);
    }
    const std::string password = prepare_password(password_);
    password_.clear();
    if (!credential) {
      salted_password(ScramHash::sha256, password, unknown_user_salt(ScramHash::sha256, username_),
                      unknown_user_iterations_);
      return fail(Failure::not_authorized);
    }
    if (!is_usable(*credential, ScramHash::sha256)) {
      return fail(Failure::temporary_auth_failure);
    }
    const store::ScramCredential computed =
        make_credential(ScramHash::sha256, password, credential->salt, credential->iterations);
    if (!equal_secret(computed.stored_key, credential->stored_key)) {
      return fail(Failure::not_authorized);
    }
    state_ = State::finished;
    return success(username_);
  }

 private:
  enum class State { fresh, expecting_response, expecting_credential, finished };

  Step fail(Failure condition) {
    state_ = State::finished;
    password_.clear();
    // The username lets the stream count failures per account; the client never sees it.
    return failure(condition, username_);
  }

  // message = [authzid] NUL authcid NUL passwd (RFC 4616 §2), all UTF-8 without NUL.
  Step message(std::string_view text) {
    const std::size_t first = text.find('\0');
    const std::size_t second = first == std::string_view::npos ? first : text.find('\0', first + 1);
    if (second == std::string_view::npos) {
      return fail(Failure::malformed_request);
    }
    const std::string_view authzid = text.substr(0, first);
    const std::string_view authcid = text.substr(first + 1, second - first - 1);
    const std::string_view password = text.substr(second + 1);
    if (authcid.empty() || password.empty() || authzid.size() > kMaxFieldBytes ||
        authcid.size() > kMaxFieldBytes || password.size() > kMaxFieldBytes ||
        !is_valid_utf8(authzid) || !is_valid_utf8(authcid) || !is_valid_utf8(password)) {
      return fail(Failure::malformed_request);
    }
    std::optional<std::string> username = nodeprep(authcid);
    if (!username) {
      return fail(Failure::not_authorized);
    }
    if (!is_own_authzid(authzid, *username)) {
      return fail(Failure::invalid_authzid);
    }
    username_ = std::move(*username);
    password_ = std::string(password);
    state_ = State::expecting_credential;
    return need_credential(username_, hash_name(ScramHash::sha256));
  }

  unsigned unknown_user_iterations_;
  State state_ = State::fresh;
  std::string username_;
  std::string password_;
};

}  // namespace

std::unique_ptr<Mechanism> make_plain(unsigned unknown_user_iterations) {
  return std::make_unique<PlainMechanism>(unknown_user_iterations);
}

}  // namespace stoa::xmpp::sasl
