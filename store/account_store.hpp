#pragma once

#include <asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

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

/// Accounts of the local domain and their SCRAM credentials, in PostgreSQL. Usernames are
/// nodeprepped local parts; callers prepare them.
class AccountStore {
 public:
  explicit AccountStore(Database& db) : db_(db) {}

  /// False when the account exists already.
  asio::awaitable<bool> create(std::string username, std::vector<ScramCredential> credentials);
  /// Replaces every credential; false when there is no such account.
  asio::awaitable<bool> set_credentials(std::string username,
                                        std::vector<ScramCredential> credentials);
  /// False when there was no such account. Its roster and other data go with it.
  asio::awaitable<bool> remove(std::string username);
  asio::awaitable<bool> exists(std::string username);
  asio::awaitable<std::vector<std::string>> list();
  asio::awaitable<std::optional<ScramCredential>> credential(std::string username,
                                                             std::string hash);

 private:
  Database& db_;
};

}  // namespace stoa::store
