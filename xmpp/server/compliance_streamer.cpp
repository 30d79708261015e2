#include "xmpp/server/compliance_streamer.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <charconv>

#include "xmpp/namespaces.hpp"
#include "xmpp/server/component_session.hpp"
#include "xmpp/server/no_throw.hpp"

namespace stoa::xmpp::server {
namespace {

// Events read from the outbox at once, within the window.
constexpr std::size_t kReadLimit = 500;
// A <message/> of events is closed past this size (one event may make it larger), so that a
// component's parser never meets huge stanzas.
constexpr std::size_t kMessageBytes = 64 * 1024;

std::optional<std::int64_t> parse_seq(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0 || text.empty() ||
      text.front() == '+') {
    return std::nullopt;
  }
  return value;
}

void set_if_not_empty(Element& element, std::string_view key, const std::string& value) {
  if (!value.empty()) {
    element.set_attr(key, value);
  }
}

/// The events as <message/> stanzas of the protocol, in order.
std::vector<std::string> event_messages(const std::vector<store::OutboxEvent>& events,
                                        const std::string& from, const std::string& to) {
  std::vector<std::string> out;
  std::optional<Element> message;
  std::size_t bytes = 0;
  auto close_message = [&] {
    if (message) {
      out.emplace_back();
      message->write(out.back(), ns::kClient);
      message.reset();
    }
  };
  for (const store::OutboxEvent& event : events) {
    if (!message) {
      message.emplace("message", std::string(ns::kClient));
      message->set_attr("from", from);
      message->set_attr("to", to);
      message->set_attr("id", "c" + std::to_string(event.seq));
      message->add_child("events", std::string(ns::kCompliance));
      bytes = 0;
    }
    Element& item =
        message->child("events", ns::kCompliance)->add_child("event", std::string(ns::kCompliance));
    item.set_attr("seq", std::to_string(event.seq));
    item.set_attr("kind", event.kind);
    item.set_attr("room", event.room);
    item.set_attr("at", event.at);
    set_if_not_empty(item, "actor", event.actor_jid);
    set_if_not_empty(item, "nick", event.actor_nick);
    set_if_not_empty(item, "target", event.target_jid);
    set_if_not_empty(item, "target-nick", event.target_nick);
    set_if_not_empty(item, "stanza-id", event.stanza_id);
    if (!event.payload.empty()) {
      item.set_text(event.payload);
    }
    bytes += event.payload.size() + event.room.size() + 256;
    if (bytes >= kMessageBytes) {
      close_message();
    }
  }
  close_message();
  return out;
}

}  // namespace

ComplianceStreamer::ComplianceStreamer(asio::io_context& context, store::Database& db,
                                       const conf::ServerConfig& config, Logger& log)
    : context_(context), outbox_(db), config_(config), log_(log), wake_timer_(context) {
  for (const conf::ComponentConfig& component : config.components) {
    if (component.compliance) {
      entitled_.push_back(component.name);
    }
  }
}

void ComplianceStreamer::start() {
  asio::co_spawn(context_, run(), asio::detached);
}

void ComplianceStreamer::notify_committed(std::int64_t /*last_seq*/) {
  wake();
}

void ComplianceStreamer::wake() {
  asio::post(context_, [this] {
    woken_ = true;
    wake_timer_.cancel();
  });
}

asio::awaitable<void> ComplianceStreamer::run() {
  const auto poll = std::chrono::milliseconds(config_.compliance_poll_ms);
  for (;;) {
    bool more = false;
    try {
      if (std::chrono::steady_clock::now() - state_read_ >= poll) {
        co_await refresh_state();
      }
      std::vector<std::pair<std::string, Subscription>> ready;
      {
        std::lock_guard lock(mutex_);
        for (const auto& [name, subscription] : subscriptions_) {
          if (subscription.active) {
            ready.emplace_back(name, subscription);
          }
        }
      }
      for (auto& [name, subscription] : ready) {
        bool waiting = co_await send_some(name, subscription);
        more = more || waiting;
      }
    } catch (const std::exception& e) {
      log_.warn("compliance", "reading the outbox failed: ", e.what());
      more = false;
    }
    if (!more && !woken_) {
      wake_timer_.expires_after(poll);
      co_await wake_timer_.async_wait(kNoThrow);
    }
    woken_ = false;
  }
}

