#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "xmpp/scram.hpp"

namespace stoa::bench {

/// ClientKey, StoredKey and ServerKey derived from a password for one salt and iteration count.
struct ScramKeys {
  std::string client_key;
  std::string stored_key;
  std::string server_key;
};

/// PBKDF2 dominates a SCRAM login. Benchmark accounts share one password (and, when created
/// with stoactl user add-bulk, one salt), so a process derives the keys once per salt.
class ScramKeyCache {
 public:
  const ScramKeys& keys(xmpp::sasl::ScramHash hash, const std::string& password,
                        const std::string& salt, unsigned iterations);

 private:
  std::map<std::tuple<xmpp::sasl::ScramHash, std::string, unsigned>, ScramKeys> keys_;
};

/// The client side of SCRAM without channel binding (RFC 5802 §3, RFC 7677).
class ScramClient {
 public:
  ScramClient(xmpp::sasl::ScramHash hash, std::string_view username, std::string password,
              ScramKeyCache& cache);

  /// The initial response: "n,,n=user,r=nonce".
  std::string client_first() const;
  /// The answer to the server-first message; nullopt when that message is malformed or its
  /// nonce does not extend ours.
  std::optional<std::string> client_final(std::string_view server_first);
  /// Whether the server-final message proves the server knows the verifier.
  bool verify(std::string_view server_final) const;

 private:
  xmpp::sasl::ScramHash hash_;
  std::string password_;
  ScramKeyCache& cache_;
  std::string client_first_bare_;
  std::string nonce_;
  std::string expected_server_signature_;
};

}  // namespace stoa::bench
