// libFuzzer target: arbitrary JIDs, base64 and SASL exchanges. The first byte picks what the
// rest of the input is; SASL client messages are separated by '\n'.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "xmpp/jid.hpp"
#include "xmpp/sasl.hpp"
#include "xmpp/sasl_plain.hpp"
#include "xmpp/sasl_scram.hpp"
#include "xmpp/scram.hpp"

namespace {

namespace sasl = stoa::xmpp::sasl;
using stoa::xmpp::Jid;

void fuzz_jid(std::string_view input) {
  std::optional<Jid> jid = Jid::parse(input);
  if (!jid) {
    return;
  }
  // A prepared JID is its own preparation.
  std::optional<Jid> again = Jid::parse(jid->str());
  if (!again || *again != *jid || jid->domain().empty() || jid->domain().size() > 1023 ||
      jid->local().size() > 1023 || jid->resource().size() > 1023) {
    std::abort();
  }
  (void)jid->bare().bare_str();
  (void)jid->with_resource(input);
}

void fuzz_base64(std::string_view input) {
  std::optional<std::string> bytes = sasl::base64_decode(input);
  // The decoder accepts only canonical encodings, so encoding gives the input back.
  if (bytes && input != "=" && sasl::base64_encode(*bytes) != input) {
    std::abort();
  }
  if (sasl::base64_decode(sasl::base64_encode(input)) != std::string(input)) {
    std::abort();
  }
}

/// Credentials with a tiny iteration count: the fuzzer measures parsing, not PBKDF2.
const stoa::store::ScramCredential& credential(sasl::ScramHash hash) {
  static const auto sha1 = sasl::make_credential(sasl::ScramHash::sha1, "pencil", "salt", 2);
  static const auto sha256 = sasl::make_credential(sasl::ScramHash::sha256, "pencil", "salt", 2);
  return hash == sasl::ScramHash::sha1 ? sha1 : sha256;
}

void fuzz_exchange(std::uint8_t mode, std::string_view input) {
  const auto hash = (mode & 1) ? sasl::ScramHash::sha1 : sasl::ScramHash::sha256;
  const bool account_exists = (mode & 2) != 0;
  auto mechanism = (mode & 4) ? sasl::make_plain(1) : sasl::make_scram(hash, "SeRvEr", 1);

  bool started = false;
  bool finished = false;
  while (true) {
    const std::size_t newline = input.find('\n');
    const std::string_view message = input.substr(0, newline);
    sasl::Step step = started ? mechanism->respond(message) : mechanism->start(message);
    started = true;
    if (step.kind == sasl::Step::Kind::need_credential) {
      if (finished || step.username.empty()) {
        std::abort();
      }
      step = mechanism->provide_credential(
          account_exists ? std::optional(credential((mode & 4) ? sasl::ScramHash::sha256 : hash))
                         : std::nullopt);
    }
    if (step.kind == sasl::Step::Kind::success || step.kind == sasl::Step::Kind::failure) {
      // Nothing may follow the end of an exchange but more failures.
      if (finished && step.kind != sasl::Step::Kind::failure) {
        std::abort();
      }
      if (step.kind == sasl::Step::Kind::success && step.username.empty()) {
        std::abort();
      }
      finished = true;
    }
    if (newline == std::string_view::npos) {
      break;
    }
    input.remove_prefix(newline + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::uint8_t mode = data[0];
  switch (mode >> 4) {
    case 0:
      fuzz_jid(input);
      break;
    case 1:
      fuzz_base64(input);
      break;
    case 2:
      (void)stoa::xmpp::nodeprep(input);
      (void)stoa::xmpp::nameprep(input);
      (void)stoa::xmpp::resourceprep(input);
      (void)sasl::prepare_password(input);
      break;
    default:
      fuzz_exchange(mode, input);
      break;
  }
  return 0;
}
