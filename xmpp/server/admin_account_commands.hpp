#pragma once

#include <functional>
#include <string>

#include "conf/config.hpp"
#include "store/account_store.hpp"
#include "store/database.hpp"
#include "xmpp/server/admin_server.hpp"

namespace stoa::xmpp::server {

/// Called with the username (nodeprepped local part) of an account `user del` removed, so that
/// its live sessions can be closed. Runs on the admin strand.
using AccountRemovedCallback = std::function<void(const std::string& username)>;

/// Most accounts one `user add-bulk` creates.
inline constexpr unsigned kMaxBulkAccounts = 1'000'000;

/// Registers `user add JID PASSWORD`, `user del JID`, `user passwd JID PASSWORD`, `user list` and
/// `user add-bulk PREFIX COUNT PASSWORD` on `server`. JIDs must be bare and in config.domain.
/// New credentials are derived with config.scram_iterations on the admin strand (PBKDF2: tens of
/// milliseconds each), so the admin server should not run on a network worker. Every reference
/// must outlive `server`.
void register_account_commands(AdminServer& server, store::AccountStore& accounts,
                               store::Database& database, const conf::ServerConfig& config,
                               AccountRemovedCallback on_account_removed = {});

}  // namespace stoa::xmpp::server
