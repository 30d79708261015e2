#pragma once

#include <pqxx/pqxx>
#include <string>
#include <utility>

namespace stoa::store {

/// Runs `sql` as the statement `name`, prepared on the transaction's connection the first time
/// it runs there. PostgreSQL then parses and plans it once per connection: for the statements
/// that run per message, login or presence change, planning cost more than executing. Every
/// use of one name must pass the same text (libpqxx refuses a different one).
template <typename... Args>
pqxx::result exec_prepared(pqxx::transaction_base& tx, const std::string& name,
                           const std::string& sql, Args&&... args) {
  // libpqxx 6 only records the definition here (again: a no-op) and sends it to the server on
  // first use, also after a reconnection.
  tx.conn().prepare(name, sql);
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

}  // namespace stoa::store
