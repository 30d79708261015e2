#include "muc/mam_serve.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <stdexcept>

#include "tests/unit/muc/in_memory_muc_store.hpp"
#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

constexpr std::string_view kAlice = "alice@example.org/phone";

/// Answers with what the test put in, or fails as told; remembers the last query.
class FakeMamStore : public MamStore {
 public:
  ArchivePage page;
  ArchiveMetadata metadata_answer;
  enum class Failure { none, busy, broken } failure = Failure::none;
  std::optional<ArchiveQuery> asked;
  std::string asked_room;

  asio::awaitable<ArchivePage> query(std::string room, ArchiveQuery query) override {
    fail_if_told();
    asked_room = std::move(room);
    asked = std::move(query);
    co_return page;
  }
  asio::awaitable<ArchiveMetadata> metadata(std::string room) override {
    fail_if_told();
    asked_room = std::move(room);
    co_return metadata_answer;
  }

 private:
  void fail_if_told() const {
    if (failure == Failure::busy) {
      throw ArchiveBusy("full");
    }
    if (failure == Failure::broken) {
      throw std::runtime_error("database unreachable");
    }
  }
};

/// Records each delivery as (stanza, recipients).
class RecordingDeliverer : public Deliverer {
 public:
  std::vector<std::pair<std::string, std::vector<std::string>>> deliveries;

  asio::awaitable<std::vector<xmpp::Jid>> deliver(const xmpp::Element& stanza,
                                                  const std::vector<xmpp::Jid>& to) override {
    std::vector<std::string> recipients;
    for (const xmpp::Jid& jid : to) {
      recipients.push_back(jid.str());
    }
    deliveries.emplace_back(stanza.str(xmpp::ns::kClient), std::move(recipients));
    co_return std::vector<xmpp::Jid>{};
  }
  /// The stanzas delivered, parsed, in order.
  std::vector<xmpp::Element> stanzas() const {
    std::vector<xmpp::Element> out;
    for (const auto& [text, to] : deliveries) {
      out.push_back(xml(text));
    }
    return out;
  }
};

ArchiveEntry entry(const std::string& id, const std::string& nick, const std::string& sender,
                   long seconds) {
  ArchiveEntry out;
  out.stanza_id = id;
  out.timestamp = at(seconds);
  out.nick = nick;
  out.sender = sender;
  out.stanza = "<message xmlns='jabber:client' from='" + kRoom + "/" + nick +
               "' type='groupchat'><body>" + id + "</body></message>";
  return out;
}

class MamServeTest : public ::testing::Test {
 protected:
  MamServeTest() {
    request.to = jid(kAlice);
    request.iq_id = "q1";
    request.query_id = "f1";
    request.requester = "alice@example.org";
    store.page.entries = {entry("a", "alice", "alice@example.org", 1),
                          entry("b", "bob", "bob@example.org", 2)};
    store.page.count = 2;
    store.page.complete = true;
  }

  std::string serve() {
    asio::io_context context;
    std::string problem;
    asio::co_spawn(context, serve_archive(std::move(request), kRoom, store, deliverer),
                   [&problem](std::exception_ptr failure, std::string reported) {
                     if (failure) {
                       std::rethrow_exception(failure);
                     }
                     problem = std::move(reported);
                   });
    context.run();
    return problem;
  }

  /// The body of the message a result forwards.
  static std::string forwarded_body(const xmpp::Element& message) {
    return message.child("result", ns::kMam)
        ->child("forwarded", xmpp::ns::kForward)
        ->child("message", xmpp::ns::kClient)
        ->child_text("body");
  }
  static const xmpp::Element* forwarded_item(const xmpp::Element& message) {
    return item_of(*message.child("result", ns::kMam)
                        ->child("forwarded", xmpp::ns::kForward)
                        ->child("message", xmpp::ns::kClient));
  }

  ServeArchive request;
  FakeMamStore store;
  RecordingDeliverer deliverer;
};

TEST_F(MamServeTest, Page_ResultsInOrderThenFinAllToTheRequester) {
  request.query.max = 20;
  request.query.nick = "bob";
  EXPECT_EQ(serve(), "");
  ASSERT_TRUE(store.asked);
  EXPECT_EQ(store.asked_room, kRoom);
  EXPECT_EQ(store.asked->max, 20u);
  EXPECT_EQ(store.asked->nick, "bob");
  std::vector<xmpp::Element> sent = deliverer.stanzas();
  ASSERT_EQ(sent.size(), 3u);
  for (const auto& [text, to] : deliverer.deliveries) {
    EXPECT_EQ(to, std::vector<std::string>{std::string(kAlice)});
  }
  EXPECT_EQ(forwarded_body(sent[0]), "a");
  EXPECT_EQ(forwarded_body(sent[1]), "b");
  EXPECT_EQ(sent[0].child("result", ns::kMam)->attr_or("queryid"), "f1");
  EXPECT_EQ(sent[0].attr_or("from"), kRoom);
  const xmpp::Element& fin = sent[2];
  EXPECT_EQ(fin.name(), "iq");
  EXPECT_EQ(fin.attr_or("type"), "result");
  EXPECT_EQ(fin.attr_or("id"), "q1");
  EXPECT_EQ(fin.attr_or("from"), kRoom);
  ASSERT_NE(fin.child("fin", ns::kMam), nullptr);
  EXPECT_EQ(fin.child("fin", ns::kMam)->attr_or("complete"), "true");
  EXPECT_EQ(fin.child("fin", ns::kMam)->child("set", ns::kRsm)->child_text("first", ns::kRsm), "a");
}

