#include "tests/wire/wire_test.hpp"
namespace stoa::test {
class DebugTest : public WireTest {};
TEST_F(DebugTest, Guesses) {
  ASSERT_TRUE(start_with_users({{"limits.auth_failures_per_address", "3"}}));
  for (int i = 0; i < 5; ++i) {
    XmppClient g;
    auto r = g.connect(kAlice, "guess", starttls());
    std::cerr << "==== attempt " << i << " ok=" << r.ok << "\n" << r.error << "\n";
  }
  ADD_FAILURE() << "keep";
  {
  }
}
}
