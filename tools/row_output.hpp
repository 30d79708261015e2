#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace stoa::tools {

using Rows = std::vector<std::vector<std::string>>;

/// For people (a terminal): columns padded to a common width, control characters shown as '?'
/// so that no field can send escape sequences to the terminal.
void print_aligned(std::FILE* out, const Rows& rows, const std::string& indent = {});

/// For scripts: one line per row, fields separated by TAB and escaped as on the admin socket
/// (backslash, TAB and LF become \\, \t and \n), so that every value survives intact.
void print_tab_separated(std::FILE* out, const Rows& rows);

}  // namespace stoa::tools
