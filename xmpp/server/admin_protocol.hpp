#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The admin socket's wire format, shared by stoad and stoactl.
//
// A request is one line: fields separated by TAB, each field escaped (backslash -> \\,
// TAB -> \t, LF -> \n), ended by LF. A reply is zero or more "data<TAB>field..." lines, then
// exactly one "ok" or "error<TAB>message" line. A line with no characters has no fields.
namespace stoa::xmpp::server {

/// Longest line, in bytes before its LF, either side accepts.
inline constexpr std::size_t kMaxAdminLineBytes = 64 * 1024;
/// Most fields in one line, the command words included.
inline constexpr std::size_t kMaxAdminFields = 64;
/// Socket file name under data_dir when the configuration names none.
inline constexpr std::string_view kDefaultAdminSocketName = "stoad.sock";

/// What a command answers: data rows, then success (no error) or an error message.
struct AdminReply {
  std::vector<std::vector<std::string>> rows;
  std::optional<std::string> error;

  /// A reply carrying only an error.
  static AdminReply failure(std::string message);
};

/// One command as listed by `help`, which is how stoactl learns the commands a stoad has.
struct AdminCommandSpec {
  std::string group;  ///< first word, e.g. "user"
  std::string verb;   ///< second word, e.g. "add"; empty for one-word commands such as "status"
  /// Argument synopsis: words separated by spaces; "[WORD]" is optional, a last "WORD..." takes
  /// one or more, "[WORD...]" zero or more. The server checks argument counts against it.
  std::string usage;
  std::string summary;  ///< one line for `help`
  /// The last argument is a secret (a password): stoactl reads it from the terminal or stdin,
  /// never from its command line, where `ps` and shell history would show it.
  bool secret_last_argument = false;

  /// "group verb" or "group".
  std::string name() const;
};

/// Argument counts a usage synopsis accepts.
struct AdminArity {
  std::size_t min = 0;
  std::optional<std::size_t> max = 0;  ///< nullopt: unbounded
};

/// Counts the arguments `usage` (AdminCommandSpec::usage grammar) accepts.
AdminArity admin_usage_arity(std::string_view usage);

/// Escapes one field so that it holds no TAB and no LF.
std::string escape_admin_field(std::string_view field);
/// Reverses escape_admin_field; nullopt on an unknown escape or a trailing backslash.
std::optional<std::string> unescape_admin_field(std::string_view field);

/// The fields of one received line, or why it was refused (then `fields` is empty).
struct AdminLine {
  std::vector<std::string> fields;
  std::string error;  ///< empty when the line was well-formed and within the limits
};

/// Splits and unescapes one line given without its LF, enforcing the limits.
AdminLine decode_admin_line(std::string_view line);

/// The escaped, TAB-joined fields followed by LF; nullopt when the line would exceed
/// kMaxAdminFields fields or kMaxAdminLineBytes bytes.
std::optional<std::string> encode_admin_line(const std::vector<std::string>& fields);

/// Every line of `reply`, each ended by LF. A row exceeding the limits turns the whole reply into
/// an error naming that row, and an overlong error message is shortened, so the result is always
/// decodable by AdminReplyDecoder.
std::string encode_admin_reply(const AdminReply& reply);

/// Assembles a reply from the lines stoad sends, one at a time.
class AdminReplyDecoder {
 public:
  enum class State { incomplete, complete, malformed };

  /// Takes one line without its LF; lines after the reply completed are malformed.
  State feed(std::string_view line);

  State state() const { return state_; }
  /// The reply so far; meaningful once state() is complete.
  const AdminReply& reply() const { return reply_; }
  /// Why the stream of lines was rejected, when state() is malformed.
  const std::string& malformed_reason() const { return malformed_reason_; }

 private:
  State fail(std::string reason);

  AdminReply reply_;
  State state_ = State::incomplete;
  std::string malformed_reason_;
};

/// The help row for `spec`: group, verb, usage, summary, "secret" or "".
std::vector<std::string> to_help_row(const AdminCommandSpec& spec);
/// Reverses to_help_row; nullopt when `row` is not a help row.
std::optional<AdminCommandSpec> from_help_row(const std::vector<std::string>& row);

/// Where the admin socket is: `admin_socket` when absolute, relative to `data_dir` when relative,
/// data_dir/stoad.sock when empty. stoad and stoactl both resolve it here so they agree.
std::string resolve_admin_socket_path(std::string_view admin_socket, std::string_view data_dir);

}  // namespace stoa::xmpp::server
