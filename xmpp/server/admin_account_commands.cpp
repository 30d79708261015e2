#include "xmpp/server/admin_account_commands.hpp"

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "xmpp/jid.hpp"
#include "xmpp/sasl.hpp"

namespace stoa::xmpp::server {

namespace {

// Generous for any passphrase, small enough that PBKDF2 input stays trivial.
constexpr std::size_t kMaxPasswordBytes = 1024;
// Accounts per transaction in `user add-bulk`: large enough to amortise the commit, small
// enough that a failure loses little and no statement grows huge.
constexpr unsigned kBulkBatchSize = 1000;

struct AccountCommands {
  store::AccountStore& accounts;
  store::Database& database;
  std::string domain;
  unsigned iterations;
  AccountRemovedCallback on_removed;
};

using Context = std::shared_ptr<const AccountCommands>;

/// A username, or why the text does not name an account of this server.
struct Username {
  std::string name;
  std::string error;
};

Username username_of(std::string_view text, const std::string& domain) {
  std::string shown = "'" + std::string(text.substr(0, 256)) + "'";
  auto jid = Jid::parse(text);
  if (!jid) {
    return {{}, shown + " is not a valid JID"};
  }
  if (jid->local().empty()) {
    return {{}, shown + " is not a user JID; expected user@" + domain};
  }
  if (!jid->is_bare()) {
    return {{}, shown + " has a resource; give the bare JID " + jid->bare_str()};
  }
  if (jid->domain() != domain) {
    return {{}, shown + " is not in this server's domain " + domain};
  }
  return {jid->local(), {}};
}

/// Why `password` cannot be set, or empty when it can. Never echoes the password.
std::string password_problem(std::string_view password) {
  if (password.empty()) {
    return "the password is empty";
  }
  if (password.size() > kMaxPasswordBytes) {
    return "the password is longer than " + std::to_string(kMaxPasswordBytes) + " bytes";
  }
  // SASL PLAIN separates its fields with NUL, so such a password could never be typed in.
  if (password.find('\0') != std::string_view::npos) {
    return "the password contains a NUL byte";
  }
  return {};
}

asio::awaitable<AdminReply> add_user(Context ctx, std::vector<std::string> args) {
  Username user = username_of(args[0], ctx->domain);
  if (!user.error.empty()) {
    co_return AdminReply::failure(user.error);
  }
  if (auto problem = password_problem(args[1]); !problem.empty()) {
    co_return AdminReply::failure(problem);
  }
  auto credentials = sasl::derive_credentials(args[1], ctx->iterations);
  if (!co_await ctx->accounts.create(user.name, std::move(credentials))) {
    co_return AdminReply::failure("user " + user.name + "@" + ctx->domain + " already exists");
  }
  co_return AdminReply{};
}

asio::awaitable<AdminReply> delete_user(Context ctx, std::vector<std::string> args) {
  Username user = username_of(args[0], ctx->domain);
  if (!user.error.empty()) {
    co_return AdminReply::failure(user.error);
  }
  if (!co_await ctx->accounts.remove(user.name)) {
    co_return AdminReply::failure("no user " + user.name + "@" + ctx->domain);
  }
  std::string failure;
  if (ctx->on_removed) {
    try {
      ctx->on_removed(user.name);
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
  if (!failure.empty()) {
    co_return AdminReply::failure("user " + user.name + "@" + ctx->domain +
                                  " was deleted, but closing their sessions failed: " + failure);
  }
  co_return AdminReply{};
}

asio::awaitable<AdminReply> change_password(Context ctx, std::vector<std::string> args) {
  Username user = username_of(args[0], ctx->domain);
  if (!user.error.empty()) {
    co_return AdminReply::failure(user.error);
  }
  if (auto problem = password_problem(args[1]); !problem.empty()) {
    co_return AdminReply::failure(problem);
  }
  auto credentials = sasl::derive_credentials(args[1], ctx->iterations);
  if (!co_await ctx->accounts.set_credentials(user.name, std::move(credentials))) {
    co_return AdminReply::failure("no user " + user.name + "@" + ctx->domain);
  }
  co_return AdminReply{};
}

asio::awaitable<AdminReply> list_users(Context ctx, std::vector<std::string>) {
  auto names = co_await ctx->accounts.list();
  std::sort(names.begin(), names.end());
  AdminReply reply;
  reply.rows.reserve(names.size());
  for (auto& name : names) {
    reply.rows.push_back({name + "@" + ctx->domain});
  }
  co_return reply;
}

/// A PostgreSQL text[] literal: every element quoted, so no value can break out of it.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) {
      out += ',';
    }
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string hex(std::string_view bytes) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0x0F];
  }
  return out;
}

