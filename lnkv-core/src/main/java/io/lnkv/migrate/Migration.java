package io.lnkv.migrate;

import io.lnkv.KeyNotFoundException;
import io.lnkv.MigratableKVStore;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import java.util.List;
import java.util.Objects;

/**
 * Copies every key of one store into another, as LDK's {@code migrate_kv_store_data} does, with
 * progress and a guard against overwriting data:
 *
 * <pre>{@code
 * Migration.Result r = Migration.from(oldStore).to(newStore).onProgress(bar::update).run();
 * }</pre>
 *
 * <p>The source's keys are listed once, then each is read and written, scope by scope, oldest
 * created first ({@link CreationOrder}), so that the target pages them as the source does. Values
 * are copied byte for byte. The source should not change meanwhile: a key removed after the listing
 * is skipped. The first failure stops the copy, leaving the target partially written; the exception
 * says how far it got.
 */
public final class Migration {
  private final MigratableKVStore source;
  private MigratableKVStore target;
  private boolean allowNonEmptyTarget;
  private MigrationProgress progress = MigrationProgress.NONE;

  private Migration(MigratableKVStore source) {
    this.source = Objects.requireNonNull(source, "source");
  }

  /** Starts describing a copy from {@code source}. */
  public static Migration from(MigratableKVStore source) {
    return new Migration(source);
  }

  /** The store to copy into; it must be empty unless {@link #allowNonEmptyTarget()}. */
  public Migration to(MigratableKVStore target) {
    this.target = Objects.requireNonNull(target, "target");
    return this;
  }

  /** Copies into a target that already holds keys, overwriting those the source has too. */
  public Migration allowNonEmptyTarget() {
    this.allowNonEmptyTarget = true;
    return this;
  }

  /** Reports progress after each key. */
  public Migration onProgress(MigrationProgress listener) {
    this.progress = Objects.requireNonNull(listener, "listener");
    return this;
  }

  /** What a completed copy did. */
  public record Result(long keys, long bytes) {}

  /**
   * Runs the copy.
   *
   * @throws IllegalStateException if the target holds keys and that was not allowed; nothing was
   *     written
   * @throws StoreException if a read or write failed; the target holds a partial copy
   */
  public Result run() {
    Objects.requireNonNull(target, "call to(target) first");
    if (!allowNonEmptyTarget) {
      List<ScopedKey> existing = target.listAllKeys();
      if (!existing.isEmpty()) {
        throw new IllegalStateException(
            "Refusing to migrate into "
                + target
                + ": it already holds "
                + existing.size()
                + " key(s), for example "
                + existing.get(0)
                + "; empty it or allow a non-empty target");
      }
    }
    List<ScopedKey> keys = CreationOrder.oldestFirst(source, source.listAllKeys());
    long copied = 0;
    long bytes = 0;
    progress.onProgress(0, keys.size());
    for (ScopedKey k : keys) {
      byte[] value;
      try {
        value = source.read(k.primaryNamespace(), k.secondaryNamespace(), k.key());
      } catch (KeyNotFoundException removedMeanwhile) {
        progress.onProgress(++copied, keys.size());
        continue;
      }
      try {
        target.write(k.primaryNamespace(), k.secondaryNamespace(), k.key(), value);
      } catch (StoreException e) {
        throw stopped(k, copied, keys.size(), e);
      }
      bytes += value.length;
      progress.onProgress(++copied, keys.size());
    }
    return new Result(copied, bytes);
  }

  private StoreException stopped(ScopedKey at, long copied, long total, StoreException cause) {
    return new StoreException(
        "Migration from "
            + source
            + " to "
            + target
            + " stopped at "
            + at
            + " after "
            + copied
            + " of "
            + total
            + " keys: "
            + cause.getMessage()
            + ". The target holds a partial copy; fix the cause, then run again allowing a"
            + " non-empty target",
        cause);
  }
}
