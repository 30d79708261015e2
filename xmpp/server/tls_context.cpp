#include "xmpp/server/tls_context.hpp"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace stoa::xmpp::server {
namespace {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION, X509_EXTENSION_free>>;

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("generating the self-signed certificate: ") + what);
  }
}

void write_pem(const std::string& path, mode_t mode, auto&& writer) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  check(file != nullptr, "cannot open output file");
  ::chmod(path.c_str(), mode);
  bool ok = writer(file);
  std::fclose(file);
  check(ok, "cannot write PEM");
}

}  // namespace

void write_self_signed_certificate(const std::string& domain, const std::string& cert_path,
                                   const std::string& key_path) {
  KeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EC key generation failed");

  CertPtr cert(X509_new());
  check(cert != nullptr, "X509_new failed");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(domain.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);

  // Clients check the subjectAltName, not the CN (RFC 6125); XMPP services also need the
  // wildcard-free domain itself, which covers conference.<domain> only through its own entry.
  std::string san = "DNS:" + domain + ",DNS:*." + domain;
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str()));
  check(ext != nullptr, "subjectAltName");
  X509_add_ext(cert.get(), ext.get(), -1);
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signing failed");

  write_pem(key_path, 0600, [&](std::FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
  write_pem(cert_path, 0644, [&](std::FILE* f) { return PEM_write_X509(f, cert.get()) == 1; });
}

asio::ssl::context make_tls_context(const conf::ServerConfig& config, Logger& log) {
  std::string cert = config.tls_certificate;
  std::string key = config.tls_key;
  if (cert.empty()) {
    std::filesystem::path dir = std::filesystem::path(config.data_dir) / "tls";
    std::filesystem::create_directories(dir);
    ::chmod(dir.c_str(), 0700);
    cert = (dir / "certificate.pem").string();
    key = (dir / "key.pem").string();
    if (!std::filesystem::exists(cert) || !std::filesystem::exists(key)) {
      write_self_signed_certificate(config.domain, cert, key);
      log.info("tls", "generated a self-signed certificate for ", config.domain, " in ",
               dir.string());
    }
  }
  asio::ssl::context context(asio::ssl::context::tls_server);
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  try {
    context.use_certificate_chain_file(cert);
    context.use_private_key_file(key, asio::ssl::context::pem);
  } catch (const std::system_error& e) {
    throw std::runtime_error("loading TLS certificate " + cert + " / key " + key + ": " + e.what());
  }
  // Idle connections keep no TLS record buffers (20k mostly-idle sessions per node).
  SSL_CTX_set_mode(context.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  // Client-initiated renegotiation (TLS 1.2) is a cheap way to make the server burn CPU, and
  // no XMPP client needs it.
  SSL_CTX_set_options(context.native_handle(), SSL_OP_NO_RENEGOTIATION);
  return context;
}

}  // namespace stoa::xmpp::server
