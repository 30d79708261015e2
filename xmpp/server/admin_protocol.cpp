#include "xmpp/server/admin_protocol.hpp"

#include <filesystem>

namespace stoa::xmpp::server {

namespace {

// Long enough for any sensible message, short enough that, even with every byte escaped, the
// error line stays far below kMaxAdminLineBytes.
constexpr std::size_t kMaxErrorMessageBytes = 4096;

std::string shorten_message(std::string message) {
  if (message.size() <= kMaxErrorMessageBytes) {
    return message;
  }
  std::size_t cut = kMaxErrorMessageBytes;
  // Do not split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  message.resize(cut);
  message += "...";
  return message;
}

}  // namespace

AdminReply AdminReply::failure(std::string message) {
  AdminReply reply;
  reply.error = std::move(message);
  return reply;
}

std::string AdminCommandSpec::name() const {
  return verb.empty() ? group : group + " " + verb;
}

AdminArity admin_usage_arity(std::string_view usage) {
  AdminArity arity;
  std::size_t pos = 0;
  while (pos < usage.size()) {
    if (usage[pos] == ' ') {
      ++pos;
      continue;
    }
    std::size_t end = usage.find(' ', pos);
    if (end == std::string_view::npos) {
      end = usage.size();
    }
    std::string_view word = usage.substr(pos, end - pos);
    pos = end;
    bool optional = word.size() >= 2 && word.front() == '[' && word.back() == ']';
    if (optional) {
      word = word.substr(1, word.size() - 2);
    }
    bool repeated = word.ends_with("...");
    if (!optional) {
      ++arity.min;
    }
    if (repeated) {
      arity.max.reset();
    } else if (arity.max) {
      ++*arity.max;
    }
  }
  return arity;
}

std::string escape_admin_field(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (char c : field) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::optional<std::string> unescape_admin_field(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (c == '\t' || c == '\n') {
      return std::nullopt;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == field.size()) {
      return std::nullopt;
    }
    switch (field[i]) {
      case '\\':
        out += '\\';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

AdminLine decode_admin_line(std::string_view line) {
  AdminLine result;
  if (line.size() > kMaxAdminLineBytes) {
    result.error = "line of " + std::to_string(line.size()) + " bytes exceeds the limit of " +
                   std::to_string(kMaxAdminLineBytes);
    return result;
  }
  if (line.empty()) {
    return result;
  }
  if (line.find('\n') != std::string_view::npos) {
    result.error = "line contains an unescaped LF";
    return result;
  }
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    if (fields.size() == kMaxAdminFields) {
      result.error = "line has more than " + std::to_string(kMaxAdminFields) + " fields";
      return result;
    }
    std::size_t tab = line.find('\t', start);
    std::string_view raw = line.substr(start, tab == std::string_view::npos ? tab : tab - start);
    auto field = unescape_admin_field(raw);
    if (!field) {
      result.error = "field " + std::to_string(fields.size() + 1) +
                     " has an invalid escape (only \\\\, \\t and \\n exist)";
      return result;
    }
    fields.push_back(std::move(*field));
    if (tab == std::string_view::npos) {
      break;
    }
    start = tab + 1;
  }
  result.fields = std::move(fields);
  return result;
}

std::optional<std::string> encode_admin_line(const std::vector<std::string>& fields) {
  if (fields.size() > kMaxAdminFields) {
    return std::nullopt;
  }
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) {
      line += '\t';
    }
    line += escape_admin_field(fields[i]);
    if (line.size() > kMaxAdminLineBytes) {
      return std::nullopt;
    }
  }
  line += '\n';
  return line;
}

std::string encode_admin_reply(const AdminReply& reply) {
  std::string out;
  if (!reply.error) {
    for (std::size_t i = 0; i < reply.rows.size(); ++i) {
      std::vector<std::string> fields;
      fields.reserve(reply.rows[i].size() + 1);
      fields.emplace_back("data");
      fields.insert(fields.end(), reply.rows[i].begin(), reply.rows[i].end());
      auto line = encode_admin_line(fields);
      if (!line) {
        return encode_admin_reply(AdminReply::failure(
            "reply row " + std::to_string(i + 1) + " exceeds the admin protocol limits (" +
            std::to_string(kMaxAdminFields - 1) + " fields, " + std::to_string(kMaxAdminLineBytes) +
            " bytes per line)"));
      }
      out += *line;
    }
    out += "ok\n";
    return out;
  }
  // Rows sent before a failure would be misleading (a half-done listing), so an error
  // reply carries only the error.
  return *encode_admin_line({"error", shorten_message(*reply.error)});
}

AdminReplyDecoder::State AdminReplyDecoder::fail(std::string reason) {
  malformed_reason_ = std::move(reason);
  state_ = State::malformed;
  return state_;
}

AdminReplyDecoder::State AdminReplyDecoder::feed(std::string_view line) {
  if (state_ != State::incomplete) {
    return fail("unexpected line after the end of the reply");
  }
  AdminLine decoded = decode_admin_line(line);
  if (!decoded.error.empty()) {
    return fail(decoded.error);
  }
  auto& fields = decoded.fields;
  if (fields.empty()) {
    return fail("empty reply line");
  }
  if (fields[0] == "data") {
    reply_.rows.emplace_back(std::make_move_iterator(fields.begin() + 1),
                             std::make_move_iterator(fields.end()));
    return state_;
  }
  if (fields[0] == "ok" && fields.size() == 1) {
    state_ = State::complete;
    return state_;
  }
  if (fields[0] == "error" && fields.size() == 2) {
    reply_.rows.clear();
    reply_.error = std::move(fields[1]);
    state_ = State::complete;
    return state_;
  }
  return fail("unexpected reply line starting with '" + shorten_message(fields[0]) + "'");
}

std::vector<std::string> to_help_row(const AdminCommandSpec& spec) {
  return {spec.group, spec.verb, spec.usage, spec.summary,
          spec.secret_last_argument ? "secret" : ""};
}

std::optional<AdminCommandSpec> from_help_row(const std::vector<std::string>& row) {
  if (row.size() != 5 || row[0].empty() || (!row[4].empty() && row[4] != "secret")) {
    return std::nullopt;
  }
  return AdminCommandSpec{row[0], row[1], row[2], row[3], row[4] == "secret"};
}

std::string resolve_admin_socket_path(std::string_view admin_socket, std::string_view data_dir) {
  if (admin_socket.empty()) {
    return (std::filesystem::path(data_dir) / kDefaultAdminSocketName).string();
  }
  if (admin_socket.front() == '/') {
    return std::string(admin_socket);
  }
  return (std::filesystem::path(data_dir) / admin_socket).string();
}

}  // namespace stoa::xmpp::server
