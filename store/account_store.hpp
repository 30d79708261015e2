#pragma once

#include <asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/scram_credential.hpp"

namespace stoa::store {

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
