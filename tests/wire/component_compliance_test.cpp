// The compliance protocol (docs/compliance-protocol.md) over a component stream: room events
// in sequence order, acknowledgement, removal from the outbox, and resumption.

#include "tests/wire/component_wire_test.hpp"

namespace stoa::test {
namespace {

struct ReceivedEvent {
  std::int64_t seq = 0;
  std::string kind;
  std::string payload;
};

class ComplianceStreamTest : public ComponentWireTest {
 protected:
  /// Subscribes after `after`; returns the <subscribed/> result or nullopt.
  std::optional<xmpp::Element> subscribe(RawStream& component, std::int64_t after) {
    std::optional<xmpp::Element> reply = component_iq(
        component, kComplianceComponent, "s" + std::to_string(after),
        "<subscribe xmlns='urn:stoa:compliance:0' after='" + std::to_string(after) + "'/>");
    if (!reply || reply->attr_or("type") != "result") {
      ADD_FAILURE() << "subscribe failed: " << (reply ? reply->str() : component.received());
      return std::nullopt;
    }
    return reply;
  }

  /// Reads event messages until one carries a payload containing `text`.
  static std::vector<ReceivedEvent> events_until(RawStream& component, std::string_view text) {
    std::vector<ReceivedEvent> events;
    for (;;) {
      std::optional<xmpp::Element> message = component.wait_for([](const xmpp::Element& e) {
        return e.name() == "message" && e.child("events", xmpp::ns::kCompliance);
      });
      if (!message) {
        ADD_FAILURE() << "no event with '" << text << "'; received: " << component.received();
        return events;
      }
      bool found = false;
      for (const xmpp::Element* event :
           message->child("events", xmpp::ns::kCompliance)->children("event")) {
        events.push_back(
            {std::stoll(event->attr_or("seq")), event->attr_or("kind"), event->text()});
        found = found || events.back().payload.find(text) != std::string::npos;
      }
      if (found) {
        return events;
      }
    }
  }

  std::optional<xmpp::Element> ack(RawStream& component, std::int64_t seq) {
    return component_iq(component, kComplianceComponent, "a" + std::to_string(seq),
                        "<ack xmlns='urn:stoa:compliance:0' seq='" + std::to_string(seq) + "'/>");
  }

  /// Waits until `stoactl status` shows `value` for `key`.
  bool status_reaches(std::string_view key, std::string_view value) {
    return wait_until([&] { return status_value(key) == value; });
  }
};

TEST_F(ComplianceStreamTest, EventsInOrder_AckEmptiesOutbox_ResubscribeResumes) {
  ASSERT_TRUE(start_with_components({{"components.poll_interval_ms", "50"}}));
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  for (std::string body : {"first", "second", "third"}) {
    ASSERT_TRUE(say_and_wait(alice, "lobby", body));
  }

  std::unique_ptr<RawStream> component = connect_component(kComplianceComponent, kComplianceSecret);
  ASSERT_TRUE(subscribe(*component, 0));
  std::vector<ReceivedEvent> events = events_until(*component, "third");
  ASSERT_FALSE(events.empty());
  std::vector<std::string> bodies;
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, static_cast<std::int64_t>(i + 1)) << "sequence numbers start at 1 "
                                                                  "and have no gaps";
    if (events[i].kind == "message") {
      for (std::string body : {"first", "second", "third"}) {
        if (events[i].payload.find(body) != std::string::npos) {
          bodies.push_back(body);
        }
      }
    }
  }
  EXPECT_EQ(bodies, (std::vector<std::string>{"first", "second", "third"}));
  const std::int64_t last = events.back().seq;

  const std::optional<xmpp::Element> beyond = ack(*component, last + 100);
  ASSERT_TRUE(beyond) << component->received();
  EXPECT_EQ(stanza_error_condition(*beyond), "bad-request") << beyond->str();

  const std::optional<xmpp::Element> acked = ack(*component, last);
  ASSERT_TRUE(acked) << component->received();
  EXPECT_EQ(acked->attr_or("type"), "result") << acked->str();
  EXPECT_TRUE(status_reaches("compliance_outbox_events", "0"))
      << status_value("compliance_outbox_events");

  // Disconnected, the component misses nothing: the event waits in the outbox.
  component->close();
  ASSERT_TRUE(say_and_wait(alice, "lobby", "fourth"));
  EXPECT_TRUE(status_reaches("compliance_outbox_events", "1"));
  component = connect_component(kComplianceComponent, kComplianceSecret);
  const std::optional<xmpp::Element> resumed = subscribe(*component, last);
  ASSERT_TRUE(resumed);
  const xmpp::Element* subscribed = resumed->child("subscribed", xmpp::ns::kCompliance);
  ASSERT_NE(subscribed, nullptr) << resumed->str();
  EXPECT_EQ(subscribed->attr_or("acked"), std::to_string(last)) << resumed->str();
  std::vector<ReceivedEvent> after = events_until(*component, "fourth");
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.front().seq, last + 1);
}

TEST_F(ComplianceStreamTest, NoComponentConnected_EventsAccumulate) {
  ASSERT_TRUE(start_with_components({{"components.poll_interval_ms", "50"}}));
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  ASSERT_TRUE(say_and_wait(alice, "lobby", "kept"));
  EXPECT_TRUE(wait_until([&] { return status_value("compliance_oldest_seq") == "1"; }))
      << status_value("compliance_oldest_seq");
  EXPECT_EQ(status_value("component_" + kComplianceComponent), "disconnected");
  EXPECT_NE(status_value("compliance_outbox_events"), "0");
}

}  // namespace
}  // namespace stoa::test
