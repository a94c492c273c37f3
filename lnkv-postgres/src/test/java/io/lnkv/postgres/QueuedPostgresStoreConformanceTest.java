package io.lnkv.postgres;

import io.lnkv.testkit.CrashTarget;
import io.lnkv.testkit.QueuedCrashTarget;
import io.lnkv.testkit.QueuedStoreConformance;
import java.nio.file.Path;
import java.util.Optional;

/**
 * QueuedStore over PostgresStore passes the conformance suite; its commits are single transactions.
 */
class QueuedPostgresStoreConformanceTest extends QueuedStoreConformance<PostgresStore> {
  @Override
  protected PostgresStore backend(Path dir) {
    return PgTestServer.builder(PgTestServer.tableFor(dir)).build();
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
