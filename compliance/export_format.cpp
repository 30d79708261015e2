#include "compliance/export_format.hpp"

#include <expat.h>

#include <cctype>
#include <cstdio>

namespace stoa::compliance {

namespace {

constexpr std::int64_t kMicrosPerMilli = 1000;

std::int64_t since_1970_ms(muc::Timestamp at) {
  auto micros = at.time_since_epoch().count();
  // Floor division, so that instants before 1970 round down like the others.
  return micros >= 0 ? micros / kMicrosPerMilli
                     : -((-micros + kMicrosPerMilli - 1) / kMicrosPerMilli);
}

// Lync's compliance XML names event types in capitals (JOIN, PART, CHAT); Stoa's other kinds
// follow that spelling.
std::string lync_type(std::string_view kind) {
  if (kind == "message") {
    return "CHAT";
  }
  if (kind == "join") {
    return "JOIN";
  }
  if (kind == "leave") {
    return "PART";
  }
  std::string type;
  for (char c : kind) {
    type += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return type;
}

std::string time_element(std::string_view name, muc::Timestamp at) {
  return "<" + std::string(name) + " since1970=\"" + std::to_string(since_1970_ms(at)) +
         "\" string=\"" + muc::format_timestamp(at) + "\"/>";
}

// <Conversations>, one <Conversation> per room in the order the rows come (by room).
class XmlExportWriter : public ExportWriter {
 public:
  explicit XmlExportWriter(std::ostream& out) : out_(out) {
    out_ << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Conversations>\n";
  }

  void write(const Event& event) override {
    if (!open_ || event.room != room_) {
      close_conversation();
      open_ = true;
      room_ = event.room;
      first_ = event.at;
      out_ << "  <Conversation>\n    <Channel uri=\"" << xml_escape("xmpp:" + event.room)
           << "\" name=\"" << xml_escape(event.room) << "\"/>\n";
      write_message("FirstMessage", event, "    ");
      out_ << "    <Messages>\n";
    }
    last_ = event.at;
    write_message("Message", event, "      ");
  }

  void finish() override {
    close_conversation();
    out_ << "</Conversations>\n";
  }

 private:
  void write_message(std::string_view element, const Event& event, std::string_view indent) {
    out_ << indent << "<" << element << " type=\"" << lync_type(event.kind) << "\" kind=\""
         << xml_escape(event.kind) << "\" content=\"" << xml_escape(readable_content(event))
         << "\" id=\"" << event.seq << "\"";
    if (!event.stanza_id.empty()) {
      out_ << " stanzaId=\"" << xml_escape(event.stanza_id) << "\"";
    }
    out_ << ">\n";
    out_ << indent << "  <Sender UserName=\"" << xml_escape(event.nick) << "\" uri=\""
         << xml_escape(event.actor) << "\"/>\n";
    if (!event.target.empty() || !event.target_nick.empty()) {
      out_ << indent << "  <Target UserName=\"" << xml_escape(event.target_nick) << "\" uri=\""
           << xml_escape(event.target) << "\"/>\n";
    }
    out_ << indent << "  " << time_element("DateTimeUTC", event.at) << "\n";
    if (!event.payload.empty()) {
      out_ << indent << "  <Payload>" << xml_escape(event.payload) << "</Payload>\n";
    }
    out_ << indent << "</" << element << ">\n";
  }

  void close_conversation() {
    if (!open_) {
      return;
    }
    out_ << "    </Messages>\n    " << time_element("StartTimeUTC", first_) << "\n    "
         << time_element("EndTimeUTC", last_) << "\n  </Conversation>\n";
    open_ = false;
  }

  std::ostream& out_;
  bool open_ = false;
  std::string room_;
  muc::Timestamp first_{};
  muc::Timestamp last_{};
};

// One JSON array of flat objects, written element by element.
class JsonExportWriter : public ExportWriter {
 public:
  explicit JsonExportWriter(std::ostream& out) : out_(out) { out_ << "["; }

  void write(const Event& event) override {
    out_ << (first_ ? "\n" : ",\n") << "{\"seq\":" << event.seq
         << ",\"room\":" << json_string(event.room) << ",\"kind\":" << json_string(event.kind)
         << ",\"at\":" << json_string(muc::format_timestamp(event.at))
         << ",\"actor\":" << json_string(event.actor) << ",\"nick\":" << json_string(event.nick)
         << ",\"target\":" << json_string(event.target)
         << ",\"target_nick\":" << json_string(event.target_nick)
         << ",\"stanza_id\":" << json_string(event.stanza_id)
         << ",\"payload\":" << json_string(event.payload) << "}";
    first_ = false;
  }

  void finish() override { out_ << (first_ ? "]\n" : "\n]\n"); }

 private:
  std::ostream& out_;
  bool first_ = true;
};

// RFC 4180: a header line, CRLF line ends.
class CsvExportWriter : public ExportWriter {
 public:
  explicit CsvExportWriter(std::ostream& out) : out_(out) {
    out_ << "seq,room,kind,at,actor,nick,target,target_nick,stanza_id,payload\r\n";
  }

  void write(const Event& event) override {
    out_ << event.seq << ',' << csv_field(event.room) << ',' << csv_field(event.kind) << ','
         << muc::format_timestamp(event.at) << ',' << csv_field(event.actor) << ','
         << csv_field(event.nick) << ',' << csv_field(event.target) << ','
         << csv_field(event.target_nick) << ',' << csv_field(event.stanza_id) << ','
         << csv_field(event.payload) << "\r\n";
  }

  void finish() override {}

 private:
  std::ostream& out_;
};

// Collects the text of the first child element named `wanted` of the root element.
struct ChildText {
  std::string wanted;
  int depth = 0;
  bool inside = false;
  bool found = false;
  std::string text;
};

std::string_view local_name(const XML_Char* name) {
  std::string_view full(name);
  auto colon = full.rfind(':');
  return colon == std::string_view::npos ? full : full.substr(colon + 1);
}

std::string child_text(std::string_view xml, std::string_view child) {
  ChildText state;
  state.wanted = std::string(child);
  XML_Parser parser = XML_ParserCreate("UTF-8");
  XML_SetUserData(parser, &state);
  XML_SetElementHandler(
      parser,
      [](void* data, const XML_Char* name, const XML_Char**) {
        auto& s = *static_cast<ChildText*>(data);
        ++s.depth;
        if (s.depth == 2 && !s.found && local_name(name) == s.wanted) {
          s.inside = true;
        }
      },
      [](void* data, const XML_Char*) {
        auto& s = *static_cast<ChildText*>(data);
        if (s.depth == 2 && s.inside) {
          s.inside = false;
          s.found = true;
        }
        --s.depth;
      });
  XML_SetCharacterDataHandler(parser, [](void* data, const XML_Char* text, int length) {
    auto& s = *static_cast<ChildText*>(data);
    if (s.inside) {
      s.text.append(text, static_cast<std::size_t>(length));
    }
  });
  bool parsed = XML_Parse(parser, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
  XML_ParserFree(parser);
  return parsed && state.found ? state.text : std::string();
}

}  // namespace

std::optional<ExportFormat> parse_export_format(std::string_view name) {
  if (name == "xml") {
    return ExportFormat::xml;
  }
  if (name == "json") {
    return ExportFormat::json;
  }
  if (name == "csv") {
    return ExportFormat::csv;
  }
  return std::nullopt;
}

EventOrder order_for(ExportFormat format) {
  return format == ExportFormat::xml ? EventOrder::by_room_then_seq : EventOrder::by_seq;
}

std::unique_ptr<ExportWriter> make_export_writer(ExportFormat format, std::ostream& out) {
  switch (format) {
    case ExportFormat::xml:
      return std::make_unique<XmlExportWriter>(out);
    case ExportFormat::json:
      return std::make_unique<JsonExportWriter>(out);
    case ExportFormat::csv:
      return std::make_unique<CsvExportWriter>(out);
  }
  return nullptr;
}

std::string xml_escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&apos;";
        break;
      case '\n':
        escaped += "&#xA;";
        break;
      case '\r':
        escaped += "&#xD;";
        break;
      case '\t':
        escaped += "&#x9;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string json_string(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        quoted += "\\\"";
        break;
      case '\\':
        quoted += "\\\\";
        break;
      case '\n':
        quoted += "\\n";
        break;
      case '\r':
        quoted += "\\r";
        break;
      case '\t':
        quoted += "\\t";
        break;
      default:
        if (byte < 0x20) {
          char escape[7];
          std::snprintf(escape, sizeof escape, "\\u%04x", byte);
          quoted += escape;
        } else {
          quoted += c;
        }
    }
  }
  return quoted + "\"";
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(text);
  }
  std::string quoted = "\"";
  for (char c : text) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  return quoted + "\"";
}

std::string readable_content(const Event& event) {
  if (event.payload.empty()) {
    return {};
  }
  if (event.kind == "message" || event.kind == "private-message") {
    return child_text(event.payload, "body");
  }
  if (event.kind == "subject") {
    return child_text(event.payload, "subject");
  }
  return event.payload.front() == '<' ? std::string() : event.payload;
}

}  // namespace stoa::compliance
