package io.lnkv.sqlite;

import io.lnkv.testkit.CrashTarget;
import io.lnkv.testkit.QueuedCrashTarget;
import io.lnkv.testkit.QueuedStoreConformance;
import java.nio.file.Path;
import java.util.Optional;

/**
 * QueuedStore over SqliteStore passes the conformance suite; its commits are single transactions.
 */
class QueuedSqliteStoreConformanceTest extends QueuedStoreConformance<SqliteStore> {
  @Override
  protected SqliteStore backend(Path dir) {
    return SqliteStore.open(dir.resolve("queued.sqlite"));
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