TEST_F(MamServeTest, Flip_NewestFirstButTheSameFin) {
  request.flip = true;
  serve();
  std::vector<xmpp::Element> sent = deliverer.stanzas();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(forwarded_body(sent[0]), "b");
  EXPECT_EQ(forwarded_body(sent[1]), "a");
  const xmpp::Element* set = sent[2].child("fin", ns::kMam)->child("set", ns::kRsm);
  EXPECT_EQ(set->child_text("first", ns::kRsm), "a");
  EXPECT_EQ(set->child_text("last", ns::kRsm), "b");
}

TEST_F(MamServeTest, SemiAnonymous_OnlyTheRequestersOwnRealJid) {
  serve();
  std::vector<xmpp::Element> sent = deliverer.stanzas();
  ASSERT_NE(forwarded_item(sent[0]), nullptr);
  EXPECT_EQ(forwarded_item(sent[0])->attr_or("jid"), "alice@example.org");
  EXPECT_EQ(forwarded_item(sent[1]), nullptr);
}

TEST_F(MamServeTest, RealJidsShown_EverySender) {
  request.show_real_jids = true;
  serve();
  std::vector<xmpp::Element> sent = deliverer.stanzas();
  ASSERT_NE(forwarded_item(sent[1]), nullptr);
  EXPECT_EQ(forwarded_item(sent[1])->attr_or("jid"), "bob@example.org");
}

TEST_F(MamServeTest, UnknownId_ItemNotFoundAndNoResults) {
  store.page = ArchivePage{};
  store.page.unknown_id = "nope";
  serve();
  std::vector<xmpp::Element> sent = deliverer.stanzas();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(error_condition(sent[0]), "item-not-found");
  EXPECT_EQ(sent[0].attr_or("id"), "q1");
}

TEST_F(MamServeTest, StoreFails_InternalServerErrorToRetryAndReported) {
  store.failure = FakeMamStore::Failure::broken;
  const std::string problem = serve();
  EXPECT_NE(problem.find("database unreachable"), std::string::npos) << problem;
  std::vector<xmpp::Element> sent = deliverer.stanzas();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(error_condition(sent[0]), "internal-server-error");
  EXPECT_EQ(sent[0].child("error")->attr_or("type"), "wait");
  // The cause stays in the log, not in the answer.
  EXPECT_EQ(deliverer.deliveries[0].first.find("unreachable"), std::string::npos);
}

TEST_F(MamServeTest, StoreBusy_ResourceConstraint) {
  store.failure = FakeMamStore::Failure::busy;
  EXPECT_NE(serve(), "");
  std::vector<xmpp::Element> sent = deliverer.stanzas();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(error_condition(sent[0]), "resource-constraint");
}

TEST_F(MamServeTest, UnparsableArchivedStanza_LeftOutAndReported) {
  store.page.entries[0].stanza = "<message";
  EXPECT_NE(serve().find("did not parse"), std::string::npos);
  std::vector<xmpp::Element> sent = deliverer.stanzas();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(forwarded_body(sent[0]), "b");
  EXPECT_EQ(sent[1].name(), "iq");
}

TEST_F(MamServeTest, Metadata_FirstAndLast) {
  request.metadata = true;
  store.metadata_answer = ArchiveMetadata{ArchiveEnd{"a", at(1)}, ArchiveEnd{"b", at(2)}};
  EXPECT_EQ(serve(), "");
  std::vector<xmpp::Element> sent = deliverer.stanzas();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].attr_or("type"), "result");
  const xmpp::Element* metadata = sent[0].child("metadata", ns::kMam);
  ASSERT_NE(metadata, nullptr);
  EXPECT_EQ(metadata->child("start", ns::kMam)->attr_or("id"), "a");
  EXPECT_EQ(metadata->child("end", ns::kMam)->attr_or("id"), "b");
  EXPECT_FALSE(store.asked);
}

// The runner leaves archive requests to the host instead of running them in the room's turn.
TEST(OutcomeRunnerMam, ArchiveRequest_ReturnedNotRun) {
  Outcome outcome;
  ServeArchive serve;
  serve.to = jid(kAlice);
  serve.iq_id = "q9";
  outcome.actions.emplace_back(std::move(serve));
  InMemoryMucStore muc_store;
  RecordingDeliverer deliverer;
  const RunResult result = run_to_completion(std::move(outcome), kRoom, muc_store, deliverer);
  ASSERT_EQ(result.archive_requests.size(), 1u);
  EXPECT_EQ(result.archive_requests[0].iq_id, "q9");
  EXPECT_TRUE(deliverer.deliveries.empty());
}

}  // namespace
}  // namespace stoa::muc::testing
