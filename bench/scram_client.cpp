#include "bench/scram_client.hpp"

#include <charconv>

#include "xmpp/sasl.hpp"

namespace stoa::bench {

namespace sasl = xmpp::sasl;

namespace {

/// RFC 5802 §5.1 saslname: '=' and ',' escaped.
std::string sasl_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '=') {
      out += "=3D";
    } else if (c == ',') {
      out += "=2C";
    } else {
      out += c;
    }
  }
  return out;
}

/// The value of "key=" in a comma-separated attribute list.
std::optional<std::string_view> attribute(std::string_view message, char key) {
  while (!message.empty()) {
    const std::size_t comma = message.find(',');
    const std::string_view part = message.substr(0, comma);
    if (part.size() >= 2 && part[0] == key && part[1] == '=') {
      return part.substr(2);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    message.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

}  // namespace

const ScramKeys& ScramKeyCache::keys(sasl::ScramHash hash, const std::string& password,
                                     const std::string& salt, unsigned iterations) {
  auto key = std::make_tuple(hash, salt, iterations);
  auto found = keys_.find(key);
  if (found != keys_.end()) {
    return found->second;
  }
  const std::string salted =
      sasl::salted_password(hash, sasl::prepare_password(password), salt, iterations);
  ScramKeys keys;
  keys.client_key = sasl::hmac(hash, salted, "Client Key");
  keys.stored_key = sasl::digest(hash, keys.client_key);
  keys.server_key = sasl::hmac(hash, salted, "Server Key");
  return keys_.emplace(std::move(key), std::move(keys)).first->second;
}

ScramClient::ScramClient(sasl::ScramHash hash, std::string_view username, std::string password,
                         ScramKeyCache& cache)
    : hash_(hash), password_(std::move(password)), cache_(cache) {
  nonce_ = sasl::base64_encode(sasl::random_bytes(18));
  client_first_bare_ = "n=" + sasl_name(username) + ",r=" + nonce_;
}

std::string ScramClient::client_first() const {
  return "n,," + client_first_bare_;
}

std::optional<std::string> ScramClient::client_final(std::string_view server_first) {
  const auto nonce = attribute(server_first, 'r');
  const auto salt_text = attribute(server_first, 's');
  const auto iterations_text = attribute(server_first, 'i');
  if (!nonce || !salt_text || !iterations_text || !nonce->starts_with(nonce_) ||
      nonce->size() == nonce_.size()) {
    return std::nullopt;
  }
  unsigned iterations = 0;
  auto [end, error] = std::from_chars(
      iterations_text->data(), iterations_text->data() + iterations_text->size(), iterations);
  const std::optional<std::string> salt = sasl::base64_decode(*salt_text);
  if (error != std::errc() || end != iterations_text->data() + iterations_text->size() ||
      iterations == 0 || !salt) {
    return std::nullopt;
  }
  const ScramKeys& keys = cache_.keys(hash_, password_, *salt, iterations);
  const std::string without_proof = "c=biws,r=" + std::string(*nonce);
  const std::string auth_message =
      client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
  const std::string signature = sasl::hmac(hash_, keys.stored_key, auth_message);
  std::string proof = keys.client_key;
  for (std::size_t i = 0; i < proof.size(); ++i) {
    proof[i] = static_cast<char>(proof[i] ^ signature[i]);
  }
  expected_server_signature_ = sasl::hmac(hash_, keys.server_key, auth_message);
  return without_proof + ",p=" + sasl::base64_encode(proof);
}

bool ScramClient::verify(std::string_view server_final) const {
  const auto signature = attribute(server_final, 'v');
  if (!signature || expected_server_signature_.empty()) {
    return false;
  }
  const std::optional<std::string> decoded = sasl::base64_decode(*signature);
  return decoded && sasl::equal_secret(*decoded, expected_server_signature_);
}

}  // namespace stoa::bench
