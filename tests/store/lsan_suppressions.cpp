// LeakSanitizer reads this hook at start-up (it is only called in sanitizer builds).
//
// libpqxx 6.4 leaks the libpq result of a statement that runs into a dead connection
// (transaction_base::direct_exec throws without freeing it): a few kilobytes per lost
// connection, which the reconnection tests provoke on purpose. The suppression names the
// allocating libpq function because libpq's frames cannot be unwound further by default.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:PQmakeEmptyPGresult\n";
}
