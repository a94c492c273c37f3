package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The per-user rate under a flood of users, as signature authentication allows anyone to make: past
 * the number of users it forgets, it sweeps at most every {@link RequestRate#SWEEP_EVERY_NANOS},
 * not on every request (which made each request a pass over every user tracked), and it still
 * forgets the users whose buckets are full again.
 */
class RequestRateTest {
  /**
   * Users whose buckets never refill in time (an attacker's, each used once, at a low rate) are
   * never forgotten, so each sweep passes over all of them: they must come at most every interval.
   */
  @Test
  void aFloodOfUsers_isSweptNowAndThen_notOnEveryRequest() {
    RequestRate rate = new RequestRate(0.001, 2);
    for (int u = 0; u < 100_001; u++) {
      assertThat(rate.tryAcquire("user-" + u)).isTrue();
    }
    long start = System.nanoTime();
    int requests = 0;
    while (System.nanoTime() - start < 2 * RequestRate.SWEEP_EVERY_NANOS) {
      rate.tryAcquire("more-" + requests++);
    }
    // at most one sweep per interval (and one more at an edge), however many requests came
    assertThat(rate.sweeps()).isBetween(1L, 3L);
    assertThat(requests).isGreaterThan(1000);
  }

  @Test
  void usersWhoseBucketsRefilled_areForgottenAtTheNextSweep() throws Exception {
    RequestRate rate = new RequestRate(1000, 2); // full again 1 ms after one request
    for (int u = 0; u < 100_001; u++) {
      rate.tryAcquire("user-" + u);
    }
    Thread.sleep(RequestRate.SWEEP_EVERY_NANOS / 1_000_000 + 50);
    rate.tryAcquire("one more");
    assertThat(rate.sweeps()).isEqualTo(1);
    assertThat(rate.tracked()).isLessThan(10);
  }

  @Test
  void aUserOverItsRate_isRefused_andAnotherIsNot() {
    RequestRate rate = new RequestRate(0.001, 2);
    assertThat(rate.tryAcquire("alice")).isTrue();
    assertThat(rate.tryAcquire("alice")).isTrue();
    assertThat(rate.tryAcquire("alice")).isFalse();
    assertThat(rate.tryAcquire("bob")).isTrue();
  }
}
