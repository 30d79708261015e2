#include "xmpp/server/router.hpp"

#include <algorithm>
#include <asio/post.hpp>

#include "xmpp/namespaces.hpp"
#include "xmpp/server/c2s_session.hpp"
#include "xmpp/server/carbons.hpp"

namespace stoa::xmpp::server {

void Router::add_iq_handler(std::string xmlns, std::string name, IqHandler handler) {
  iq_handlers_[{std::move(xmlns), std::move(name)}] = std::move(handler);
}

void Router::add_domain(std::string domain, DomainHandler handler) {
  domains_[std::move(domain)] = std::move(handler);
}

std::vector<std::string> Router::domains() const {
  std::vector<std::string> out;
  for (const auto& [domain, handler] : domains_) {
    out.push_back(domain);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void Router::on_session_closed(const SessionPtr& session) {
  if (presence_) {
    presence_->session_closed(session);
  }
}

asio::awaitable<void> Router::route_from_client(Element stanza, SessionPtr origin) {
  const std::string* to_text = stanza.attr("to");
  std::optional<Jid> to = to_text ? Jid::parse(*to_text) : std::nullopt;
  const Jid& from = origin->jid();
  bool to_self_account = !to || (to->is_bare() && to->bare_str() == from.bare_str()) ||
                         to->str() == server_.config.domain;
  if (stanza.name() == "iq" && to_self_account) {
    co_await handle_server_iq(std::move(stanza), std::move(origin));
    co_return;
  }
  if (stanza.name() == "presence" && presence_) {
    // RFC 6121 §3, §4.6: subscriptions to any domain update the roster, and directed presence
    // is remembered so that its recipients hear when the session ends.
    co_await presence_->outbound(std::move(stanza), std::move(origin));
    co_return;
  }
  if (!to) {
    co_return;  // a message without 'to' addresses the sender's own account: nothing to do
  }
  if (stanza.name() == "message") {
    carbons::copy_sent(server_.registry, stanza, origin->jid());
  }
  co_await route(std::move(stanza));
}

asio::awaitable<void> Router::handle_server_iq(Element iq, SessionPtr origin) {
  std::string type = iq.attr_or("type");
  if (type != "get" && type != "set") {
    co_return;  // answers to the server's own pings
  }
  const Element* payload = iq.children().front();
  auto handler = iq_handlers_.find({payload->xmlns(), payload->name()});
  Element reply = make_iq_result(iq);
  reply.remove_attr("to");
  if (iq.attr("to")) {
    reply.set_attr("from", *iq.attr("to"));
  } else {
    reply.remove_attr("from");
  }
  reply.set_attr("to", origin->jid().str());
  if (handler == iq_handlers_.end()) {
    reply.set_attr("type", "error");
    reply.add_child(make_error_element({StanzaCondition::service_unavailable}));
  } else {
    IqOutcome outcome;
    try {
      outcome = co_await handler->second(IqRequest{iq, *payload, origin->jid(), origin});
    } catch (const std::exception& e) {
      server_.log.error("router", "iq handler {", payload->xmlns(), "}", payload->name(),
                        " failed: ", e.what());
      outcome = StanzaError(StanzaCondition::internal_server_error);
    }
    if (auto* error = std::get_if<StanzaError>(&outcome)) {
      reply.set_attr("type", "error");
      reply.add_child(make_error_element(*error));
    } else if (auto& result = std::get<std::optional<Element>>(outcome)) {
      reply.add_child(std::move(*result));
    }
  }
  origin->deliver(std::move(reply));
}

asio::awaitable<void> Router::route(Element stanza) {
  const std::string* to_text = stanza.attr("to");
  std::optional<Jid> to = to_text ? Jid::parse(*to_text) : std::nullopt;
  if (!to) {
    co_return;
  }
  if (to->domain() == server_.config.domain) {
    if (to->local().empty()) {
      // Stanzas from services to the server itself: nothing to deliver.
      co_return;
    }
    if (std::optional<Element> presence = route_to_local(*to, std::move(stanza))) {
      co_await presence_->inbound(std::move(*presence));
    }
    co_return;
  }
  auto service = domains_.find(to->domain());
  if (service != domains_.end()) {
    co_await service->second(std::move(stanza));
    co_return;
  }
  bounce(stanza, {StanzaCondition::remote_server_not_found,
                  "federation with " + to->domain() + " is not available"});
}

std::vector<Jid> Router::deliver_to_many(const Element& stanza,
                                         const std::vector<Jid>& recipients) {
  // Serialized once; each session writes the shared text around its own escaped JID.
  auto shared = std::make_shared<SharedStanza>();
  stanza.write_split_at_to(shared->head, shared->tail, ns::kClient);

  std::unordered_map<Shard*, std::vector<SessionPtr>> by_shard;
  std::vector<Jid> missing;
  std::vector<SessionPtr> sessions = server_.registry.find_sessions(recipients);
  for (std::size_t i = 0; i < recipients.size(); ++i) {
    SessionPtr& session = sessions[i];
    if (!session) {
      missing.push_back(recipients[i]);
      continue;
    }
    std::vector<SessionPtr>& batch = by_shard[&session->shard()];
    if (batch.empty()) {
      batch.reserve(recipients.size());
    }
    batch.push_back(std::move(session));
  }
  std::shared_ptr<const SharedStanza> text = std::move(shared);
  // How long the batch waits for its worker tells the admission pacer how far behind the
  // workers are with what sessions already in are owed.
  WorkDelayGauge& work_delay = server_.work_delay;
  for (auto& [shard, batch] : by_shard) {
    asio::post(shard->executor(), [text, batch = std::move(batch), &work_delay,
                                   posted = WorkDelayGauge::Clock::now()] {
      work_delay.record(WorkDelayGauge::Clock::now() - posted);
      for (const SessionPtr& session : batch) {
        session->deliver_shared_on_shard(text);
      }
    });
  }
  return missing;
}

bool Router::deliver_series(const std::vector<const Element*>& stanzas, const Jid& to) {
  SessionPtr session = server_.registry.find_session(to);
  if (!session) {
    return false;
  }
  std::string escaped_to;
  append_escaped(escaped_to, to.str());
  std::string text;
  std::string tail;
  for (const Element* stanza : stanzas) {
    stanza->write_split_at_to(text, tail, ns::kClient);
    text += escaped_to;
    text += tail;
    tail.clear();
  }
  // Posted like a fan-out batch, so that it keeps its place among them on the worker.
  Shard& shard = session->shard();
  asio::post(shard.executor(),
             [session = std::move(session), text = std::move(text),
              &work_delay = server_.work_delay, posted = WorkDelayGauge::Clock::now()]() mutable {
               work_delay.record(WorkDelayGauge::Clock::now() - posted);
               session->deliver_serialized_on_shard(std::move(text));
             });
  return true;
}

bool Router::deliver_to_resource(const Jid& to, Element stanza) {
  std::optional<BoundResource> resource = server_.registry.find(to);
  if (!resource) {
    return false;
  }
  resource->session->deliver(std::move(stanza));
  return true;
}

std::optional<Element> Router::route_to_local(const Jid& to, Element stanza) {
  const std::string& name = stanza.name();
  const std::string type = stanza.attr_or("type");
  if (!to.is_bare()) {
    std::optional<BoundResource> resource = server_.registry.find(to);
    if (resource) {
      if (name == "message") {
        carbons::copy_received(server_.registry, stanza, to, {to});
      }
      resource->session->deliver(std::move(stanza));
      return std::nullopt;
    }
  }
  // RFC 6121 §8.5.2-8.5.3: the bare JID, or a full JID with no such resource.
  if (name == "presence") {
    if (presence_ && (to.is_bare() || type == "subscribe" || type == "subscribed" ||
                      type == "unsubscribe" || type == "unsubscribed" || type == "probe")) {
      return stanza;
    }
    return std::nullopt;
  }
  if (name == "iq") {
    if (type == "get" || type == "set") {
      bounce(stanza, {StanzaCondition::service_unavailable});
    }
    return std::nullopt;
  }
  if (type == "groupchat") {
    bounce(stanza, {StanzaCondition::service_unavailable});
  } else if (type != "error") {
    route_message_to_account(to, std::move(stanza));
  }
  return std::nullopt;
}

void Router::route_message_to_account(const Jid& to, Element message) {
  std::vector<BoundResource> resources = server_.registry.resources(to.bare_str());
  bool headline = message.attr_or("type") == "headline";
  int best = -1;
  for (const BoundResource& r : resources) {
    if (r.available && r.priority >= 0) {
      best = std::max(best, r.priority);
    }
  }
  std::vector<const BoundResource*> targets;
  for (const BoundResource& r : resources) {
    // Headlines go to every non-negative resource; chat and normal to the most available.
    if (r.available && r.priority >= 0 && (headline || r.priority == best)) {
      targets.push_back(&r);
    }
  }
  if (targets.empty()) {
    if (!headline) {
      bounce(message, {StanzaCondition::service_unavailable, "the recipient is not online"});
    }
    return;
  }
  std::vector<Jid> delivered_to;
  for (const BoundResource* target : targets) {
    delivered_to.push_back(target->jid);
  }
  carbons::copy_received(server_.registry, message, to, delivered_to);
  for (std::size_t i = 0; i + 1 < targets.size(); ++i) {
    targets[i]->session->deliver(message.clone());
  }
  targets.back()->session->deliver(std::move(message));
}

void Router::bounce(const Element& stanza, StanzaError error) {
  if (stanza.attr_or("type") == "error") {
    return;
  }
  std::optional<Jid> sender = Jid::parse(stanza.attr_or("from"));
  if (!sender || sender->domain() != server_.config.domain || sender->is_bare()) {
    return;  // errors for services and remote senders are routed by their own modules
  }
  deliver_to_resource(*sender, make_error_reply(stanza, error));
}

}  // namespace stoa::xmpp::server
