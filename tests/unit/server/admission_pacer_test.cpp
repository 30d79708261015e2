#include "xmpp/server/admission_pacer.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "xmpp/server/work_delay_gauge.hpp"

namespace stoa::xmpp::server {
namespace {

using namespace std::chrono_literals;

constexpr auto kTarget = 20ms;
constexpr auto kKeepingUp = 1ms;
constexpr auto kBehind = 50ms;

/// Admits as many as the pacer allows now; returns how many that was.
int admit_all_allowed(AdmissionPacer& pacer, int waiting) {
  int admitted = 0;
  while (admitted < waiting && pacer.may_admit()) {
    pacer.admitted();
    ++admitted;
  }
  return admitted;
}

TEST(AdmissionPacerTest, TargetZero_AdmitsEverythingAtOnce) {
  AdmissionPacer pacer(0ms);
  EXPECT_EQ(admit_all_allowed(pacer, 5000), 5000);
  pacer.end_tick(10s, true);
  EXPECT_EQ(admit_all_allowed(pacer, 5000), 5000);
}

TEST(AdmissionPacerTest, OneConnectionAfterIdle_AdmittedAtOnce) {
  AdmissionPacer pacer(kTarget);
  pacer.end_tick(kKeepingUp, false);
  EXPECT_EQ(admit_all_allowed(pacer, 1), 1);
}

TEST(AdmissionPacerTest, BurstWhileKeepingUp_StartsSlowAndSpeedsUp) {
  AdmissionPacer pacer(kTarget);
  std::vector<int> per_tick;
  for (int tick = 0; tick < 30; ++tick) {
    per_tick.push_back(admit_all_allowed(pacer, 100000));
    pacer.end_tick(kKeepingUp, true);
  }
  EXPECT_EQ(per_tick.front(), 1);
  for (std::size_t i = 1; i < per_tick.size(); ++i) {
    EXPECT_GE(per_tick[i], per_tick[i - 1]) << "tick " << i;
  }
  EXPECT_GT(per_tick.back(), 100) << "a quarter more each tick: ~800 by the 30th";
}

TEST(AdmissionPacerTest, Behind_RateDropsToTheFloorButNeverStops) {
  AdmissionPacer pacer(kTarget);
  for (int tick = 0; tick < 20; ++tick) {
    admit_all_allowed(pacer, 100000);
    pacer.end_tick(kKeepingUp, true);
  }
  const double fast = pacer.rate();
  pacer.end_tick(kBehind, true);
  EXPECT_DOUBLE_EQ(pacer.rate(), fast * 0.7);
  int admitted = 0;
  for (int tick = 0; tick < 2000; ++tick) {
    admitted += admit_all_allowed(pacer, 100000);
    pacer.end_tick(kBehind, true);
  }
  EXPECT_DOUBLE_EQ(pacer.rate(), AdmissionPacer::kSlowest);
  EXPECT_GT(admitted, 0);
  // Once at the floor, one admission per 1 / kSlowest ticks.
  int at_floor = 0;
  for (int tick = 0; tick < 200; ++tick) {
    at_floor += admit_all_allowed(pacer, 100000);
    pacer.end_tick(kBehind, true);
  }
  EXPECT_EQ(at_floor, 10);
}

TEST(AdmissionPacerTest, AfterASlowdown_GrowsByStepsNotByQuarters) {
  AdmissionPacer pacer(kTarget);
  pacer.end_tick(kBehind, true);
  const double slowed = pacer.rate();
  pacer.end_tick(kKeepingUp, true);
  EXPECT_DOUBLE_EQ(pacer.rate(), slowed + AdmissionPacer::kStep);
}

TEST(AdmissionPacerTest, NearTheTarget_RateHolds) {
  AdmissionPacer pacer(kTarget);
  pacer.end_tick(kBehind, true);
  const double rate = pacer.rate();
  pacer.end_tick(15ms, true);
  EXPECT_DOUBLE_EQ(pacer.rate(), rate);
}

TEST(AdmissionPacerTest, NobodyLeftWaiting_NextBurstStartsSlowlyAgain) {
  AdmissionPacer pacer(kTarget);
  for (int tick = 0; tick < 20; ++tick) {
    admit_all_allowed(pacer, 100000);
    pacer.end_tick(kKeepingUp, true);
  }
  pacer.end_tick(kKeepingUp, false);
  EXPECT_DOUBLE_EQ(pacer.rate(), AdmissionPacer::kFirst);
  EXPECT_EQ(admit_all_allowed(pacer, 100000), 1);
}

TEST(AdmissionPacerTest, AllowanceUnusedWhileIdle_DoesNotPileUp) {
  AdmissionPacer pacer(kTarget);
  for (int tick = 0; tick < 20; ++tick) {
    pacer.end_tick(kKeepingUp, true);  // waiting, but slots were full: nothing admitted
  }
  const double rate = pacer.rate();
  EXPECT_LE(admit_all_allowed(pacer, 100000), static_cast<int>(rate) + 1);
}

TEST(WorkDelayGaugeTest, Take_LongestSinceLastTakeThenZero) {
  WorkDelayGauge gauge;
  gauge.record(3ms);
  gauge.record(9ms);
  gauge.record(4ms);
  EXPECT_EQ(gauge.take(), std::chrono::duration_cast<WorkDelayGauge::Clock::duration>(9ms));
  EXPECT_EQ(gauge.take(), WorkDelayGauge::Clock::duration::zero());
}

TEST(WorkDelayGaugeTest, Record_FromManyThreads_KeepsTheLongest) {
  WorkDelayGauge gauge;
  std::vector<std::thread> threads;
  for (int t = 1; t <= 4; ++t) {
    threads.emplace_back([&gauge, t] {
      for (int i = 0; i < 10000; ++i) {
        gauge.record(std::chrono::microseconds(t * 10000 + i % 100));
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(gauge.take(), std::chrono::duration_cast<WorkDelayGauge::Clock::duration>(40099us));
}

}  // namespace
}  // namespace stoa::xmpp::server
