#include "bench/stanza_framer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stoa::bench {
namespace {

const std::string kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s1' version='1.0'>";
const std::string kClose = "</stream:stream>";

/// One line per frame: "open", "close" or the stanza's text; "failed" when the framer gave up.
std::vector<std::string> drain(StanzaFramer& framer) {
  std::vector<std::string> frames;
  while (std::optional<StanzaFramer::Frame> frame = framer.next()) {
    switch (frame->kind) {
      case StanzaFramer::FrameKind::stream_open:
        frames.push_back("open " + std::string(frame->text));
        break;
      case StanzaFramer::FrameKind::stanza:
        frames.emplace_back(frame->text);
        break;
      case StanzaFramer::FrameKind::stream_close:
        frames.emplace_back("close");
        break;
    }
  }
  if (framer.failed()) {
    frames.emplace_back("failed");
  }
  return frames;
}

std::vector<std::string> frame_whole(const std::string& input) {
  StanzaFramer framer(1024);
  framer.feed(input);
  return drain(framer);
}

/// Feeds the input cut at `cut`, taking frames after each piece as a session does.
std::vector<std::string> frame_split(const std::string& input, std::size_t cut) {
  StanzaFramer framer(1024);
  framer.feed(std::string_view(input).substr(0, cut));
  std::vector<std::string> frames = drain(framer);
  framer.feed(std::string_view(input).substr(cut));
  for (std::string& frame : drain(framer)) {
    frames.push_back(std::move(frame));
  }
  return frames;
}

/// Feeds one byte at a time.
std::vector<std::string> frame_bytewise(const std::string& input) {
  StanzaFramer framer(1024);
  std::vector<std::string> frames;
  for (char c : input) {
    framer.feed(std::string_view(&c, 1));
    for (std::string& frame : drain(framer)) {
      frames.push_back(std::move(frame));
    }
  }
  return frames;
}

const std::vector<std::string> kStanzas = {
    "<message from='room1@conference.example.com/bench2' to='bench1@example.com/bench' "
    "type='groupchat' id='p1'><body>stoa-bench 123 xxx</body>"
    "<stanza-id xmlns='urn:xmpp:sid:0' id='a' by='room1@conference.example.com'/></message>",
    "<presence from='room1@conference.example.com/a&apos;b' to='x@example.com/r'/>",
    "<message from=\"r@c/n\" note='a > b / c' type=\"groupchat\"><body>1 &lt; 2 &amp; "
    "<![CDATA[<not> a </tag>]]></body></message>",
    "<iq type='get' id='ping1' from='example.com'><ping xmlns='urn:xmpp:ping' /></iq>",
    "<message><body><!-- a comment with </body> --></body></message>",
};

std::string stream_of_all_stanzas() {
  std::string input = kHeader + "\n";
  for (const std::string& stanza : kStanzas) {
    input += stanza + " ";
  }
  return input + kClose;
}

std::vector<std::string> expected_frames() {
  std::vector<std::string> frames = {
      "open <stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s1' "
      "version='1.0'>"};
  frames.insert(frames.end(), kStanzas.begin(), kStanzas.end());
  frames.emplace_back("close");
  return frames;
}

TEST(StanzaFramer, WholeStream_YieldsHeaderEachStanzaAndClose) {
  EXPECT_EQ(frame_whole(stream_of_all_stanzas()), expected_frames());
}

TEST(StanzaFramer, SplitAtEveryByte_YieldsTheSameFrames) {
  const std::string input = stream_of_all_stanzas();
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    ASSERT_EQ(frame_split(input, cut), expected_frames()) << "cut at " << cut;
  }
}

TEST(StanzaFramer, OneByteAtATime_YieldsTheSameFrames) {
  EXPECT_EQ(frame_bytewise(stream_of_all_stanzas()), expected_frames());
}

TEST(StanzaFramer, StanzaSplitAcrossReads_ComesOutWhole) {
  StanzaFramer framer(1024);
  framer.feed(kHeader + "<message type='groupchat'><bo");
  EXPECT_EQ(drain(framer).size(), 1U);  // the header only
  framer.feed("dy>hi</body></mess");
  EXPECT_TRUE(drain(framer).empty());
  framer.feed("age><presence/>");
  EXPECT_EQ(drain(framer),
            (std::vector<std::string>{"<message type='groupchat'><body>hi</body></message>",
                                      "<presence/>"}));
}

TEST(StanzaFramer, InputAfterTheClose_IsIgnored) {
  EXPECT_EQ(frame_whole(kHeader + kClose + "<message/>"),
            (std::vector<std::string>{"open " + kHeader.substr(21), "close"}));
}

TEST(StanzaFramer, Doctype_Fails) {
  EXPECT_EQ(frame_whole("<!DOCTYPE stream>" + kHeader).back(), "failed");
}

TEST(StanzaFramer, EndTagBeforeAnyStream_Fails) {
  EXPECT_EQ(frame_whole("</stream:stream>"), (std::vector<std::string>{"failed"}));
}

TEST(StanzaFramer, LessThanInsideATag_Fails) {
  EXPECT_EQ(frame_whole(kHeader + "<message <body>").back(), "failed");
}

TEST(StanzaFramer, StanzaOverTheLimit_Fails) {
  StanzaFramer framer(64);
  framer.feed(kHeader.substr(21) + "<message><body>" + std::string(100, 'x'));
  EXPECT_EQ(drain(framer).back(), "failed");
}

TEST(StanzaFramer, Reset_StartsANewStream) {
  StanzaFramer framer(1024);
  framer.feed(kHeader + "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  EXPECT_EQ(drain(framer).size(), 2U);
  framer.reset();
  framer.feed(kHeader + "<stream:features/>");
  EXPECT_EQ(drain(framer),
            (std::vector<std::string>{"open " + kHeader.substr(21), "<stream:features/>"}));
}

}  // namespace
}  // namespace stoa::bench
