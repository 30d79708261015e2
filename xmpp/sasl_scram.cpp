#include "xmpp/sasl_scram.hpp"

#include <optional>
#include <vector>

#include "xmpp/jid.hpp"
#include "xmpp/sasl_steps.hpp"
#include "xmpp/utf8.hpp"

namespace stoa::xmpp::sasl {
namespace {

/// One "x=value" attribute of a SCRAM message (RFC 5802 §7).
struct Attribute {
  char name;
  std::string_view value;
};

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// Splits `text` into attributes; nullopt unless every one is ALPHA "=" 1*value-char.
std::optional<std::vector<Attribute>> split_attributes(std::string_view text) {
  std::vector<Attribute> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = text.substr(start, comma - start);
    if (item.size() < 3 || !is_alpha(item[0]) || item[1] != '=') {
      return std::nullopt;
    }
    out.push_back({item[0], item.substr(2)});
    if (comma == std::string_view::npos) {
      return out;
    }
    start = comma + 1;
  }
}

/// saslname of RFC 5802 §7: ',' and '=' travel as "=2C" and "=3D"; any other '=' is malformed.
std::optional<std::string> unescape_saslname(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '=') {
      out += name[i];
      continue;
    }
    const std::string_view escape = name.substr(i + 1, 2);
    if (escape == "2C") {
      out += ',';
    } else if (escape == "3D") {
      out += '=';
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

/// printable of RFC 5802 §7: %x21-2B / %x2D-7E.
bool is_printable_nonce(std::string_view nonce) {
  if (nonce.empty()) {
    return false;
  }
  for (char c : nonce) {
    if (c < 0x21 || c > 0x7E || c == ',') {
      return false;
    }
  }
  return true;
}

class ScramMechanism final : public Mechanism {
 public:
  ScramMechanism(ScramHash hash, std::string server_nonce, unsigned unknown_user_iterations)
      : hash_(hash),
        server_nonce_(std::move(server_nonce)),
        unknown_user_iterations_(unknown_user_iterations) {}

  Step start(std::string_view initial_response) override {
    if (state_ != State::fresh) {
      return fail(Failure::malformed_request);
    }
    if (initial_response.empty()) {
      // RFC 6120 §6.4.2: no initial response; an empty challenge asks for client-first.
      state_ = State::expecting_client_first;
      return challenge({});
    }
    return client_first(initial_response);
  }

  Step respond(std::string_view response) override {
    switch (state_) {
      case State::expecting_client_first:
        return client_first(response);
      case State::expecting_client_final:
        return client_final(response);
      default:
        return fail(Failure::malformed_request);
    }
  }

  Step provide_credential(std::optional<store::ScramCredential> credential) override {
    if (state_ != State::expecting_credential) {
      return fail(Failure::malformed_request);
    }
    if (credential) {
      if (!is_usable(*credential, hash_)) {
        return fail(Failure::temporary_auth_failure);
      }
      credential_ = std::move(*credential);
    } else {
      // The exchange goes on as for a real account and fails only at the proof, so that
      // nobody learns which accounts exist.
      unknown_user_ = true;
      credential_.salt = unknown_user_salt(hash_, username_);
      credential_.iterations = unknown_user_iterations_;
    }
    nonce_ = client_nonce_ + server_nonce_;
    server_first_ = "r=" + nonce_ + ",s=" + base64_encode(credential_.salt) +
                    ",i=" + std::to_string(credential_.iterations);
    state_ = State::expecting_client_final;
    return challenge(server_first_);
  }

 private:
  enum class State {
    fresh,
    expecting_client_first,
    expecting_credential,
    expecting_client_final,
    finished,
  };

  Step fail(Failure condition) {
    state_ = State::finished;
    // The username lets the stream count failures per account; the client never sees it.
    return failure(condition, username_);
  }

  // client-first-message = gs2-header client-first-message-bare (RFC 5802 §7).
  Step client_first(std::string_view message) {
    if (!is_valid_utf8(message)) {
      return fail(Failure::malformed_request);
    }
    // gs2-cbind-flag: 'p' asks for channel binding, which needs a -PLUS mechanism we do not
    // offer; 'y' (client could bind, thinks we cannot) and 'n' are what we accept.
    if (message.size() < 2 || (message[0] != 'n' && message[0] != 'y') || message[1] != ',') {
      return fail(Failure::malformed_request);
    }
    const std::size_t authzid_end = message.find(',', 2);
    if (authzid_end == std::string_view::npos) {
      return fail(Failure::malformed_request);
    }
    std::string authzid;
    if (const std::string_view field = message.substr(2, authzid_end - 2); !field.empty()) {
      std::optional<std::string> name;
      if (field.size() < 3 || !field.starts_with("a=") ||
          !(name = unescape_saslname(field.substr(2)))) {
        return fail(Failure::malformed_request);
      }
      authzid = std::move(*name);
    }
    gs2_header_ = std::string(message.substr(0, authzid_end + 1));
    client_first_bare_ = std::string(message.substr(authzid_end + 1));

    std::optional<std::vector<Attribute>> attributes = split_attributes(client_first_bare_);
    // A leading "m=" is a mandatory extension, and we know none (RFC 5802 §5.1).
    if (!attributes || attributes->size() < 2 || (*attributes)[0].name != 'n' ||
        (*attributes)[1].name != 'r' || !is_printable_nonce((*attributes)[1].value)) {
      return fail(Failure::malformed_request);
    }
    std::optional<std::string> username = unescape_saslname((*attributes)[0].value);
    if (!username) {
      return fail(Failure::malformed_request);
    }
    std::optional<std::string> prepared = nodeprep(*username);
    if (!prepared) {
      return fail(Failure::not_authorized);
    }
    if (!is_own_authzid(authzid, *prepared)) {
      return fail(Failure::invalid_authzid);
    }
    username_ = std::move(*prepared);
    client_nonce_ = std::string((*attributes)[1].value);
    state_ = State::expecting_credential;
    return need_credential(username_, hash_name(hash_));
  }

  // client-final-message = channel-binding "," nonce ["," extensions] "," proof.
  Step client_final(std::string_view message) {
    if (!is_valid_utf8(message)) {
      return fail(Failure::malformed_request);
    }
    std::optional<std::vector<Attribute>> attributes = split_attributes(message);
    if (!attributes || attributes->size() < 3 || (*attributes)[0].name != 'c' ||
        (*attributes)[1].name != 'r' || attributes->back().name != 'p') {
      return fail(Failure::malformed_request);
    }
    const std::optional<std::string> binding = base64_decode((*attributes)[0].value);
    const std::optional<std::string> proof = base64_decode(attributes->back().value);
    if (!binding || !proof || proof->size() != digest_size(hash_)) {
      return fail(Failure::malformed_request);
    }
    if (*binding != gs2_header_ || (*attributes)[1].value != nonce_) {
      return fail(Failure::not_authorized);
    }
    if (unknown_user_) {
      return fail(Failure::not_authorized);
    }
    const std::string_view without_proof =
        message.substr(0, message.size() - attributes->back().value.size() - 3);
    const std::string auth_message =
        client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
    // ClientKey = ClientProof XOR ClientSignature, and H(ClientKey) must be StoredKey.
    const std::string signature = hmac(hash_, credential_.stored_key, auth_message);
    std::string client_key = *proof;
    for (std::size_t i = 0; i < client_key.size(); ++i) {
      client_key[i] = static_cast<char>(client_key[i] ^ signature[i]);
    }
    if (!equal_secret(digest(hash_, client_key), credential_.stored_key)) {
      return fail(Failure::not_authorized);
    }
    state_ = State::finished;
    return success(username_,
                   "v=" + base64_encode(hmac(hash_, credential_.server_key, auth_message)));
  }

  ScramHash hash_;
  std::string server_nonce_;
  unsigned unknown_user_iterations_;
  State state_ = State::fresh;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string username_;
  std::string client_nonce_;
  std::string nonce_;
  std::string server_first_;
  store::ScramCredential credential_;
  bool unknown_user_ = false;
};

}  // namespace

std::unique_ptr<Mechanism> make_scram(ScramHash hash, std::string server_nonce,
                                      unsigned unknown_user_iterations) {
  return std::make_unique<ScramMechanism>(hash, std::move(server_nonce), unknown_user_iterations);
}

}  // namespace stoa::xmpp::sasl
