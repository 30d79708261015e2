#include "xmpp/xml_stream_parser.hpp"

#include <expat.h>

#include <algorithm>
#include <cstring>

#include "xmpp/namespaces.hpp"

namespace stoa::xmpp {
namespace {

constexpr char kNamespaceSeparator = '\x01';

/// Splits expat's "uri<sep>local" into its parts; names without a namespace have no separator.
std::pair<std::string_view, std::string_view> split_name(const char* name) {
  std::string_view full(name);
  auto sep = full.find(kNamespaceSeparator);
  if (sep == std::string_view::npos) {
    return {{}, full};
  }
  return {full.substr(0, sep), full.substr(sep + 1)};
}

XmlStreamParser* self_of(void* user_data) {
  return static_cast<XmlStreamParser*>(user_data);
}

}  // namespace

XmlStreamParser::XmlStreamParser(StreamLimits limits) : limits_(limits) {}

XmlStreamParser::~XmlStreamParser() {
  XML_ParserFree(parser_);
}

void XmlStreamParser::create_parser() {
  parser_ = XML_ParserCreateNS("UTF-8", kNamespaceSeparator);
  XML_SetUserData(parser_, this);
  XML_SetElementHandler(parser_, &XmlStreamParser::on_start, &XmlStreamParser::on_end);
  XML_SetCharacterDataHandler(parser_, &XmlStreamParser::on_text);
  XML_SetStartNamespaceDeclHandler(parser_, &XmlStreamParser::on_namespace);
  XML_SetCommentHandler(parser_, [](void* s, const char*) { on_restricted(s); });
  XML_SetProcessingInstructionHandler(parser_,
                                      [](void* s, const char*, const char*) { on_restricted(s); });
  XML_SetStartDoctypeDeclHandler(
      parser_, [](void* s, const char*, const char*, const char*, int) { on_restricted(s); });
  XML_SetEntityDeclHandler(parser_,
                           [](void* s, const char*, int, const char*, int, const char*, const char*,
                              const char*, const char*) { on_restricted(s); });
}

void XmlStreamParser::resume_stream() {
  std::string open = "<";
  std::string_view stream_prefix;
  for (const auto& [prefix, uri] : stream_namespaces_) {
    if (uri == ns::kStreams) {
      stream_prefix = prefix;
      break;
    }
  }
  if (!stream_prefix.empty()) {
    open.append(stream_prefix).append(":");
  }
  open += "stream";
  for (const auto& [prefix, uri] : stream_namespaces_) {
    open += prefix.empty() ? " xmlns='" : " xmlns:";
    if (!prefix.empty()) {
      open.append(prefix).append("='");
    }
    append_escaped(open, uri);
    open += '\'';
  }
  open += '>';
  const std::size_t depth = depth_;
  depth_ = 0;
  resuming_ = true;
  XML_Parse(parser_, open.data(), static_cast<int>(open.size()), XML_FALSE);
  resuming_ = false;
  depth_ = depth;
  // Byte positions count from the new parser's start.
  fed_bytes_ = parsed_bytes_ = static_cast<long long>(open.size());
}

bool XmlStreamParser::between_stanzas() const {
  return depth_ == 1 && open_.empty() && parsed_bytes_ == fed_bytes_ && !error_ && !closed_;
}

void XmlStreamParser::reset() {
  XML_ParserFree(parser_);
  parser_ = nullptr;
  events_.clear();
  next_event_ = 0;
  open_.clear();
  depth_ = 0;
  stream_default_xmlns_.clear();
  stream_namespaces_.clear();
  stanza_start_byte_ = 0;
  parsed_bytes_ = 0;
  fed_bytes_ = 0;
  closed_ = false;
  error_.reset();
}

void XmlStreamParser::fail(StreamCondition condition) {
  if (!error_) {
    error_ = condition;
  }
  XML_StopParser(parser_, XML_FALSE);
}

long long XmlStreamParser::event_end() const {
  return XML_GetCurrentByteIndex(parser_) + XML_GetCurrentByteCount(parser_);
}

// A stanza's size runs from the '<' of its start tag to the end of the event being reported,
// so that a stanza exactly max_stanza_bytes long passes and one byte more does not, however
// the input is chunked.
bool XmlStreamParser::stanza_too_large() const {
  return depth_ >= 2 &&
         static_cast<std::size_t>(event_end() - stanza_start_byte_) > limits_.max_stanza_bytes;
}

std::optional<StreamCondition> XmlStreamParser::feed(std::string_view data) {
  if (error_ || closed_) {
    return error_;
  }
  if (!parser_) {
    create_parser();
    if (depth_ == 1) {
      resume_stream();
    }
  }
  // Chunks are bounded by the caller's read buffer, far below INT_MAX.
  if (XML_Parse(parser_, data.data(), static_cast<int>(data.size()), XML_FALSE) ==
      XML_STATUS_ERROR) {
    // on_end stops expat at the stream's close, which expat reports as an error.
    if (!error_ && !closed_) {
      error_ = StreamCondition::not_well_formed;
    }
    return error_;
  }
  fed_bytes_ += static_cast<long long>(data.size());
  // Bytes expat holds back are an unfinished token. Inside a stanza they all belong to it;
  // between stanzas they are the start of the next one (or of the stream header), which
  // cannot be longer than a stanza either. Without this a start tag that never ends would
  // grow expat's buffer without bound.
  const long long pending = fed_bytes_ - (depth_ >= 2 ? stanza_start_byte_ : parsed_bytes_);
  if (static_cast<std::size_t>(pending) > limits_.max_stanza_bytes) {
    error_ = StreamCondition::policy_violation;
  }
  if (between_stanzas()) {
    XML_ParserFree(parser_);
    parser_ = nullptr;
    std::vector<Element>().swap(open_);
  }
  return error_;
}

std::optional<StreamEvent> XmlStreamParser::next() {
  if (next_event_ == events_.size()) {
    // Idle streams keep no event storage.
    std::vector<StreamEvent>().swap(events_);
    next_event_ = 0;
    return std::nullopt;
  }
  return std::move(events_[next_event_++]);
}

void XmlStreamParser::on_namespace(void* user_data, const char* prefix, const char* uri) {
  XmlStreamParser* self = self_of(user_data);
  if (self->depth_ != 0 || self->resuming_) {
    return;
  }
  if (prefix == nullptr && uri != nullptr) {
    self->stream_default_xmlns_ = uri;
  }
  self->stream_namespaces_.emplace_back(prefix ? prefix : "", uri ? uri : "");
}

void XmlStreamParser::on_restricted(void* user_data) {
  self_of(user_data)->fail(StreamCondition::restricted_xml);
}

void XmlStreamParser::on_start(void* user_data, const char* name, const char** attrs) {
  XmlStreamParser* self = self_of(user_data);
  if (self->error_) {
    return;
  }
  auto [xmlns, local] = split_name(name);
  if (self->depth_ == 0) {
    if (local != "stream" || xmlns != ns::kStreams) {
      self->fail(StreamCondition::invalid_namespace);
      return;
    }
  } else if (xmlns == ns::kXml) {
    // <xml:x/> is well-formed, but the xml namespace cannot be declared as a default one, so
    // it could not be written out again as Element::write() writes every namespace.
    self->fail(StreamCondition::bad_format);
    return;
  } else if (self->depth_ == 1) {
    self->stanza_start_byte_ = XML_GetCurrentByteIndex(self->parser_);
  }
  self->parsed_bytes_ = self->event_end();
  ++self->depth_;
  if (self->depth_ > self->limits_.max_depth) {
    self->fail(StreamCondition::policy_violation);
    return;
  }
  if (self->stanza_too_large()) {
    self->fail(StreamCondition::policy_violation);
    return;
  }

  Element element{std::string(local), std::string(xmlns)};
  std::size_t count = 0;
  for (const char** a = attrs; *a != nullptr; a += 2) {
    if (++count > self->limits_.max_attributes) {
      self->fail(StreamCondition::policy_violation);
      return;
    }
    auto [attr_ns, attr_local] = split_name(a[0]);
    if (attr_ns.empty()) {
      element.set_attr(attr_local, a[1]);
    } else if (attr_ns == ns::kXml) {
      element.set_attr(std::string("xml:").append(attr_local), a[1]);
    }
    // Attributes in other namespaces carry nothing XMPP defines and are not kept.
  }

  if (self->depth_ == 1) {
    if (!self->resuming_) {
      self->events_.emplace_back(StreamOpen{std::move(element), self->stream_default_xmlns_});
    }
  } else {
    self->open_.push_back(std::move(element));
  }
}

void XmlStreamParser::on_end(void* user_data, const char* /*name*/) {
  XmlStreamParser* self = self_of(user_data);
  if (self->error_) {
    return;
  }
  if (self->depth_ == 1) {
    self->depth_ = 0;
    self->closed_ = true;
    self->events_.emplace_back(StreamClose{});
    // Nothing may follow the stream's end; a fresh stream needs reset().
    XML_StopParser(self->parser_, XML_FALSE);
    return;
  }
  // An end tag can take a stanza past the limit; for an empty-element tag expat reports no
  // bytes here, and its start tag has been counted already.
  if (self->stanza_too_large()) {
    self->fail(StreamCondition::policy_violation);
    return;
  }
  self->parsed_bytes_ = std::max(self->parsed_bytes_, self->event_end());
  --self->depth_;
  Element done = std::move(self->open_.back());
  self->open_.pop_back();
  if (self->open_.empty()) {
    self->events_.emplace_back(StreamElement{std::move(done)});
  } else {
    self->open_.back().add_child(std::move(done));
  }
}

void XmlStreamParser::on_text(void* user_data, const char* text, int len) {
  XmlStreamParser* self = self_of(user_data);
  if (self->error_) {
    return;
  }
  self->parsed_bytes_ = std::max(self->parsed_bytes_, self->event_end());
  if (self->open_.empty()) {
    return;  // whitespace between stanzas
  }
  if (self->stanza_too_large()) {
    self->fail(StreamCondition::policy_violation);
    return;
  }
  self->open_.back().add_text(std::string_view(text, static_cast<std::size_t>(len)));
}

}  // namespace stoa::xmpp
