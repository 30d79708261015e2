#pragma once

#include <asio/awaitable.hpp>
#include <asio/ssl/stream.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/stanza_framer.hpp"
#include "bench/worker_context.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace stoa::bench {

/// Why a join was sent: they are counted apart.
enum class JoinKind { initial, churn, storm };

/// One client account: its connection (replaced on reconnect), its rooms and what is under way
/// in each. Runs on its worker's single thread.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(WorkerContext& ctx, std::uint32_t user);

  /// Connects, negotiates TLS and SASL, binds and sends initial presence, retrying as the
  /// scenario allows. True once bound; failures are counted in the results by kind.
  asio::awaitable<bool> login();

  bool bound() const { return connection_ && connection_->bound; }
  std::uint32_t user() const { return user_; }
  std::size_t slot_count() const { return slots_.size(); }
  std::uint32_t room(std::size_t slot) const { return slots_[slot].room; }
  bool joined(std::size_t slot) const { return slots_[slot].state == SlotState::joined; }

  /// Enters a room (creating it when the server says it is new).
  void join(std::size_t slot, JoinKind kind);
  /// Leaves a room and enters it again once the server confirms the exit.
  void rejoin(std::size_t slot);
  /// A groupchat message carrying the send time.
  void post(std::size_t slot);
  /// Toggles between available and away, to the server and to every joined room.
  void change_presence();
  /// Asks for the last page of a room's archive (XEP-0313).
  void query_archive(std::size_t slot);
  /// Ends the stream politely; the server then closes the connection.
  void close();

 private:
  enum class SlotState { idle, joining, configuring, joined, leaving, failed };
  struct Slot {
    std::uint32_t room;
    SlotState state = SlotState::idle;
    JoinKind kind = JoinKind::initial;
    Clock::time_point started{};
  };
  static constexpr std::size_t kSmallestRead = 4096;
  static constexpr std::size_t kLargestRead = 256 * 1024;
  /// One TCP connection with its stream state; handlers keep it alive until they complete.
  struct Connection {
    explicit Connection(WorkerContext& ctx);
    asio::ssl::stream<asio::ip::tcp::socket> stream;
    bool tls = false;
    bool bound = false;
    bool closing = false;
    bool writing = false;
    std::string out;
    std::string in_flight;
    /// The framer cuts the stream; the parser reads only what the session cannot peek at.
    StanzaFramer framer;
    xmpp::XmlStreamParser parser;
    /// Grows while reads fill it: one process serves thousands of sessions, and a session that
    /// is owed a lot (a large room's occupant list) would otherwise get 4 KiB per turn of the
    /// event loop, a delay of the generator's, not the server's.
    std::vector<char> buffer = std::vector<char>(kSmallestRead);
  };

  asio::awaitable<bool> attempt();
  asio::awaitable<bool> start_tls();
  /// The text of the stream's next first-level element, valid until the next read; nullopt
  /// (with the reason counted) when the stream ended or broke.
  asio::awaitable<std::optional<std::string_view>> next_stanza(
      std::shared_ptr<Connection> connection, std::string_view phase);
  /// next_stanza(), parsed.
  asio::awaitable<std::optional<xmpp::Element>> next_element(std::shared_ptr<Connection> connection,
                                                             std::string_view phase);
  /// A stream error (or bad XML) is counted and gives nullopt.
  std::optional<xmpp::Element> parse_stanza(Connection& connection, std::string_view stanza,
                                            std::string_view phase);
  void restart_stream(Connection& connection);
  void open_stream();
  asio::awaitable<bool> authenticate(const xmpp::Element& features);
  asio::awaitable<bool> bind();
  asio::awaitable<void> read_loop(std::shared_ptr<Connection> connection);
  void on_disconnected(Connection& connection);

  void send(std::string_view text);
  void flush(const std::shared_ptr<Connection>& connection);

  /// Handles the stanzas that need no parsing (most of a benchmark's load) from their text;
  /// false leaves the stanza to handle().
  bool handle_text(std::string_view stanza);
  void handle(const xmpp::Element& stanza);
  void on_message(const xmpp::Element& message);
  void on_groupchat(std::string_view from, std::string_view body);
  void on_presence(const xmpp::Element& presence);
  void on_iq(const xmpp::Element& iq);
  void joined_room(Slot& slot);
  Slot* slot_of(std::string_view from);
  void send_join(Slot& slot);
  void send_room_configuration(const Slot& slot);

  WorkerContext& ctx_;
  std::uint32_t user_;
  std::string name_;
  std::vector<Slot> slots_;
  std::shared_ptr<Connection> connection_;
  std::uint64_t next_id_ = 0;
  bool away_ = false;
  std::vector<std::pair<std::uint64_t, Clock::time_point>> archive_queries_;
};

}  // namespace stoa::bench
