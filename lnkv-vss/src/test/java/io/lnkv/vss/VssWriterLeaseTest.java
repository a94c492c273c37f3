package io.lnkv.vss;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.ConflictException;
import io.lnkv.StoreLockedException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The lease's own rules, on an in-memory record (the store's record is tested over HTTP). */
class VssWriterLeaseTest {
  /** A compare-and-set record in memory. */
  private static final class MemoryRecord implements VssWriterLease.Record {
    private byte[] value;
    private long version;

    @Override
    public synchronized Optional<VssWriterLease.Versioned> read() {
      return value == null
          ? Optional.empty()
          : Optional.of(new VssWriterLease.Versioned(value, version));
    }

    @Override
    public synchronized long write(byte[] value, long expected) {
      if (expected != version) {
        throw new ConflictException("version " + version + ", not " + expected);
      }
      this.value = value;
      return ++version;
    }

    @Override
    public synchronized void delete(long expected) {
      if (expected != version) {
        throw new ConflictException("version " + version + ", not " + expected);
      }
      value = null;
    }
  }

  @Test
  void anAttemptIsSentOnlyWhileTheLeaseOutlastsARequest() {
    try (VssWriterLease lease =
        VssWriterLease.acquire(new MemoryRecord(), Duration.ofSeconds(3), "test store")) {
      assertThatCode(() -> lease.checkBeforeAttempt(Duration.ofMillis(100)))
          .doesNotThrowAnyException();
      // a request that may take longer than the lease has left could land after a takeover
      assertThatThrownBy(() -> lease.checkBeforeAttempt(Duration.ofSeconds(10)))
          .isInstanceOf(StoreLockedException.class)
          .hasMessageContaining("sooner than a request may take")
          .hasMessageContaining("not sent");
    }
  }

  @Test
  void aSecondHolderIsRefusedWhileTheLeaseIsLive() {
    MemoryRecord record = new MemoryRecord();
    VssWriterLease first = VssWriterLease.acquire(record, Duration.ofSeconds(3), "s");
    try {
      assertThatThrownBy(() -> VssWriterLease.acquire(record, Duration.ofSeconds(3), "s"))
          .isInstanceOf(StoreLockedException.class);
    } finally {
      first.close();
    }
  }
}
