package io.lnkv.sqlite;

import io.lnkv.queue.QueuedStore;
import io.lnkv.testkit.CrashTarget;
import io.lnkv.testkit.KVStoreConformance;
import io.lnkv.testkit.QueuedCrashTarget;
import java.nio.file.Path;
import java.util.Optional;

/**
 * QueuedStore over SqliteStore passes the conformance suite, committing automatically after 1 to 7
 * operations (varying from test to test); its commits are single transactions.
 */
class QueuedSqliteStoreConformanceTest extends KVStoreConformance<QueuedStore> {
  @Override
  protected QueuedStore open(Path dir) {
    return QueuedStore.builder(SqliteStore.open(dir.resolve("queued.sqlite")))
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

  /** QueuedStore over SqliteStore, for the crash harness. */
  public static final class Target extends QueuedCrashTarget<SqliteStore> {
    @Override
    protected SqliteStore backend(Path dir) {
      return SqliteStore.open(dir.resolve("crash.sqlite"));
    }
  }
}
