#include "tools/secret_input.hpp"

#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace stoa::tools {

namespace {

// A signal handler gets no context, so the terminal settings it must put back live here. They
// are written only while no handler is installed.
termios saved_terminal{};

constexpr std::array kRestoringSignals{SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void restore_terminal_and_die(int signal) {
  // Only async-signal-safe calls here.
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_terminal);
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

/// Turns terminal echo off for its lifetime, and back on even when the user presses Ctrl-C.
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &saved_terminal) != 0) {
      throw SecretInputError(std::string("cannot read the terminal settings: ") +
                             std::strerror(errno));
    }
    struct sigaction action {};
    action.sa_handler = restore_terminal_and_die;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < kRestoringSignals.size(); ++i) {
      ::sigaction(kRestoringSignals[i], &action, &previous_[i]);
    }
    termios quiet = saved_terminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // still echo the Enter, so the next prompt starts a new line
    if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
      int error = errno;
      restore_handlers();
      throw SecretInputError(std::string("cannot turn terminal echo off: ") + std::strerror(error));
    }
  }
  ~EchoOff() {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_terminal);
    restore_handlers();
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  void restore_handlers() {
    for (std::size_t i = 0; i < kRestoringSignals.size(); ++i) {
      ::sigaction(kRestoringSignals[i], &previous_[i], nullptr);
    }
  }

  std::array<struct sigaction, kRestoringSignals.size()> previous_{};
};

/// One line of stdin without its line ending; throws on end of input or an overlong line.
std::string read_line(std::string_view name) {
  std::string line;
  char c = 0;
  while (std::cin.get(c)) {
    if (c == '\n') {
      break;
    }
    if (line.size() == kMaxSecretBytes) {
      throw SecretInputError("the " + std::string(name) + " is longer than " +
                             std::to_string(kMaxSecretBytes) + " bytes");
    }
    line += c;
  }
  if (!std::cin && line.empty()) {
    throw SecretInputError("no " + std::string(name) + " given: standard input ended");
  }
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

std::string capitalized(std::string_view name) {
  std::string text(name);
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') {
    text[0] = static_cast<char>(text[0] - 'a' + 'A');
  }
  return text;
}

}  // namespace

std::string read_secret(std::string_view name) {
  if (!::isatty(STDIN_FILENO)) {
    return read_line(name);
  }
  EchoOff echo_off;
  std::fprintf(stderr, "%s: ", capitalized(name).c_str());
  std::fflush(stderr);
  std::string first = read_line(name);
  std::fprintf(stderr, "Retype %.*s: ", static_cast<int>(name.size()), name.data());
  std::fflush(stderr);
  std::string second = read_line(name);
  if (first != second) {
    throw SecretInputError("the two " + std::string(name) + "s do not match");
  }
  return first;
}

}  // namespace stoa::tools
