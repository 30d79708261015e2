#include "tests/wire/muc_wire_test.hpp"

#include <charconv>

namespace stoa::test {

namespace {

/// Escapes text for an attribute or element written into test XML.
std::string escaped(std::string_view text) {
  std::string out;
  xmpp::append_escaped(out, text);
  return out;
}

std::string describe(const std::optional<xmpp::Element>& stanza) {
  return stanza ? stanza->str() : std::string("no reply");
}

bool is_result(const std::optional<xmpp::Element>& reply) {
  return reply && reply->attr_or("type") == "result";
}

}  // namespace

std::string room_jid(std::string_view room) {
  return std::string(room) + "@" + kService;
}

std::string occupant_jid(std::string_view room, std::string_view nick) {
  return room_jid(room) + "/" + std::string(nick);
}

std::set<int> status_codes(const xmpp::Element& stanza) {
  std::set<int> codes;
  const xmpp::Element* x = stanza.child("x", kMucUserNs);
  if (!x) {
    return codes;
  }
  for (const xmpp::Element* status : x->children("status", kMucUserNs)) {
    const std::string code = status->attr_or("code");
    int value = 0;
    if (std::from_chars(code.data(), code.data() + code.size(), value).ec == std::errc()) {
      codes.insert(value);
    }
  }
  return codes;
}

const xmpp::Element* muc_user_item(const xmpp::Element& stanza) {
  const xmpp::Element* x = stanza.child("x", kMucUserNs);
  return x ? x->child("item", kMucUserNs) : nullptr;
}

const xmpp::Element* data_form(const xmpp::Element& parent) {
  return parent.child("x", kDataNs);
}

const xmpp::Element* form_field(const xmpp::Element& form, std::string_view var) {
  for (const xmpp::Element* field : form.children("field", kDataNs)) {
    if (field->attr_or("var") == var) {
      return field;
    }
  }
  return nullptr;
}

std::string form_value(const xmpp::Element& form, std::string_view var) {
  const xmpp::Element* field = form_field(form, var);
  return field ? field->child_text("value", kDataNs) : std::string();
}

std::string form_xml(const Form& fields, std::string_view form_type) {
  std::string out = "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>" +
                    escaped(form_type) + "</value></field>";
  for (const FormField& field : fields) {
    out += "<field var='" + escaped(field.var) + "'>";
    for (const std::string& value : field.values) {
      out += "<value>" + escaped(value) + "</value>";
    }
    out += "</field>";
  }
  return out + "</x>";
}

StanzaPredicate occupant_presence(std::string room, std::string nick, std::string type) {
  return [from = occupant_jid(room, nick), type](const xmpp::Element& stanza) {
    return stanza.name() == "presence" && stanza.attr_or("from") == from &&
           stanza.attr_or("type") == type;
  };
}

StanzaPredicate self_presence(std::string room, std::string nick) {
  return [from = occupant_jid(room, nick)](const xmpp::Element& stanza) {
    return stanza.name() == "presence" && stanza.attr_or("from") == from && !stanza.attr("type") &&
           status_codes(stanza).contains(110);
  };
}

StanzaPredicate presence_error(std::string room, std::string nick) {
  return [from = occupant_jid(room, nick)](const xmpp::Element& stanza) {
    return stanza.name() == "presence" && stanza.attr_or("from") == from &&
           stanza.attr_or("type") == "error";
  };
}

StanzaPredicate groupchat(std::string room, std::string body) {
  return [prefix = room_jid(room) + "/", body](const xmpp::Element& stanza) {
    return stanza.name() == "message" && stanza.attr_or("type") == "groupchat" &&
           stanza.attr_or("from").starts_with(prefix) && stanza.child("body") &&
           stanza.child_text("body") == body;
  };
}

StanzaPredicate subject_message(std::string room) {
  return [bare = room_jid(room)](const xmpp::Element& stanza) {
    return stanza.name() == "message" && stanza.attr_or("type") == "groupchat" &&
           bare_jid(stanza.attr_or("from")) == bare && stanza.child("subject") &&
           !stanza.child("body");
  };
}

StanzaPredicate subject_message(std::string room, std::string subject) {
  return [any = subject_message(std::move(room)), subject](const xmpp::Element& stanza) {
    return any(stanza) && stanza.child_text("subject") == subject;
  };
}

testing::AssertionResult MucTest::start_muc(StoadSettings overrides) {
  overrides.emplace("server.admins", "[" + toml_string(kBoss) + "]");
  if (testing::AssertionResult started = start_with_users(overrides); !started) {
    return started;
  }
  for (const std::string& jid : {kCarol, kDave, kBoss}) {
    if (testing::AssertionResult added = server_.add_user(jid, kPassword); !added) {
      return added;
    }
  }
  return testing::AssertionSuccess();
}

void MucTest::send_join(XmppClient& client, std::string_view room, std::string_view nick,
                        std::string_view x_content) {
  client.send("<presence to='" + escaped(occupant_jid(room, nick)) +
              "'><x xmlns='http://jabber.org/protocol/muc'>" + std::string(x_content) +
              "</x></presence>");
}

std::optional<xmpp::Element> MucTest::join(XmppClient& client, std::string_view room,
                                           std::string_view nick, std::string_view x_content) {
  send_join(client, room, nick, x_content);
  const std::string r(room);
  const std::string n(nick);
  const StanzaPredicate self = self_presence(r, n);
  const StanzaPredicate error = presence_error(r, n);
  std::optional<xmpp::Element> answer =
      client.wait_for([&](const xmpp::Element& stanza) { return self(stanza) || error(stanza); });
  if (!answer || answer->attr_or("type") == "error") {
    ADD_FAILURE() << client.bound_jid() << " could not enter " << occupant_jid(room, nick) << ": "
                  << describe(answer) << "\n"
                  << client.describe();
    return std::nullopt;
  }
  return answer;
}

std::string MucTest::join_refused(XmppClient& client, std::string_view room, std::string_view nick,
                                  std::string_view x_content) {
  send_join(client, room, nick, x_content);
  const StanzaPredicate self = self_presence(std::string(room), std::string(nick));
  const StanzaPredicate error = presence_error(std::string(room), std::string(nick));
  std::optional<xmpp::Element> answer =
      client.wait_for([&](const xmpp::Element& stanza) { return self(stanza) || error(stanza); });
  if (!answer) {
    ADD_FAILURE() << "no answer to entering " << occupant_jid(room, nick) << "\n"
                  << client.describe();
    return {};
  }
  if (answer->attr_or("type") != "error") {
    ADD_FAILURE() << client.bound_jid() << " entered " << occupant_jid(room, nick)
                  << " but should have been refused: " << answer->str();
    return {};
  }
  return stanza_error_condition(*answer);
}

testing::AssertionResult MucTest::alice_in_new_room(XmppClient& alice, std::string_view room) {
  if (testing::AssertionResult started = start_muc(); !started) {
    return started;
  }
  if (testing::AssertionResult in = login(alice, kAlice); !in) {
    return in;
  }
  return create_instant_room(alice, room, "Alice");
}

testing::AssertionResult MucTest::alice_and_bob_in_room(XmppClient& alice, XmppClient& bob,
                                                        std::string_view room) {
  if (testing::AssertionResult ready = alice_in_new_room(alice, room); !ready) {
    return ready;
  }
  if (testing::AssertionResult in = login(bob, kBob); !in) {
    return in;
  }
  if (!join(bob, room, "Bob")) {
    return testing::AssertionFailure() << "bob could not join " << room << "\n" << bob.describe();
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult MucTest::leave(XmppClient& client, std::string_view room,
                                        std::string_view nick) {
  client.send("<presence type='unavailable' to='" + escaped(occupant_jid(room, nick)) + "'/>");
  const StanzaPredicate gone =
      occupant_presence(std::string(room), std::string(nick), "unavailable");
  if (!client.wait_for([&](const xmpp::Element& stanza) {
        return gone(stanza) && status_codes(stanza).contains(110);
      })) {
    return testing::AssertionFailure()
           << "no unavailable self-presence on leaving " << occupant_jid(room, nick) << "\n"
           << client.describe();
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult MucTest::create_instant_room(XmppClient& owner, std::string_view room,
                                                      std::string_view nick) {
  std::optional<xmpp::Element> self = join(owner, room, nick);
  if (!self) {
    return testing::AssertionFailure() << "could not create " << room_jid(room);
  }
  if (!status_codes(*self).contains(201)) {
    return testing::AssertionFailure()
           << "no status 201 on creating " << room_jid(room) << ": " << self->str();
  }
  // §10.1.2: an empty submitted form accepts the default configuration.
  std::optional<xmpp::Element> reply =
      owner_query(owner, room, "set", "<x xmlns='jabber:x:data' type='submit'/>");
  if (!is_result(reply)) {
    return testing::AssertionFailure() << "instant room not accepted: " << describe(reply);
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult MucTest::create_room(XmppClient& owner, std::string_view room,
                                              std::string_view nick, const Form& fields) {
  std::optional<xmpp::Element> self = join(owner, room, nick);
  if (!self) {
    return testing::AssertionFailure() << "could not create " << room_jid(room);
  }
  if (!status_codes(*self).contains(201)) {
    return testing::AssertionFailure()
           << "no status 201 on creating " << room_jid(room) << ": " << self->str();
  }
  std::optional<xmpp::Element> form = config_form(owner, room);
  if (!is_result(form)) {
    return testing::AssertionFailure() << "no configuration form: " << describe(form);
  }
  std::optional<xmpp::Element> reply = configure(owner, room, fields);
  if (!is_result(reply)) {
    return testing::AssertionFailure() << "configuration refused: " << describe(reply);
  }
  return testing::AssertionSuccess();
}

std::optional<xmpp::Element> MucTest::config_form(XmppClient& client, std::string_view room) {
  return owner_query(client, room, "get", "");
}

std::optional<xmpp::Element> MucTest::configure(XmppClient& client, std::string_view room,
                                                const Form& fields) {
  return owner_query(client, room, "set",
                     form_xml(fields, "http://jabber.org/protocol/muc#roomconfig"));
}

std::optional<xmpp::Element> MucTest::admin_query(XmppClient& client, std::string_view room,
                                                  std::string_view type, std::string_view items) {
  return client.iq(xml("<iq type='" + std::string(type) + "' to='" + escaped(room_jid(room)) +
                       "'><query xmlns='http://jabber.org/protocol/muc#admin'>" +
                       std::string(items) + "</query></iq>"));
}

std::optional<xmpp::Element> MucTest::owner_query(XmppClient& client, std::string_view room,
                                                  std::string_view type, std::string_view content) {
  return client.iq(xml("<iq type='" + std::string(type) + "' to='" + escaped(room_jid(room)) +
                       "'><query xmlns='http://jabber.org/protocol/muc#owner'>" +
                       std::string(content) + "</query></iq>"));
}

std::optional<xmpp::Element> MucTest::disco_info(XmppClient& client, std::string_view jid) {
  return client.iq(xml("<iq type='get' to='" + escaped(jid) +
                       "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
}

std::optional<xmpp::Element> MucTest::disco_items(XmppClient& client, std::string_view jid,
                                                  std::string_view content) {
  return client.iq(xml("<iq type='get' to='" + escaped(jid) +
                       "'><query xmlns='http://jabber.org/protocol/disco#items'>" +
                       std::string(content) + "</query></iq>"));
}

void MucTest::say(XmppClient& client, std::string_view room, std::string_view body) {
  client.send("<message type='groupchat' to='" + escaped(room_jid(room)) + "'><body>" +
              escaped(body) + "</body></message>");
}

std::optional<xmpp::Element> MucTest::say_and_wait(XmppClient& client, std::string_view room,
                                                   std::string_view body) {
  say(client, room, body);
  std::optional<xmpp::Element> reflected =
      client.wait_for(groupchat(std::string(room), std::string(body)));
  if (!reflected) {
    ADD_FAILURE() << "'" << body << "' was not reflected to its sender\n" << client.describe();
  }
  return reflected;
}

bool MucTest::already_received(XmppClient& client, const StanzaPredicate& predicate) {
  return client.wait_for(predicate, std::chrono::milliseconds(0)).has_value();
}

std::vector<xmpp::Element> MucTest::archived_messages(XmppClient& client, std::string_view room) {
  constexpr std::string_view kMamNs = "urn:xmpp:mam:2";
  const std::string query_id = client.next_id();
  std::optional<xmpp::Element> reply =
      client.iq(xml("<iq type='set' to='" + room_jid(room) + "'><query xmlns='" +
                    std::string(kMamNs) + "' queryid='" + query_id + "'/></iq>"));
  EXPECT_TRUE(reply && reply->attr_or("type") == "result") << (reply ? reply->str() : "none");
  std::vector<xmpp::Element> out;
  const StanzaPredicate is_result = [&](const xmpp::Element& stanza) {
    const xmpp::Element* result = stanza.child("result", kMamNs);
    return stanza.name() == "message" && result && result->attr_or("queryid") == query_id;
  };
  while (std::optional<xmpp::Element> result = client.wait_for(is_result, {})) {
    out.push_back(result->child("result", kMamNs)
                      ->child("forwarded", "urn:xmpp:forward:0")
                      ->child("message", xmpp::ns::kClient)
                      ->clone());
  }
  return out;
}

}  // namespace stoa::test
