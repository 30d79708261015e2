#pragma once

#include <string>

namespace stoa::store {

/// SCRAM verifier of one account for one hash (RFC 5802 §3): what is stored instead of the
/// password. Keys and salt are raw bytes.
struct ScramCredential {
  std::string hash;  ///< "SHA-1" or "SHA-256"
  std::string salt;
  unsigned iterations = 0;
  std::string stored_key;
  std::string server_key;
};

}  // namespace stoa::store