/// Inserts the accounts of `names` that do not exist yet, with `credentials`, into the tables of
/// store/migrations/0001_accounts.sql; returns how many were created.
std::size_t insert_batch(pqxx::work& tx, const std::vector<std::string>& names,
                         const std::vector<store::ScramCredential>& credentials) {
  pqxx::result inserted = tx.exec_params(
      "INSERT INTO accounts (username) SELECT unnest($1::text[]) "
      "ON CONFLICT (username) DO NOTHING RETURNING username",
      text_array(names));
  if (inserted.empty()) {
    return 0;
  }
  std::vector<std::string> created;
  created.reserve(inserted.size());
  for (const auto& row : inserted) {
    created.push_back(row[0].as<std::string>());
  }
  std::string created_array = text_array(created);
  for (const auto& credential : credentials) {
    tx.exec_params(
        "INSERT INTO credentials (username, hash, salt, iterations, stored_key, server_key) "
        "SELECT unnest($1::text[]), $2, decode($3, 'hex'), $4, decode($5, 'hex'), "
        "decode($6, 'hex')",
        created_array, credential.hash, hex(credential.salt), credential.iterations,
        hex(credential.stored_key), hex(credential.server_key));
  }
  return created.size();
}

std::optional<unsigned> parse_count(std::string_view text) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value == 0 ||
      value > kMaxBulkAccounts) {
    return std::nullopt;
  }
  return value;
}

asio::awaitable<AdminReply> add_bulk(Context ctx, std::vector<std::string> args) {
  const std::string& prefix = args[0];
  auto count = parse_count(args[1]);
  if (!count) {
    co_return AdminReply::failure("COUNT must be a whole number from 1 to " +
                                  std::to_string(kMaxBulkAccounts) + ", got '" +
                                  args[1].substr(0, 32) + "'");
  }
  if (auto problem = password_problem(args[2]); !problem.empty()) {
    co_return AdminReply::failure(problem);
  }
  // Checked before anything is written, so that a bad prefix creates nothing: the first and
  // the longest name cover the rules (bidi, length) that appended digits can break.
  if (!nodeprep(prefix + "1") || !nodeprep(prefix + std::to_string(*count))) {
    co_return AdminReply::failure("PREFIX '" + prefix.substr(0, 256) +
                                  "' does not make valid user names");
  }
  // One derivation for all: these are load-test accounts sharing one password, and PBKDF2 per
  // account would take hours for a million. They share salt and verifier too.
  auto credentials = sasl::derive_credentials(args[2], ctx->iterations);
  std::size_t created = 0;
  std::size_t skipped = 0;
  for (unsigned first = 1; first <= *count;) {
    unsigned last = std::min(*count, first + (kBulkBatchSize - 1));
    std::vector<std::string> names;
    names.reserve(last - first + 1);
    for (unsigned i = first; i <= last; ++i) {
      auto name = nodeprep(prefix + std::to_string(i));
      if (!name) {
        co_return AdminReply::failure("'" + prefix.substr(0, 256) + std::to_string(i) +
                                      "' is not a valid user name; " + std::to_string(created) +
                                      " accounts were created before it");
      }
      names.push_back(std::move(*name));
    }
    std::size_t batch = names.size();
    // A named lambda, not a temporary: GCC 12 miscompiles a temporary lambda passed by value to
    // a coroutine inside co_await (its captures are relocated bitwise, then freed).
    auto work = [names = std::move(names), credentials](pqxx::work& tx) {
      return insert_batch(tx, names, credentials);
    };
    std::size_t inserted = co_await ctx->database.transact(std::move(work));
    created += inserted;
    skipped += batch - inserted;
    first = last + 1;
  }
  co_return AdminReply{{{"created", std::to_string(created)}, {"skipped", std::to_string(skipped)}},
                       std::nullopt};
}

}  // namespace

void register_account_commands(AdminServer& server, store::AccountStore& accounts,
                               store::Database& database, const conf::ServerConfig& config,
                               AccountRemovedCallback on_account_removed) {
  auto ctx = std::make_shared<const AccountCommands>(
      AccountCommands{accounts, database, nameprep(config.domain).value_or(config.domain),
                      config.scram_iterations, std::move(on_account_removed)});
  server.add_command(
      {"user", "add", "JID PASSWORD", "Create an account", true},
      [ctx](std::vector<std::string> args) { return add_user(ctx, std::move(args)); });
  server.add_command(
      {"user", "del", "JID", "Delete an account and close its sessions", false},
      [ctx](std::vector<std::string> args) { return delete_user(ctx, std::move(args)); });
  server.add_command(
      {"user", "passwd", "JID PASSWORD", "Set an account's password", true},
      [ctx](std::vector<std::string> args) { return change_password(ctx, std::move(args)); });
  server.add_command(
      {"user", "list", "", "List the accounts", false},
      [ctx](std::vector<std::string> args) { return list_users(ctx, std::move(args)); });
  server.add_command(
      {"user", "add-bulk", "PREFIX COUNT PASSWORD",
       "Create accounts PREFIX1..PREFIXCOUNT with one password, for load tests", true},
      [ctx](std::vector<std::string> args) { return add_bulk(ctx, std::move(args)); });
}

}  // namespace stoa::xmpp::server
