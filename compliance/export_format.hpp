#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "compliance/event.hpp"
#include "compliance/event_store.hpp"

namespace stoa::compliance {

/// The export formats of `stoa-compliance export`.
enum class ExportFormat { xml, json, csv };

/// "xml", "json" or "csv"; nullopt otherwise.
std::optional<ExportFormat> parse_export_format(std::string_view name);

/// The order a format wants its rows in: XML groups them per room.
EventOrder order_for(ExportFormat format);

/// Writes an export as the events come, holding at most one room's summary in memory.
class ExportWriter {
 public:
  virtual ~ExportWriter() = default;
  /// One event, in the order order_for() names.
  virtual void write(const Event& event) = 0;
  /// Closes what is open; call once after the last event.
  virtual void finish() = 0;
};

/// A writer of `format` onto `out`; the header (if any) is written at once.
std::unique_ptr<ExportWriter> make_export_writer(ExportFormat format, std::ostream& out);

/// Escapes text for an XML attribute value or character data (&, <, >, ", ' and the
/// whitespace an attribute would otherwise normalize away).
std::string xml_escape(std::string_view text);
/// A JSON string literal, quotes included.
std::string json_string(std::string_view text);
/// An RFC 4180 field: quoted when it holds a comma, a quote, CR or LF, quotes doubled.
std::string csv_field(std::string_view text);

/// What a reader of the XML export sees as the content: the body of a message, the subject of
/// a subject change, a plain-text payload as it is, nothing for a stanza or form without text.
std::string readable_content(const Event& event);

}  // namespace stoa::compliance
