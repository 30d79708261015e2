#include "bench/server_probe.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace stoa::bench {

std::optional<ServerSample> sample_server(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream status(dir + "/status");
  std::ifstream stat(dir + "/stat");
  if (!status || !stat) {
    return std::nullopt;
  }
  ServerSample sample;
  std::string line;
  while (std::getline(status, line)) {
    std::istringstream fields(line);
    std::string key;
    long value = 0;
    fields >> key >> value;
    if (key == "VmRSS:") {
      sample.rss_kib = value;
    } else if (key == "VmHWM:") {
      sample.peak_rss_kib = value;
    }
  }
  // The command name (field 2) may hold spaces: the fields that follow start after its ')'.
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  double ticks = 0;
  for (int index = 3; fields >> field && index <= 15; ++index) {
    if (index == 14 || index == 15) {  // utime, stime
      ticks += std::stod(field);
    }
  }
  sample.cpu_seconds = ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  return sample;
}

}  // namespace stoa::bench
