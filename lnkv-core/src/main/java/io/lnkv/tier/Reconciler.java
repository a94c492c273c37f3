package io.lnkv.tier;

import io.lnkv.ScopedKey;
import io.lnkv.migrate.MigrationProgress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The comparison behind verify, resilver, backfill and restore: which durable keys a copy lacks,
 * has in excess, or holds with other values than its source. Compares by listing both sides once
 * and reading the values of keys both hold.
 */
final class Reconciler {
  private static final Comparator<ScopedKey> ORDER =
      Comparator.comparing(ScopedKey::primaryNamespace)
          .thenComparing(ScopedKey::secondaryNamespace)
          .thenComparing(ScopedKey::key);

  private Reconciler() {}

  /** The keys of a tier that {@code include} accepts, sorted. */
  static TreeSet<ScopedKey> keys(Tier tier, Predicate<ScopedKey> include) {
    TreeSet<ScopedKey> out = new TreeSet<>(ORDER);
    for (ScopedKey k : tier.all().listAllKeys()) {
      if (include.test(k)) {
        out.add(k);
      }
    }
    return out;
  }

  /**
   * Compares {@code copy} against {@code source} over the keys {@code include} accepts.
   *
   * @param compareValues whether keys both hold are read and compared (false: only presence)
   */
  static DriftReport compare(
      Tier source,
      Tier copy,
      Predicate<ScopedKey> include,
      boolean compareValues,
      MigrationProgress progress,
      long pending) {
    Set<ScopedKey> inSource = keys(source, include);
    Set<ScopedKey> inCopy = keys(copy, include);
    List<ScopedKey> missing = new ArrayList<>();
    List<ScopedKey> different = new ArrayList<>();
    List<ScopedKey> extra = new ArrayList<>();
    for (ScopedKey k : inCopy) {
      if (!inSource.contains(k)) {
        extra.add(k);
      }
    }
    long total = inSource.size() + extra.size();
    long done = extra.size();
    progress.onProgress(done, total);
    for (ScopedKey k : inSource) {
      if (!inCopy.contains(k)) {
        missing.add(k);
      } else if (compareValues) {
        byte[] a = source.readOrNull(k);
        byte[] b = copy.readOrNull(k);
        if (a == null ? b != null : b == null || !Arrays.equals(a, b)) {
          different.add(k); // one side removed meanwhile counts as different, not as damage
        }
      }
      progress.onProgress(++done, total);
    }
    return new DriftReport(total, missing, extra, different, pending);
  }
}
