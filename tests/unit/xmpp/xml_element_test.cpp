#include "xmpp/xml_element.hpp"

#include <gtest/gtest.h>

#include <string>

namespace stoa::xmpp {
namespace {

TEST(ElementAttributes, SetReplaceRemove) {
  Element e("message", "jabber:client");
  EXPECT_EQ(e.attr("to"), nullptr);
  EXPECT_EQ(e.attr_or("to", "fallback"), "fallback");
  e.set_attr("to", "a@example.com");
  e.set_attr("type", "chat");
  e.set_attr("to", "b@example.com");
  ASSERT_NE(e.attr("to"), nullptr);
  EXPECT_EQ(*e.attr("to"), "b@example.com");
  EXPECT_EQ(e.attrs().size(), 2u);
  EXPECT_EQ(e.attrs()[0].first, "to");  // replacing keeps the position
  e.remove_attr("to");
  EXPECT_EQ(e.attr("to"), nullptr);
  EXPECT_EQ(e.attr_or("type"), "chat");
  e.remove_attr("absent");
  EXPECT_EQ(e.attrs().size(), 1u);
}

TEST(ElementIdentity, IsComparesNameAndNamespace) {
  Element e("query", "jabber:iq:roster");
  EXPECT_TRUE(e.is("query", "jabber:iq:roster"));
  EXPECT_FALSE(e.is("query", "jabber:iq:version"));
  EXPECT_FALSE(e.is("item", "jabber:iq:roster"));
  e.set_xmlns("jabber:iq:version");
  EXPECT_TRUE(e.is("query", "jabber:iq:version"));
}

TEST(ElementText, AdjacentTextMergedAndChildrenSkipped) {
  Element e("body", "jabber:client");
  e.add_text("Hello");
  e.add_text("");
  e.add_text(", ");
  e.add_child("b", "urn:x").add_text("bold");
  e.add_text("world");
  EXPECT_EQ(e.text(), "Hello, world");
  EXPECT_EQ(e.str("jabber:client"), "<body>Hello, <b xmlns='urn:x'>bold</b>world</body>");
}

TEST(ElementText, SetTextReplacesAllContent) {
  Element e("body", "jabber:client");
  e.add_child("x", "urn:x");
  e.add_text("old");
  e.set_text("new");
  EXPECT_EQ(e.text(), "new");
  EXPECT_FALSE(e.has_children());
  e.set_text("");
  EXPECT_EQ(e.str("jabber:client"), "<body/>");
}

TEST(ElementChildren, LookupByNameAndNamespace) {
  Element msg("message", "jabber:client");
  msg.add_child("body", "jabber:client").add_text("one");
  msg.add_child("x", "urn:a");
  msg.add_child("x", "urn:b").add_text("b");
  msg.add_child("body", "jabber:client").add_text("two");

  ASSERT_NE(msg.child("x", "urn:b"), nullptr);
  EXPECT_EQ(msg.child("x", "urn:b")->text(), "b");
  EXPECT_EQ(msg.child("x")->xmlns(), "urn:a");  // empty namespace matches any
  EXPECT_EQ(msg.child("x", "urn:c"), nullptr);
  EXPECT_EQ(msg.child_text("body"), "one");
  EXPECT_EQ(msg.child_text("subject"), "");
  EXPECT_EQ(msg.children().size(), 4u);
  EXPECT_EQ(msg.children("x").size(), 2u);
  EXPECT_EQ(msg.children("body", "jabber:client").size(), 2u);
  EXPECT_TRUE(msg.has_children());

  Element* body = msg.child("body", "jabber:client");
  ASSERT_NE(body, nullptr);
  body->set_text("changed");
  EXPECT_EQ(msg.child_text("body"), "changed");
}

TEST(ElementChildren, RemoveChildrenCountsExactMatches) {
  Element msg("message", "jabber:client");
  msg.add_child("delay", "urn:xmpp:delay");
  msg.add_text("text");
  msg.add_child("delay", "urn:xmpp:delay");
  msg.add_child("delay", "jabber:x:delay");
  EXPECT_EQ(msg.remove_children("delay", "urn:xmpp:delay"), 2u);
  EXPECT_EQ(msg.children().size(), 1u);
  EXPECT_EQ(msg.text(), "text");
  EXPECT_EQ(msg.remove_children("delay", "urn:xmpp:delay"), 0u);
}

TEST(ElementChildren, NoChildren_HasChildrenFalse) {
  Element e("presence", "jabber:client");
  EXPECT_FALSE(e.has_children());
  e.add_text("only text");
  EXPECT_FALSE(e.has_children());
}

TEST(ElementClone, DeepAndIndependent) {
  Element original("iq", "jabber:client");
  original.set_attr("id", "1");
  Element& query = original.add_child("query", "urn:q");
  query.add_child("item", "urn:q").set_attr("jid", "a@b");
  query.add_text("t");

  Element copy = original.clone();
  EXPECT_EQ(copy.str(), original.str());
  copy.child("query")->child("item")->set_attr("jid", "changed");
  copy.set_attr("id", "2");
  EXPECT_EQ(*original.child("query")->child("item")->attr("jid"), "a@b");
  EXPECT_EQ(*original.attr("id"), "1");
}

TEST(ElementStr, EmptyElementSelfCloses) {
  Element e("ping", "urn:xmpp:ping");
  EXPECT_EQ(e.str(), "<ping xmlns='urn:xmpp:ping'/>");
  EXPECT_EQ(e.str("urn:xmpp:ping"), "<ping/>");
}

TEST(ElementStr, NamespaceWrittenOnlyWhereItChanges) {
  Element iq("iq", "jabber:client");
  iq.set_attr("type", "result");
  Element& query = iq.add_child("query", "http://jabber.org/protocol/disco#info");
  query.add_child("feature", "http://jabber.org/protocol/disco#info").set_attr("var", "urn:x");
  query.add_child("x", "jabber:x:data");
  EXPECT_EQ(iq.str("jabber:client"),
            "<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info'>"
            "<feature var='urn:x'/><x xmlns='jabber:x:data'/></query></iq>");
}

TEST(ElementStr, EmptyNamespaceUnderNamespacedParent_Undeclared) {
  Element parent("a", "urn:a");
  parent.add_child("b", "");
  EXPECT_EQ(parent.str(), "<a xmlns='urn:a'><b xmlns=''/></a>");
}

TEST(ElementStr, SpecialCharactersEscaped) {
  Element e("body", "jabber:client");
  e.set_attr("x", "<&>\"'");
  e.add_text("<&>\"' ]]>");
  EXPECT_EQ(e.str("jabber:client"),
            "<body x='&lt;&amp;&gt;&quot;&apos;'>&lt;&amp;&gt;&quot;&apos; ]]&gt;</body>");
}

TEST(ElementStr, WhitespaceInAttributesAndCarriageReturnsAsReferences) {
  Element e("body", "jabber:client");
  e.set_attr("x", "a\tb\nc\rd");
  e.add_text("line\r\nnext\tcol");
  EXPECT_EQ(e.str("jabber:client"), "<body x='a&#9;b&#10;c&#13;d'>line&#13;\nnext\tcol</body>");
}

TEST(ElementStr, WriteAppends) {
  std::string out = "prefix:";
  Element("a", "urn:a").write(out, "urn:a");
  EXPECT_EQ(out, "prefix:<a/>");
}

TEST(ElementStr, SplitAtTo_RecipientSplicedFirstAndOldToLeftOut) {
  Element message("message", "jabber:client");
  message.set_attr("from", "room@muc/nick");
  message.set_attr("to", "old@example.com");
  message.set_attr("type", "groupchat");
  message.add_child("body", "jabber:client").set_text("a < b");
  std::string head;
  std::string tail;
  message.write_split_at_to(head, tail, "jabber:client");
  EXPECT_EQ(head + "new@example.com/r" + tail,
            "<message to='new@example.com/r' from='room@muc/nick' type='groupchat'>"
            "<body>a &lt; b</body></message>");
}

TEST(ElementStr, SplitAtTo_NamespaceWrittenWhereItChanges) {
  std::string head;
  std::string tail;
  Element("presence", "jabber:server").write_split_at_to(head, tail, "jabber:client");
  EXPECT_EQ(head + "x" + tail, "<presence xmlns='jabber:server' to='x'/>");
}

TEST(AppendEscaped, EscapesEverythingUnsafeAnywhere) {
  std::string out;
  append_escaped(out, "a<b>&\"'\t\n\r\xC3\xA9");
  EXPECT_EQ(out, "a&lt;b&gt;&amp;&quot;&apos;&#9;&#10;&#13;\xC3\xA9");
}

}  // namespace
}  // namespace stoa::xmpp
