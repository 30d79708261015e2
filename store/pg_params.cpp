#include "store/pg_params.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace stoa::store {

using namespace std::chrono;

void check_text(std::string_view what, const std::string& value) {
  if (value.find('\0') != std::string::npos) {
    throw std::invalid_argument(std::string(what) + " contains a NUL byte");
  }
}

std::string timestamp_param(muc::Timestamp time) {
  constexpr auto kFirstDay = sys_days(year(1) / January / 1);
  constexpr auto kLastDay = sys_days(year(9999) / December / 31);
  const sys_days day = floor<days>(time);
  if (day < kFirstDay || day > kLastDay) {
    throw std::invalid_argument("timestamp outside the years 1 to 9999");
  }
  const year_month_day date(day);
  const hh_mm_ss<microseconds> clock(time - day);
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u %02d:%02d:%02d.%06lld+00",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()),
                static_cast<long long>(clock.subseconds().count()));
  return text;
}

}  // namespace stoa::store
