#include "store/account_store.hpp"

#include <climits>
#include <set>
#include <stdexcept>

#include "store/prepared_statement.hpp"

namespace stoa::store {

namespace {

// Rejected before any SQL runs, so that a caller's mistake reads as what it is rather than as
// a constraint violation from the database.
void validate_username(const std::string& username) {
  // RFC 7622 §3.3.1: a localpart is 1 to 1023 octets.
  if (username.empty() || username.size() > 1023) {
    throw std::invalid_argument("a username must be 1 to 1023 bytes long, not " +
                                std::to_string(username.size()));
  }
}

void validate(const std::vector<ScramCredential>& credentials) {
  std::set<std::string> seen;
  for (const auto& credential : credentials) {
    if (credential.hash != "SHA-1" && credential.hash != "SHA-256" &&
        credential.hash != "SHA-512") {
      throw std::invalid_argument("unsupported SCRAM hash '" + credential.hash + "'");
    }
    if (!seen.insert(credential.hash).second) {
      throw std::invalid_argument("two SCRAM credentials for hash " + credential.hash);
    }
    if (credential.salt.empty()) {
      throw std::invalid_argument("empty SCRAM salt for hash " + credential.hash);
    }
    if (credential.iterations == 0 || credential.iterations > INT_MAX) {
      throw std::invalid_argument("SCRAM iteration count out of range for hash " + credential.hash);
    }
  }
}

pqxx::binarystring bytes(const std::string& raw) {
  return pqxx::binarystring(raw.data(), raw.size());
}

void insert_credentials(pqxx::work& tx, const std::string& username,
                        const std::vector<ScramCredential>& credentials) {
  for (const auto& credential : credentials) {
    tx.exec_params(
        "INSERT INTO credentials (username, hash, salt, iterations, stored_key, server_key) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        username, credential.hash, bytes(credential.salt), credential.iterations,
        bytes(credential.stored_key), bytes(credential.server_key));
  }
}

}  // namespace

asio::awaitable<bool> AccountStore::create(std::string username,
                                           std::vector<ScramCredential> credentials) {
  validate_username(username);
  validate(credentials);
  // Named: GCC 12 mishandles capturing lambdas written inside co_await (see Database).
  auto work = [username = std::move(username),
               credentials = std::move(credentials)](pqxx::work& tx) {
    // ON CONFLICT rather than catching unique_violation: an error would abort the transaction.
    auto inserted = tx.exec_params(
        "INSERT INTO accounts (username) VALUES ($1) ON CONFLICT (username) DO NOTHING", username);
    if (inserted.affected_rows() == 0) {
      return false;
    }
    insert_credentials(tx, username, credentials);
    return true;
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<bool> AccountStore::set_credentials(std::string username,
                                                    std::vector<ScramCredential> credentials) {
  validate_username(username);
  validate(credentials);
  auto work = [username = std::move(username),
               credentials = std::move(credentials)](pqxx::work& tx) {
    // The row lock keeps a concurrent remove() from slipping in between the two statements.
    if (tx.exec_params("SELECT 1 FROM accounts WHERE username = $1 FOR UPDATE", username).empty()) {
      return false;
    }
    tx.exec_params("DELETE FROM credentials WHERE username = $1", username);
    insert_credentials(tx, username, credentials);
    return true;
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<bool> AccountStore::remove(std::string username) {
  auto work = [username = std::move(username)](pqxx::work& tx) {
    // Credentials, roster and everything else owned by the account go by ON DELETE CASCADE.
    return tx.exec_params("DELETE FROM accounts WHERE username = $1", username).affected_rows() > 0;
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<bool> AccountStore::exists(std::string username) {
  auto work = [username = std::move(username)](pqxx::work& tx) {
    return !tx.exec_params("SELECT 1 FROM accounts WHERE username = $1", username).empty();
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<std::vector<std::string>> AccountStore::list() {
  auto work = [](pqxx::work& tx) {
    std::vector<std::string> usernames;
    // COLLATE "C": byte order, the same on every server whatever its locale.
    for (const auto& row :
         tx.exec("SELECT username FROM accounts ORDER BY username COLLATE \"C\"")) {
      usernames.push_back(row[0].as<std::string>());
    }
    return usernames;
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<std::optional<ScramCredential>> AccountStore::credential(std::string username,
                                                                         std::string hash) {
  auto work = [username = std::move(username),
               hash = std::move(hash)](pqxx::nontransaction& tx) -> std::optional<ScramCredential> {
    // Runs on every login: prepared, and outside a transaction.
    auto rows = exec_prepared(tx, "account_credential",
                              "SELECT salt, iterations, stored_key, server_key FROM credentials "
                              "WHERE username = $1 AND hash = $2",
                              username, hash);
    if (rows.empty()) {
      return std::nullopt;
    }
    const auto& row = rows[0];
    return ScramCredential{hash, pqxx::binarystring(row[0]).str(), row[1].as<unsigned>(),
                           pqxx::binarystring(row[2]).str(), pqxx::binarystring(row[3]).str()};
  };
  co_return co_await db_.read(std::move(work));
}

}  // namespace stoa::store
