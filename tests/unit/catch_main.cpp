// Catch2's runner, and a listener that remembers whether the running test case has failed an
// assertion, so a scratch folder (fixtures/scratch_dir.hpp) knows whether to stay for a look.
#define CATCH_CONFIG_MAIN
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include "fixtures/scratch_dir.hpp"

namespace {

bool current_failed = false;

struct FailureWatch : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(Catch::TestCaseInfo const& info) override {
    current_failed = false;
    TestEventListenerBase::testCaseStarting(info);
  }
  bool assertionEnded(Catch::AssertionStats const& stats) override {
    if (!stats.assertionResult.isOk()) current_failed = true;
    return TestEventListenerBase::assertionEnded(stats);
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(FailureWatch)

bool fixtures::test_case_failed() {
  return current_failed;
}
