#pragma once

#include <asio/ssl/context.hpp>
#include <string>

#include "common/log.hpp"
#include "conf/config.hpp"

namespace stoa::xmpp::server {

/// The server's TLS context: TLS 1.2+ with the configured certificate, or a self-signed one for
/// the domain that is made in data_dir/tls on first start and reused afterwards.
asio::ssl::context make_tls_context(const conf::ServerConfig& config, Logger& log);

/// Writes a self-signed certificate (EC P-256, SAN = domain, 10 years) and its key (mode 0600).
void write_self_signed_certificate(const std::string& domain, const std::string& cert_path,
                                   const std::string& key_path);

}  // namespace stoa::xmpp::server
