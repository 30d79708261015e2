#include "xmpp/sasl.hpp"

#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>

#include "xmpp/sasl_plain.hpp"
#include "xmpp/sasl_scram.hpp"
#include "xmpp/scram.hpp"

namespace stoa::xmpp::sasl {
namespace {

using Kind = Step::Kind;

constexpr unsigned kIterations = 4096;

std::string decoded(std::string_view base64) {
  std::optional<std::string> bytes = base64_decode(base64);
  EXPECT_TRUE(bytes) << base64;
  return bytes.value_or(std::string());
}

/// The attributes of a server-first-message, by name.
std::map<char, std::string> attributes(std::string_view message) {
  std::map<char, std::string> out;
  while (!message.empty()) {
    const std::size_t comma = message.find(',');
    const std::string_view item = message.substr(0, comma);
    if (item.size() >= 2) {
      out[item[0]] = std::string(item.substr(2));
    }
    message = comma == std::string_view::npos ? std::string_view() : message.substr(comma + 1);
  }
  return out;
}

/// The client side of RFC 5802 §3: the client-final-message answering `server_first`.
std::string client_final(ScramHash hash, std::string_view password,
                         std::string_view client_first_bare, std::string_view server_first,
                         std::string_view gs2_header = "n,,") {
  auto attrs = attributes(server_first);
  const std::string salted = salted_password(hash, password, decoded(attrs['s']),
                                             static_cast<unsigned>(std::stoul(attrs['i'])));
  const std::string client_key = hmac(hash, salted, "Client Key");
  const std::string without_proof = "c=" + base64_encode(gs2_header) + ",r=" + attrs['r'];
  const std::string auth_message =
      std::string(client_first_bare) + "," + std::string(server_first) + "," + without_proof;
  const std::string signature = hmac(hash, digest(hash, client_key), auth_message);
  std::string proof = client_key;
  for (std::size_t i = 0; i < proof.size(); ++i) {
    proof[i] = static_cast<char>(proof[i] ^ signature[i]);
  }
  return without_proof + ",p=" + base64_encode(proof);
}

store::ScramCredential credential_for(std::string_view password, ScramHash hash,
                                      std::string salt = "0123456789abcdef") {
  return make_credential(hash, prepare_password(password), std::move(salt), kIterations);
}

// ---- RFC test vectors ---------------------------------------------------------------------

TEST(ScramSha1, Rfc5802Vector_ExactMessages) {
  auto scram = make_scram(ScramHash::sha1, "3rfcNHYJY1ZVvWVs7j", kIterations);
  Step step = scram->start("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  ASSERT_EQ(step.kind, Kind::need_credential);
  EXPECT_EQ(step.username, "user");
  EXPECT_EQ(step.hash, "SHA-1");

  step = scram->provide_credential(
      make_credential(ScramHash::sha1, "pencil", decoded("QSXCR+Q6sek8bf92"), 4096));
  ASSERT_EQ(step.kind, Kind::challenge);
  EXPECT_EQ(step.data, "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");

  step = scram->respond(
      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  ASSERT_EQ(step.kind, Kind::success);
  EXPECT_EQ(step.username, "user");
  EXPECT_EQ(step.data, "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
}

TEST(ScramSha256, Rfc7677Vector_ExactMessages) {
  auto scram = make_scram(ScramHash::sha256, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", kIterations);
  Step step = scram->start("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  ASSERT_EQ(step.kind, Kind::need_credential);
  EXPECT_EQ(step.username, "user");
  EXPECT_EQ(step.hash, "SHA-256");

  step = scram->provide_credential(
      make_credential(ScramHash::sha256, "pencil", decoded("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096));
  ASSERT_EQ(step.kind, Kind::challenge);
  EXPECT_EQ(step.data,
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
            "i=4096");

  step = scram->respond(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  ASSERT_EQ(step.kind, Kind::success);
  EXPECT_EQ(step.data, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

TEST(ScramSha256, Rfc7677Vector_WrongProof_NotAuthorized) {
  auto scram = make_scram(ScramHash::sha256, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", kIterations);
  scram->start("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  scram->provide_credential(
      make_credential(ScramHash::sha256, "pencil", decoded("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096));
  // The RFC proof with its first byte changed.
  Step step = scram->respond(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  ASSERT_EQ(step.kind, Kind::failure);
  EXPECT_EQ(step.failure, Failure::not_authorized);
}

// ---- Full exchanges through make_mechanism ------------------------------------------------

struct ScramCase {
  const char* mechanism;
  ScramHash hash;
};

void PrintTo(const ScramCase& c, std::ostream* out) {
  *out << c.mechanism;
}

class ScramExchange : public ::testing::TestWithParam<ScramCase> {};

TEST_P(ScramExchange, RightPassword_SucceedsWithServerSignature) {
  const ScramCase& c = GetParam();
  auto mechanism = make_mechanism(c.mechanism, false);
  ASSERT_TRUE(mechanism);
  const std::string bare = "n=juliet,r=abcdefghijklmnop";
  Step step = mechanism->start("n,," + bare);
  ASSERT_EQ(step.kind, Kind::need_credential);
  EXPECT_EQ(step.hash, hash_name(c.hash));
  const store::ScramCredential credential = credential_for("secret", c.hash);
  step = mechanism->provide_credential(credential);
  ASSERT_EQ(step.kind, Kind::challenge);
  auto attrs = attributes(step.data);
  EXPECT_TRUE(attrs['r'].starts_with("abcdefghijklmnop"));
  EXPECT_GT(attrs['r'].size(), std::string("abcdefghijklmnop").size());
  EXPECT_EQ(attrs['s'], base64_encode(credential.salt));
  EXPECT_EQ(attrs['i'], "4096");
  for (char ch : attrs['r']) {
    EXPECT_TRUE(ch > 0x20 && ch < 0x7F && ch != ',');
  }

  const std::string final_message = client_final(c.hash, "secret", bare, step.data);
  step = mechanism->respond(final_message);
  ASSERT_EQ(step.kind, Kind::success);
  EXPECT_EQ(step.username, "juliet");
  EXPECT_TRUE(step.data.starts_with("v="));
}

TEST_P(ScramExchange, WrongPassword_NotAuthorized) {
  const ScramCase& c = GetParam();
  auto mechanism = make_mechanism(c.mechanism, true);
  const std::string bare = "n=juliet,r=abcdefghijklmnop";
  mechanism->start("n,," + bare);
  Step step = mechanism->provide_credential(credential_for("secret", c.hash));
  step = mechanism->respond(client_final(c.hash, "Secret", bare, step.data));
  ASSERT_EQ(step.kind, Kind::failure);
  EXPECT_EQ(step.failure, Failure::not_authorized);
  EXPECT_EQ(step.username, "juliet");  // so that the stream can count failures per account
}

TEST_P(ScramExchange, UnknownUser_FailsOnlyAtTheEnd) {
  const ScramCase& c = GetParam();
  auto mechanism = make_mechanism(c.mechanism, false, 12345);
  const std::string bare = "n=nobody,r=abcdefghijklmnop";
  Step step = mechanism->start("n,," + bare);
  ASSERT_EQ(step.kind, Kind::need_credential);
  step = mechanism->provide_credential(std::nullopt);
  ASSERT_EQ(step.kind, Kind::challenge);
  auto attrs = attributes(step.data);
  EXPECT_EQ(attrs['i'], "12345");
  EXPECT_EQ(decoded(attrs['s']).size(), kSaltBytes);

  step = mechanism->respond(client_final(c.hash, "anything", bare, step.data));
  ASSERT_EQ(step.kind, Kind::failure);
  EXPECT_EQ(step.failure, Failure::not_authorized);
  EXPECT_EQ(step.username, "nobody");
}

TEST_P(ScramExchange, UnknownUser_SaltStablePerUsername) {
  const ScramCase& c = GetParam();
  auto salt_for = [&](std::string_view user) {
    auto mechanism = make_mechanism(c.mechanism, false);
    mechanism->start("n,,n=" + std::string(user) + ",r=nonce");
    return attributes(mechanism->provide_credential(std::nullopt).data)['s'];
  };
  EXPECT_EQ(salt_for("nobody"), salt_for("nobody"));
  EXPECT_NE(salt_for("nobody"), salt_for("somebody"));
}

TEST_P(ScramExchange, NoInitialResponse_EmptyChallengeThenClientFirst) {
  const ScramCase& c = GetParam();
  auto mechanism = make_mechanism(c.mechanism, false);
  Step step = mechanism->start("");
  ASSERT_EQ(step.kind, Kind::challenge);
  EXPECT_TRUE(step.data.empty());
  const std::string bare = "n=juliet,r=xyz";
  step = mechanism->respond("n,," + bare);
  ASSERT_EQ(step.kind, Kind::need_credential);
  step = mechanism->provide_credential(credential_for("secret", c.hash));
  step = mechanism->respond(client_final(c.hash, "secret", bare, step.data));
  EXPECT_EQ(step.kind, Kind::success);
}

TEST_P(ScramExchange, ClientSupportsBindingFlagY_Accepted) {
  const ScramCase& c = GetParam();
  auto mechanism = make_mechanism(c.mechanism, false);
  const std::string bare = "n=juliet,r=xyz";
  mechanism->start("y,," + bare);
  Step step = mechanism->provide_credential(credential_for("secret", c.hash));
  step = mechanism->respond(client_final(c.hash, "secret", bare, step.data, "y,,"));
  EXPECT_EQ(step.kind, Kind::success);
}

TEST_P(ScramExchange, ChannelBindingMismatch_NotAuthorized) {
  const ScramCase& c = GetParam();
  auto mechanism = make_mechanism(c.mechanism, false);
  const std::string bare = "n=juliet,r=xyz";
  mechanism->start("y,," + bare);
  Step step = mechanism->provide_credential(credential_for("secret", c.hash));
  // The client claims in the final message to have sent "n,," (a downgrade attempt).
  step = mechanism->respond(client_final(c.hash, "secret", bare, step.data, "n,,"));
  ASSERT_EQ(step.kind, Kind::failure);
  EXPECT_EQ(step.failure, Failure::not_authorized);
}

TEST_P(ScramExchange, AuthzidOwnJid_Accepted) {
  const ScramCase& c = GetParam();
  for (std::string gs2 : {"n,a=juliet,", "n,a=juliet@example.com,", "n,a=Juliet@Example.com,"}) {
    auto mechanism = make_mechanism(c.mechanism, false);
    const std::string bare = "n=juliet,r=xyz";
    mechanism->start(gs2 + bare);
    Step step = mechanism->provide_credential(credential_for("secret", c.hash));
    ASSERT_EQ(step.kind, Kind::challenge) << gs2;
    step = mechanism->respond(client_final(c.hash, "secret", bare, step.data, gs2));
    EXPECT_EQ(step.kind, Kind::success) << gs2;
  }
}

TEST_P(ScramExchange, AuthzidOfSomeoneElse_InvalidAuthzid) {
  const ScramCase& c = GetParam();
  for (const char* gs2 : {"n,a=romeo,", "n,a=romeo@example.com,", "n,a=juliet@example.com/res,"}) {
    auto mechanism = make_mechanism(c.mechanism, false);
    Step step = mechanism->start(std::string(gs2) + "n=juliet,r=xyz");
    ASSERT_EQ(step.kind, Kind::failure) << gs2;
    EXPECT_EQ(step.failure, Failure::invalid_authzid) << gs2;
  }
}

INSTANTIATE_TEST_SUITE_P(Hashes, ScramExchange,
                         ::testing::Values(ScramCase{"SCRAM-SHA-256", ScramHash::sha256},
                                           ScramCase{"SCRAM-SHA-1", ScramHash::sha1}),
                         [](const auto& info) {
                           return info.param.hash == ScramHash::sha1 ? "Sha1" : "Sha256";
                         });

// ---- Usernames ----------------------------------------------------------------------------

Step start_scram(std::string_view client_first) {
  return make_scram(ScramHash::sha256, "server", kIterations)->start(client_first);
}

TEST(ScramUsername, Nodeprepped) {
  Step step = start_scram("n,,n=JULIET,r=x");
  ASSERT_EQ(step.kind, Kind::need_credential);
  EXPECT_EQ(step.username, "juliet");
}

TEST(ScramUsername, EscapesDecoded) {
  Step step = start_scram("n,,n=a=2Cb=3Dc,r=x");
  ASSERT_EQ(step.kind, Kind::need_credential);
  EXPECT_EQ(step.username, "a,b=c");
}

TEST(ScramUsername, UnknownEscape_MalformedRequest) {
  for (const char* message :
       {"n,,n=a=41,r=x", "n,,n=a=,r=x", "n,,n=a=2,r=x", "n,,n=a=2c,r=x", "n,,n==3d,r=x"}) {
    Step step = start_scram(message);
    ASSERT_EQ(step.kind, Kind::failure) << message;
    EXPECT_EQ(step.failure, Failure::malformed_request) << message;
  }
}

TEST(ScramUsername, FailsNodeprep_NotAuthorized) {
  for (const char* message : {"n,,n=jul iet,r=x", "n,,n=a@b,r=x", "n,,n=\xC2\xAD,r=x"}) {
    Step step = start_scram(message);
    ASSERT_EQ(step.kind, Kind::failure) << message;
    EXPECT_EQ(step.failure, Failure::not_authorized) << message;
  }
}

// ---- Malformed input ----------------------------------------------------------------------

TEST(ScramMalformed, ClientFirst_EachFails) {
  const std::string messages[] = {
      "x",
      "n",
      "n,",
      "n,,",
      ",,n=user,r=x",
      "p=tls-unique,,n=user,r=x",  // channel binding is not offered
      "q,,n=user,r=x",
      "n,a,n=user,r=x",
      "n,a=,n=user,r=x",
      "n,b=user,n=user,r=x",
      "n,,m=ext,n=user,r=x",  // unknown mandatory extension
      "n,,n=user",
      "n,,n=user,",
      "n,,n=user,r=",
      "n,,n=user,r=a b",
      "n,,n=user,r=\x7F",
      "n,,r=x,n=user",
      "n,,n=,r=x",
      "n,,n=user,r=x,",
      "n,,n=user,r=x,1=y",
      "n,,n=user,r=x,e",
      "n,,n=user,r=x,e=",
      "n,,n=us\xFFr,r=x",
      std::string("n,,n=us\0er,r=x", 14),
      "n,,N=user,r=x",
  };
  for (const std::string& message : messages) {
    Step step = start_scram(message);
    ASSERT_EQ(step.kind, Kind::failure) << message;
    EXPECT_EQ(step.failure, Failure::malformed_request) << message;
    EXPECT_EQ(step.username, "") << message;
  }
}

TEST(ScramMalformed, OptionalExtensions_Accepted) {
  Step step = start_scram("n,,n=user,r=x,e=ext,f=more");
  EXPECT_EQ(step.kind, Kind::need_credential);
}

class ScramFinal : public ::testing::Test {
 protected:
  void SetUp() override {
    scram_ = make_scram(ScramHash::sha256, "SERVER", kIterations);
    ASSERT_EQ(scram_->start("n,," + bare_).kind, Kind::need_credential);
    Step step = scram_->provide_credential(credential_for("secret", ScramHash::sha256));
    ASSERT_EQ(step.kind, Kind::challenge);
    server_first_ = step.data;
    good_ = client_final(ScramHash::sha256, "secret", bare_, server_first_);
  }

  const std::string bare_ = "n=user,r=client";
  std::unique_ptr<Mechanism> scram_;
  std::string server_first_;
  std::string good_;
};

TEST_F(ScramFinal, GoodMessage_Succeeds) {
  EXPECT_EQ(scram_->respond(good_).kind, Kind::success);
}

TEST_F(ScramFinal, ExtensionBeforeProof_Accepted) {
  // The proof covers the extension, so the client message is built around it.
  const std::string without_proof = "c=biws,r=clientSERVER,x=ext";
  const std::string salted =
      salted_password(ScramHash::sha256, "secret", "0123456789abcdef", kIterations);
  const std::string client_key = hmac(ScramHash::sha256, salted, "Client Key");
  const std::string signature = hmac(ScramHash::sha256, digest(ScramHash::sha256, client_key),
                                     bare_ + "," + server_first_ + "," + without_proof);
  std::string proof = client_key;
  for (std::size_t i = 0; i < proof.size(); ++i) {
    proof[i] = static_cast<char>(proof[i] ^ signature[i]);
  }
  EXPECT_EQ(scram_->respond(without_proof + ",p=" + base64_encode(proof)).kind, Kind::success);
}

TEST_F(ScramFinal, WrongNonce_NotAuthorized) {
  std::string message = good_;
  message.replace(message.find("clientSERVER"), 12, "clientSERVEX");
  Step step = scram_->respond(message);
  ASSERT_EQ(step.kind, Kind::failure);
  EXPECT_EQ(step.failure, Failure::not_authorized);
}

TEST_F(ScramFinal, MalformedMessages_MalformedRequest) {
  const std::string proof = good_.substr(good_.find(",p=") + 3);
  const std::string messages[] = {
      "",
      "c=biws",
      "c=biws,r=clientSERVER",
      "r=clientSERVER,c=biws,p=" + proof,
      "c=biws,p=" + proof + ",r=clientSERVER",
      "c=biws,r=clientSERVER,p=",
      "c=biws,r=clientSERVER,p=AAAA",  // proof of the wrong length
      "c=biws,r=clientSERVER,p=" + proof.substr(1),
      "c=bi ws,r=clientSERVER,p=" + proof,
      "c=,r=clientSERVER,p=" + proof,
      "c=biws,r=clientSERVER,p=" + proof + ",",
      "c=biws,r=clientSERVER,,p=" + proof,
      "c=biws,r=clientSERVER,p=" + proof + "\xFF",
  };
  for (const std::string& message : messages) {
    SetUp();
    Step step = scram_->respond(message);
    ASSERT_EQ(step.kind, Kind::failure) << message;
    EXPECT_EQ(step.failure, Failure::malformed_request) << message;
  }
}

// ---- State machine ------------------------------------------------------------------------

TEST(ScramState, RespondBeforeStart_Fails) {
  auto scram = make_mechanism("SCRAM-SHA-256", false);
  EXPECT_EQ(scram->respond("n,,n=user,r=x").kind, Kind::failure);
  // The failure is final.
  EXPECT_EQ(scram->start("n,,n=user,r=x").kind, Kind::failure);
}

TEST(ScramState, CredentialNotAskedFor_Fails) {
  auto scram = make_mechanism("SCRAM-SHA-256", false);
  EXPECT_EQ(scram->provide_credential(std::nullopt).kind, Kind::failure);
}

TEST(ScramState, RespondWhileWaitingForCredential_Fails) {
  auto scram = make_mechanism("SCRAM-SHA-256", false);
  ASSERT_EQ(scram->start("n,,n=user,r=x").kind, Kind::need_credential);
  EXPECT_EQ(scram->respond("c=biws,r=x,p=AAAA").kind, Kind::failure);
  EXPECT_EQ(scram->provide_credential(credential_for("secret", ScramHash::sha256)).kind,
            Kind::failure);
}

TEST(ScramState, StartTwice_Fails) {
  auto scram = make_mechanism("SCRAM-SHA-256", false);
  ASSERT_EQ(scram->start("n,,n=user,r=x").kind, Kind::need_credential);
  EXPECT_EQ(scram->start("n,,n=user,r=x").kind, Kind::failure);
}

TEST(ScramState, AfterSuccess_EverythingFails) {
  auto scram = make_scram(ScramHash::sha256, "S", kIterations);
  const std::string bare = "n=user,r=c";
  scram->start("n,," + bare);
  Step step = scram->provide_credential(credential_for("secret", ScramHash::sha256));
  const std::string final_message = client_final(ScramHash::sha256, "secret", bare, step.data);
  ASSERT_EQ(scram->respond(final_message).kind, Kind::success);
  EXPECT_EQ(scram->respond(final_message).kind, Kind::failure);
  EXPECT_EQ(scram->start("n,," + bare).kind, Kind::failure);
  EXPECT_EQ(scram->provide_credential(std::nullopt).kind, Kind::failure);
}

TEST(ScramState, AfterFailure_RightAnswerStillFails) {
  auto scram = make_scram(ScramHash::sha256, "S", kIterations);
  const std::string bare = "n=user,r=c";
  scram->start("n,," + bare);
  Step step = scram->provide_credential(credential_for("secret", ScramHash::sha256));
  ASSERT_EQ(scram->respond("garbage").kind, Kind::failure);
  EXPECT_EQ(scram->respond(client_final(ScramHash::sha256, "secret", bare, step.data)).kind,
            Kind::failure);
}

TEST(ScramCredential, WrongHashOrKeySize_TemporaryAuthFailure) {
  store::ScramCredential sha1 = credential_for("secret", ScramHash::sha1);
  store::ScramCredential short_key = credential_for("secret", ScramHash::sha256);
  short_key.stored_key.pop_back();
  store::ScramCredential no_iterations = credential_for("secret", ScramHash::sha256);
  no_iterations.iterations = 0;
  for (const store::ScramCredential& credential : {sha1, short_key, no_iterations}) {
    auto scram = make_mechanism("SCRAM-SHA-256", false);
    scram->start("n,,n=user,r=x");
    Step step = scram->provide_credential(credential);
    ASSERT_EQ(step.kind, Kind::failure);
    EXPECT_EQ(step.failure, Failure::temporary_auth_failure);
  }
}

// ---- PLAIN --------------------------------------------------------------------------------

std::string plain(std::string_view authzid, std::string_view authcid, std::string_view password) {
  std::string message(authzid);
  message += '\0';
  message += authcid;
  message += '\0';
  message += password;
  return message;
}

TEST(Plain, RightPassword_Succeeds) {
  auto mechanism = make_mechanism("PLAIN", true);
  ASSERT_TRUE(mechanism);
  Step step = mechanism->start(plain("", "Juliet", "secret"));
  ASSERT_EQ(step.kind, Kind::need_credential);
  EXPECT_EQ(step.username, "juliet");
  EXPECT_EQ(step.hash, "SHA-256");
  step = mechanism->provide_credential(credential_for("secret", ScramHash::sha256));
  ASSERT_EQ(step.kind, Kind::success);
  EXPECT_EQ(step.username, "juliet");
  EXPECT_TRUE(step.data.empty());
}

TEST(Plain, WrongPassword_NotAuthorized) {
  auto mechanism = make_mechanism("PLAIN", true);
  mechanism->start(plain("", "juliet", "Secret"));
  Step step = mechanism->provide_credential(credential_for("secret", ScramHash::sha256));
  ASSERT_EQ(step.kind, Kind::failure);
  EXPECT_EQ(step.failure, Failure::not_authorized);
  EXPECT_EQ(step.username, "juliet");
}

TEST(Plain, UnknownUser_NotAuthorized) {
  auto mechanism = make_plain(kIterations);
  ASSERT_EQ(mechanism->start(plain("", "nobody", "secret")).kind, Kind::need_credential);
  Step step = mechanism->provide_credential(std::nullopt);
  ASSERT_EQ(step.kind, Kind::failure);
  EXPECT_EQ(step.failure, Failure::not_authorized);
}

TEST(Plain, WithoutTls_NotOfferedNorCreated) {
  EXPECT_EQ(make_mechanism("PLAIN", false), nullptr);
  const auto names = offered_mechanisms(false);
  EXPECT_EQ(names, (std::vector<std::string>{"SCRAM-SHA-256", "SCRAM-SHA-1"}));
}

TEST(Plain, WithTls_OfferedLast) {
  EXPECT_EQ(offered_mechanisms(true),
            (std::vector<std::string>{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}));
}

TEST(Plain, NoInitialResponse_EmptyChallengeThenMessage) {
  auto mechanism = make_plain(kIterations);
  Step step = mechanism->start("");
  ASSERT_EQ(step.kind, Kind::challenge);
  EXPECT_TRUE(step.data.empty());
  ASSERT_EQ(mechanism->respond(plain("", "juliet", "secret")).kind, Kind::need_credential);
  EXPECT_EQ(mechanism->provide_credential(credential_for("secret", ScramHash::sha256)).kind,
            Kind::success);
}

TEST(Plain, Authzid_OwnAcceptedOtherRefused) {
  auto own = make_plain(kIterations);
  EXPECT_EQ(own->start(plain("juliet@example.com", "juliet", "secret")).kind,
            Kind::need_credential);
  auto other = make_plain(kIterations);
  Step step = other->start(plain("romeo@example.com", "juliet", "secret"));
  ASSERT_EQ(step.kind, Kind::failure);
  EXPECT_EQ(step.failure, Failure::invalid_authzid);
}

TEST(Plain, MalformedMessages_MalformedRequest) {
  const std::string messages[] = {
      "juliet",
      std::string("juliet\0secret", 13),
      plain("", "", "secret"),
      plain("", "juliet", ""),
      plain("", "juliet", "sec\xFFret"),
      plain("", "jul\xC3", "secret"),
      plain("\xFF", "juliet", "secret"),
      plain("", "juliet", std::string("se\0cret", 7)),
      plain("", "juliet", std::string(1024, 'x')),
  };
  for (const std::string& message : messages) {
    auto mechanism = make_plain(kIterations);
    Step step = mechanism->start(message);
    ASSERT_EQ(step.kind, Kind::failure) << message;
    EXPECT_EQ(step.failure, Failure::malformed_request) << message;
  }
}

TEST(Plain, UsernameFailsNodeprep_NotAuthorized) {
  Step step = make_plain(kIterations)->start(plain("", "jul iet", "secret"));
  ASSERT_EQ(step.kind, Kind::failure);
  EXPECT_EQ(step.failure, Failure::not_authorized);
}

TEST(Plain, StateMachine_StepsOutOfOrderFail) {
  auto mechanism = make_plain(kIterations);
  EXPECT_EQ(mechanism->respond(plain("", "juliet", "secret")).kind, Kind::failure);
  auto done = make_plain(kIterations);
  done->start(plain("", "juliet", "secret"));
  ASSERT_EQ(done->provide_credential(credential_for("secret", ScramHash::sha256)).kind,
            Kind::success);
  EXPECT_EQ(done->provide_credential(credential_for("secret", ScramHash::sha256)).kind,
            Kind::failure);
  EXPECT_EQ(done->respond(plain("", "juliet", "secret")).kind, Kind::failure);
}

// ---- Credentials --------------------------------------------------------------------------

TEST(DeriveCredentials, BothHashesWithOwnSalts) {
  const auto credentials = derive_credentials("secret", 5000);
  ASSERT_EQ(credentials.size(), 2u);
  EXPECT_EQ(credentials[0].hash, "SHA-1");
  EXPECT_EQ(credentials[1].hash, "SHA-256");
  for (const auto& credential : credentials) {
    EXPECT_EQ(credential.iterations, 5000u);
    EXPECT_EQ(credential.salt.size(), kSaltBytes);
  }
  EXPECT_EQ(credentials[0].stored_key.size(), 20u);
  EXPECT_EQ(credentials[0].server_key.size(), 20u);
  EXPECT_EQ(credentials[1].stored_key.size(), 32u);
  EXPECT_EQ(credentials[1].server_key.size(), 32u);
  EXPECT_NE(credentials[0].salt, credentials[1].salt);
  EXPECT_NE(derive_credentials("secret", 5000)[1].salt, credentials[1].salt);
}

TEST(DeriveCredentials, UsableByScramAndPlain) {
  const auto credentials = derive_credentials("pencil", kIterations);
  for (const auto& [name, hash, index] :
       {std::tuple{"SCRAM-SHA-1", ScramHash::sha1, 0}, {"SCRAM-SHA-256", ScramHash::sha256, 1}}) {
    auto scram = make_mechanism(name, false);
    const std::string bare = "n=user,r=c";
    scram->start("n,," + bare);
    Step step = scram->provide_credential(credentials[static_cast<std::size_t>(index)]);
    step = scram->respond(client_final(hash, "pencil", bare, step.data));
    EXPECT_EQ(step.kind, Kind::success) << name;
  }
  auto mechanism = make_plain(kIterations);
  mechanism->start(plain("", "user", "pencil"));
  EXPECT_EQ(mechanism->provide_credential(credentials[1]).kind, Kind::success);
}

TEST(DeriveCredentials, PasswordSaslprepped) {
  // RFC 4013 §3: SOFT HYPHEN maps to nothing, so "I\u00ADX" is the password "IX".
  const auto credentials = derive_credentials("I\xC2\xADX", kIterations);
  auto mechanism = make_plain(kIterations);
  mechanism->start(plain("", "user", "IX"));
  EXPECT_EQ(mechanism->provide_credential(credentials[1]).kind, Kind::success);
  // And a SCRAM client that preps "I\u00ADX" to "IX" proves with "IX".
  auto scram = make_mechanism("SCRAM-SHA-256", false);
  scram->start("n,,n=user,r=c");
  Step step = scram->provide_credential(credentials[1]);
  EXPECT_EQ(scram->respond(client_final(ScramHash::sha256, "IX", "n=user,r=c", step.data)).kind,
            Kind::success);
}

TEST(DeriveCredentials, UnpreparablePasswordUsedRaw) {
  // U+0007 is prohibited by SASLprep: the raw bytes are the password.
  const std::string password = "bell\x07";
  EXPECT_EQ(prepare_password(password), password);
  const auto credentials = derive_credentials(password, kIterations);
  auto mechanism = make_plain(kIterations);
  mechanism->start(plain("", "user", password));
  EXPECT_EQ(mechanism->provide_credential(credentials[1]).kind, Kind::success);
}

TEST(PreparePassword, Rfc4013Examples) {
  EXPECT_EQ(prepare_password("user"), "user");
  EXPECT_EQ(prepare_password("USER"), "USER");        // no case folding
  EXPECT_EQ(prepare_password("\xC2\xAA"), "a");       // U+00AA → a (NFKC)
  EXPECT_EQ(prepare_password("\xE2\x85\xA8"), "IX");  // U+2168 → IX
  EXPECT_EQ(prepare_password("a\xC2\xA0"
                             "b"),
            "a b");                             // non-ASCII space → space
  EXPECT_EQ(prepare_password("\xFF"), "\xFF");  // not UTF-8: raw
}

// ---- Mechanism names and conditions -------------------------------------------------------

TEST(MakeMechanism, UnknownName_Nullptr) {
  EXPECT_EQ(make_mechanism("DIGEST-MD5", true), nullptr);
  EXPECT_EQ(make_mechanism("SCRAM-SHA-256-PLUS", true), nullptr);
  EXPECT_EQ(make_mechanism("", true), nullptr);
  EXPECT_EQ(make_mechanism("scram-sha-256", true), nullptr);
}

TEST(FailureNames, MatchRfc6120Elements) {
  EXPECT_EQ(to_string(Failure::not_authorized), "not-authorized");
  EXPECT_EQ(to_string(Failure::malformed_request), "malformed-request");
  EXPECT_EQ(to_string(Failure::invalid_authzid), "invalid-authzid");
  EXPECT_EQ(to_string(Failure::temporary_auth_failure), "temporary-auth-failure");
  EXPECT_EQ(to_string(Failure::encryption_required), "encryption-required");
}

// ---- base64 -------------------------------------------------------------------------------

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain_text, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain_text), encoded);
    EXPECT_EQ(base64_decode(encoded), plain_text);
  }
}

TEST(Base64, RoundTripAllByteValuesAndLengths) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    bytes += static_cast<char>(i * 7 % 256);
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << i;
  }
}

TEST(Base64, LoneEquals_DecodesToEmpty) {
  EXPECT_EQ(base64_decode("="), "");
}

TEST(Base64, Malformed_Nullopt) {
  for (const char* text : {"Zg", "Zg=", "Zm9", "Z===", "====", "==", "Zm9v\n", "Zm 9v", "Zh==",
                           "Zm9=", "Zg==Zg==", "Z@==", "Zm9vY===", "Zm-v", "Zm_v", "=Zm9"}) {
    EXPECT_FALSE(base64_decode(text)) << text;
  }
}

}  // namespace
}  // namespace stoa::xmpp::sasl
