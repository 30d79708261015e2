#include "tools/row_output.hpp"

#include <algorithm>

#include "xmpp/server/admin_protocol.hpp"

namespace stoa::tools {

namespace {

std::string printable(const std::string& field) {
  std::string out = field;
  for (char& c : out) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      c = '?';
    }
  }
  return out;
}

/// Characters on screen, approximated by UTF-8 code points.
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace

void print_aligned(std::FILE* out, const Rows& rows, const std::string& indent) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    // The last column is not padded, so its width does not matter.
    for (std::size_t i = 0; i + 1 < row.size(); ++i) {
      if (widths.size() <= i) {
        widths.resize(i + 1, 0);
      }
      widths[i] = std::max(widths[i], display_width(printable(row[i])));
    }
  }
  for (const auto& row : rows) {
    std::string line = indent;
    for (std::size_t i = 0; i < row.size(); ++i) {
      std::string field = printable(row[i]);
      line += field;
      if (i + 1 < row.size()) {
        line.append(widths[i] - display_width(field) + 2, ' ');
      }
    }
    std::fprintf(out, "%s\n", line.c_str());
  }
}

void print_tab_separated(std::FILE* out, const Rows& rows) {
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) {
        line += '\t';
      }
      line += xmpp::server::escape_admin_field(row[i]);
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out);
  }
}

}  // namespace stoa::tools
