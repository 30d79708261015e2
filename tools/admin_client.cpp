#include "tools/admin_client.hpp"

#include <asio/error.hpp>
#include <asio/read_until.hpp>
#include <asio/write.hpp>
#include <cerrno>
#include <string_view>

namespace stoa::tools {

namespace {

std::string describe_connect_failure(const std::string& path, const asio::error_code& ec) {
  std::string text = "cannot reach stoad at " + path + ": " + ec.message();
  // asio reports connect() failures in its own system category, so compare errno values.
  bool is_system = ec.category() == asio::error::get_system_category();
  if (is_system && (ec.value() == ECONNREFUSED || ec.value() == ENOENT)) {
    text += " \u2014 is stoad running?";
  } else if (is_system && (ec.value() == EACCES || ec.value() == EPERM)) {
    text += " \u2014 run stoactl as the user stoad runs as";
  }
  return text;
}

}  // namespace

AdminClient::AdminClient(std::string socket_path)
    : socket_path_(std::move(socket_path)), socket_(io_) {
  asio::error_code ec;
  socket_.connect(asio::local::stream_protocol::endpoint(socket_path_), ec);
  if (ec) {
    throw AdminUnreachable(describe_connect_failure(socket_path_, ec));
  }
}

xmpp::server::AdminReply AdminClient::request(const std::vector<std::string>& fields) {
  using namespace xmpp::server;
  auto line = encode_admin_line(fields);
  if (!line) {
    throw AdminProtocolError("the command is too large for the admin protocol (at most " +
                             std::to_string(kMaxAdminFields) + " words and " +
                             std::to_string(kMaxAdminLineBytes) + " bytes)");
  }
  asio::error_code ec;
  asio::write(socket_, asio::buffer(*line), ec);
  if (ec) {
    throw AdminUnreachable("lost the connection to stoad at " + socket_path_ + ": " + ec.message());
  }
  AdminReplyDecoder decoder;
  while (decoder.state() == AdminReplyDecoder::State::incomplete) {
    std::size_t length =
        asio::read_until(socket_, asio::dynamic_buffer(buffer_, kMaxAdminLineBytes + 1), '\n', ec);
    if (ec == asio::error::not_found) {
      throw AdminProtocolError("stoad sent a reply line longer than " +
                               std::to_string(kMaxAdminLineBytes) + " bytes");
    }
    if (ec) {
      throw AdminUnreachable("lost the connection to stoad at " + socket_path_ +
                             " before its reply ended: " + ec.message());
    }
    decoder.feed(std::string_view(buffer_).substr(0, length - 1));
    buffer_.erase(0, length);
  }
  if (decoder.state() == AdminReplyDecoder::State::malformed) {
    throw AdminProtocolError("malformed reply from stoad: " + decoder.malformed_reason());
  }
  return decoder.reply();
}

}  // namespace stoa::tools
