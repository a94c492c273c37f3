package io.lnkv.migrate;

/** Receives progress of a long copy. Called on the copying thread; keep it quick. */
@FunctionalInterface
public interface MigrationProgress {
  /** A listener that ignores progress. */
  MigrationProgress NONE = (copied, total) -> {};

  /**
   * @param copied keys copied so far
   * @param total keys to copy in all
   */
  void onProgress(long copied, long total);
}