asio::awaitable<bool> ComplianceStreamer::send_some(std::string name, Subscription snapshot) {
  std::shared_ptr<ComponentSession> session = snapshot.session.lock();
  // A component that reads slowly is given no more than half its send queue, rather than
  // being cut off as a slow reader; the next poll tries again.
  if (!session || session->queued_bytes() > config_.send_queue_bytes / 2) {
    co_return false;
  }
  std::int64_t room =
      static_cast<std::int64_t>(config_.compliance_window) - (snapshot.sent - snapshot.acked);
  if (room <= 0) {
    co_return false;
  }
  std::size_t limit = std::min(static_cast<std::size_t>(room), kReadLimit);
  std::vector<store::OutboxEvent> events = co_await outbox_.read_after(snapshot.sent, limit);
  if (events.empty()) {
    co_return false;
  }
  std::vector<std::string> messages = event_messages(events, config_.domain, name);
  std::lock_guard lock(mutex_);
  auto current = subscriptions_.find(name);
  if (current == subscriptions_.end() || current->second.generation != snapshot.generation ||
      current->second.sent != snapshot.sent) {
    co_return true;  // resubscribed meanwhile: start over from its position
  }
  // Under the lock, so that an ack is checked against what was queued for sending. The
  // session posts rather than writes inline, so this never re-enters the streamer.
  for (std::string& message : messages) {
    session->deliver_serialized(std::move(message));
  }
  current->second.sent = events.back().seq;
  co_return events.size() == limit;
}

asio::awaitable<void> ComplianceStreamer::refresh_state() {
  store::OutboxState state = co_await outbox_.state();
  {
    std::lock_guard lock(mutex_);
    state_ = state;
    state_known_ = true;
  }
  state_read_ = std::chrono::steady_clock::now();
  bool over = state.size > static_cast<std::int64_t>(config_.compliance_outbox_warning);
  if (over && !over_warning_) {
    auto age = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() -
                                                                state.oldest_at);
    log_.warn("compliance", "the outbox holds ", state.size,
              " events, more than components.outbox_warning (", config_.compliance_outbox_warning,
              "); oldest seq=", state.oldest_seq, " age_seconds=", age.count(),
              ": is a compliance component down or too slow?");
  } else if (!over && over_warning_) {
    log_.info("compliance", "the outbox is back under components.outbox_warning: ", state.size,
              " events");
  }
  over_warning_ = over;
}

asio::awaitable<IqOutcome> ComplianceStreamer::subscribe(std::shared_ptr<ComponentSession> session,
                                                         const Element& request) {
  const conf::ComponentConfig& component = *session->component();
  if (!component.compliance) {
    co_return StanzaError(StanzaCondition::forbidden,
                          "this component is not authorized for compliance");
  }
  std::optional<std::int64_t> after = parse_seq(request.attr_or("after", "0"));
  if (!after) {
    co_return StanzaError(StanzaCondition::bad_request, "'after' must be a sequence number");
  }
  std::int64_t acked = co_await outbox_.acked(component.name);
  store::OutboxState state = co_await outbox_.state();
  if (*after > state.last_seq) {
    co_return StanzaError(
        StanzaCondition::bad_request,
        "'after' is beyond the last event written (" + std::to_string(state.last_seq) + ")");
  }
  std::int64_t first_available = state.oldest_seq != 0 ? state.oldest_seq : state.last_seq + 1;
  if (*after > acked && *after + 1 < first_available) {
    co_return StanzaError(StanzaCondition::item_not_found,
                          "events after " + std::to_string(*after) +
                              " were removed; the first available is " +
                              std::to_string(first_available));
  }
  {
    std::lock_guard lock(mutex_);
    subscriptions_[component.name] = Subscription{.session = session,
                                                  .owner = session.get(),
                                                  .generation = next_generation_++,
                                                  .active = false,
                                                  .sent = std::max(*after, acked),
                                                  .acked = acked};
  }
  log_.info("compliance", "subscribed name=", component.name, " after=", *after, " acked=", acked);
  Element subscribed("subscribed", std::string(ns::kCompliance));
  subscribed.set_attr("acked", std::to_string(acked));
  if (state.oldest_seq != 0) {
    subscribed.set_attr("oldest", std::to_string(state.oldest_seq));
    subscribed.set_attr("last", std::to_string(state.last_seq));
  }
  co_return subscribed;
}

