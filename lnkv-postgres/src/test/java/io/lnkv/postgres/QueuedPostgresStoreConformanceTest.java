package io.lnkv.postgres;

import io.lnkv.queue.QueuedStore;
import io.lnkv.testkit.CrashTarget;
import io.lnkv.testkit.KVStoreConformance;
import io.lnkv.testkit.QueuedCrashTarget;
import java.nio.file.Path;
import java.util.Optional;

/**
 * QueuedStore over PostgresStore passes the conformance suite, committing automatically after 1 to
 * 7 operations (varying from test to test); its commits are single transactions.
 */
class QueuedPostgresStoreConformanceTest extends KVStoreConformance<QueuedStore> {
  @Override
  protected QueuedStore open(Path dir) {
    return QueuedStore.builder(PgTestServer.builder(PgTestServer.tableFor(dir)).build())
        .autoCommitOps(1 + Math.floorMod(dir.toString().hashCode(), 7))
        .build();
  }

  @Override
  protected boolean exactPageSizes() {
    return false;
  }

  @Override
  protected Optional<Class<? extends CrashTarget>> crashTarget() {
    return Optional.of(Target.class);
  }

  /** QueuedStore over PostgresStore (the killed process is the client), for the crash harness. */
  public static final class Target extends QueuedCrashTarget<PostgresStore> {
    @Override
    protected PostgresStore backend(Path dir) {
      return (PostgresStore) new PostgresStoreConformanceTest.Target().open(dir);
    }
  }
}
