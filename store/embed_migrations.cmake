# Writes OUTPUT: a C++ source defining NAMESPACE::FUNCTION() (default
# stoa::store::embedded_migrations()) from the SQL files in MIGRATIONS ('|'-separated).
# Run with cmake -P. Another program with its own database (stoa-compliance) embeds its own set
# under its own name.
if(NOT DEFINED NAMESPACE)
  set(NAMESPACE "stoa::store")
endif()
if(NOT DEFINED FUNCTION)
  set(FUNCTION "embedded_migrations")
endif()
string(REPLACE "|" ";" files "${MIGRATIONS}")
list(SORT files)
set(delimiter "stoa_sql")
set(entries "")
set(expected 1)
foreach(file IN LISTS files)
  get_filename_component(base "${file}" NAME)
  if(NOT base MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "${file}: migration names must look like 0001_some_name.sql")
  endif()
  set(name "${CMAKE_MATCH_2}")
  math(EXPR version "${CMAKE_MATCH_1}")
  if(NOT version EQUAL expected)
    message(FATAL_ERROR "${file}: expected migration number ${expected}; numbers must be 1, 2, 3... without gaps")
  endif()
  math(EXPR expected "${expected} + 1")
  file(READ "${file}" sql)
  string(FIND "${sql}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file}: contains the raw string delimiter )${delimiter}\"")
  endif()
  string(APPEND entries "    {${version}, \"${name}\", R\"${delimiter}(${sql})${delimiter}\"},\n")
endforeach()
if(expected EQUAL 1)
  message(FATAL_ERROR "no migrations found")
endif()

set(content "// Generated from SQL migrations by store/embed_migrations.cmake. Do not edit.
#include \"store/migrations.hpp\"

namespace ${NAMESPACE} {

namespace {
constexpr ::stoa::store::Migration kMigrations[] = {
${entries}};
}  // namespace

std::span<const ::stoa::store::Migration> ${FUNCTION}() { return kMigrations; }

}  // namespace ${NAMESPACE}
")
# Only touch the file when it changes, so that an unrelated rebuild recompiles nothing.
set(previous "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" previous)
endif()
if(NOT previous STREQUAL content)
  file(WRITE "${OUTPUT}" "${content}")
endif()