void ComplianceStreamer::activate(const ComponentSession& session) {
  {
    std::lock_guard lock(mutex_);
    auto found = subscriptions_.find(session.component()->name);
    if (found == subscriptions_.end() || found->second.owner != &session) {
      return;
    }
    found->second.active = true;
  }
  wake();
}

asio::awaitable<IqOutcome> ComplianceStreamer::acknowledge(const ComponentSession& session,
                                                           const Element& request) {
  const conf::ComponentConfig& component = *session.component();
  if (!component.compliance) {
    co_return StanzaError(StanzaCondition::forbidden,
                          "this component is not authorized for compliance");
  }
  std::optional<std::int64_t> seq = parse_seq(request.attr_or("seq"));
  if (!seq) {
    co_return StanzaError(StanzaCondition::bad_request, "'seq' must be a sequence number");
  }
  {
    std::lock_guard lock(mutex_);
    auto found = subscriptions_.find(component.name);
    if (found == subscriptions_.end() || found->second.owner != &session) {
      co_return StanzaError(StanzaCondition::bad_request, "subscribe first");
    }
    if (*seq > found->second.sent) {
      co_return StanzaError(StanzaCondition::bad_request,
                            "seq " + std::to_string(*seq) + " is beyond the last event sent (" +
                                std::to_string(found->second.sent) + ")");
    }
  }
  std::int64_t recorded = co_await outbox_.acknowledge(component.name, *seq, entitled_);
  {
    std::lock_guard lock(mutex_);
    auto found = subscriptions_.find(component.name);
    if (found != subscriptions_.end() && found->second.owner == &session) {
      found->second.acked = std::max(found->second.acked, recorded);
    }
  }
  wake();  // the window moved
  co_return std::nullopt;
}

void ComplianceStreamer::session_closed(const ComponentSession& session) {
  std::lock_guard lock(mutex_);
  auto found = subscriptions_.find(session.component()->name);
  if (found != subscriptions_.end() && found->second.owner == &session) {
    subscriptions_.erase(found);
  }
}

void ComplianceStreamer::append_status(std::vector<std::vector<std::string>>& rows) const {
  std::lock_guard lock(mutex_);
  if (!state_known_) {
    rows.push_back({"compliance_outbox", "not read yet"});
    return;
  }
  rows.push_back({"compliance_outbox_events", std::to_string(state_.size)});
  rows.push_back({"compliance_oldest_seq", std::to_string(state_.oldest_seq)});
  auto age = state_.oldest_seq == 0 ? std::chrono::seconds(0)
                                    : std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now() - state_.oldest_at);
  rows.push_back({"compliance_oldest_age_seconds", std::to_string(age.count())});
  rows.push_back({"compliance_last_seq", std::to_string(state_.last_seq)});
  for (const std::string& name : entitled_) {
    auto found = subscriptions_.find(name);
    rows.push_back(
        {"compliance_" + name, found == subscriptions_.end()
                                   ? "not subscribed"
                                   : "subscribed sent=" + std::to_string(found->second.sent) +
                                         " acked=" + std::to_string(found->second.acked)});
  }
}

}  // namespace stoa::xmpp::server
