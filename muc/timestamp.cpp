#include "muc/timestamp.hpp"

#include <cstdio>

namespace stoa::muc {

namespace {

using namespace std::chrono;

bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
  if (pos + count > text.size()) {
    return false;
  }
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  pos += count;
  out = value;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::string format_timestamp(Timestamp time) {
  const sys_days day = floor<days>(time);
  const year_month_day ymd(day);
  const hh_mm_ss<microseconds> clock(time - day);
  char buffer[40];
  int n = std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d",
                        static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                        static_cast<unsigned>(ymd.day()), static_cast<int>(clock.hours().count()),
                        static_cast<int>(clock.minutes().count()),
                        static_cast<int>(clock.seconds().count()));
  std::string out(buffer, static_cast<std::size_t>(n));
  if (auto fraction = clock.subseconds().count(); fraction != 0) {
    std::snprintf(buffer, sizeof buffer, ".%06lld", static_cast<long long>(fraction));
    out += buffer;
  }
  out += 'Z';
  return out;
}

std::optional<Timestamp> parse_timestamp(std::string_view text) {
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!read_digits(text, pos, 4, y) || !expect(text, pos, '-') || !read_digits(text, pos, 2, mo) ||
      !expect(text, pos, '-') || !read_digits(text, pos, 2, d) || !expect(text, pos, 'T') ||
      !read_digits(text, pos, 2, h) || !expect(text, pos, ':') || !read_digits(text, pos, 2, mi) ||
      !expect(text, pos, ':') || !read_digits(text, pos, 2, s)) {
    return std::nullopt;
  }
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)),
                           day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) {
    return std::nullopt;
  }
  microseconds fraction{0};
  if (expect(text, pos, '.')) {
    // Digits past the sixth are dropped: microseconds are all the precision kept.
    std::size_t digits = 0;
    long long value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) {
        value = value * 10 + (text[pos] - '0');
      }
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 32) {
      return std::nullopt;
    }
    for (std::size_t i = digits; i < 6; ++i) {
      value *= 10;
    }
    fraction = microseconds(value);
  }
  minutes offset{0};
  if (!expect(text, pos, 'Z')) {
    bool negative = pos < text.size() && text[pos] == '-';
    int oh = 0, om = 0;
    if (!(expect(text, pos, '+') || expect(text, pos, '-')) || !read_digits(text, pos, 2, oh) ||
        !expect(text, pos, ':') || !read_digits(text, pos, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = hours(oh) + minutes(om);
    if (negative) {
      offset = -offset;
    }
  }
  if (pos != text.size()) {
    return std::nullopt;
  }
  return Timestamp(sys_days(ymd) + hours(h) + minutes(mi) + seconds(s) + fraction - offset);
}

}  // namespace stoa::muc
