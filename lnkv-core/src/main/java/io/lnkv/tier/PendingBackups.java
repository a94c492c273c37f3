package io.lnkv.tier;

import io.lnkv.ScopedKey;
import io.lnkv.internal.RecordFields;
import io.lnkv.internal.RecordLog;
import io.lnkv.internal.WriterLock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys whose backup copy may differ from the primary's: the backup must be brought level with
 * the primary's current value of each. Keys, not operations, are kept: bringing a key level copies
 * whatever the primary holds then, so operations superseded by newer ones are skipped by
 * construction, and a key whose operation failed on the primary is still brought level.
 *
 * <p>In {@code SEMI_SYNC} mode this is the retry journal: a key is recorded ({@code M},
 * fdatasynced) before the operation touches any tier, and cleared ({@code C}, not synced: losing a
 * clear only makes the next open bring an already level key level again) once the backup took it.
 * {@link #recover} rebuilds the set after a restart or a crash, so an operation a crash interrupted
 * halfway is repaired too. Since clears are not synced, a crash or a failed fdatasync can lose one
 * while a later mark reaches the disk: the journal is read past such a stretch, and since what it
 * held is unknown, the caller brings every key level ({@link #markAllAfterLoss}). Past 1 MiB the
 * log is reset when the set is empty, or rewritten with just the set. In {@code ASYNC} mode the set
 * lives in memory only.
 *
 * <p>Thread-safe: every method is synchronized.
 */
final class PendingBackups implements AutoCloseable {
  private static final long COMPACT_ABOVE_BYTES = 1L << 20;
  // Tests lower it so that compactions happen under power cuts; read when the journal opens.
  static final String COMPACT_ABOVE_PROPERTY = "lnkv.test.retryJournalCompactBytes";
  // A tag and three empty key parts: no entry takes fewer bytes.
  private static final int MIN_ENTRY_BYTES = 1 + 3 * 2;

  private final RecordLog journal; // null: in memory only
  private final WriterLock journalLock; // held while the journal is open; null with no journal
  private final Map<ScopedKey, Long> pending = new LinkedHashMap<>(); // key -> marked at (millis)
  private final long compactAboveBytes = Long.getLong(COMPACT_ABOVE_PROPERTY, COMPACT_ABOVE_BYTES);

  PendingBackups(RecordLog journal) {
    this(journal, null);
  }

  /** {@code journalLock}, released on {@link #close}, keeps a second TierStore off the journal. */
  PendingBackups(RecordLog journal, WriterLock journalLock) {
    this.journal = journal;
    this.journalLock = journalLock;
  }

  /** Whether the set survives a restart. */
  boolean durable() {
    return journal != null;
  }

  /**
   * Rebuilds the set from the journal a previous run left.
   *
   * @return the stretches of the journal that were lost (empty when none was): the keys they named
   *     are unknown, so every key must be brought level
   */
  synchronized List<String> recover() throws IOException {
    if (journal == null) {
      return List.of();
    }
    long now = System.currentTimeMillis();
    long[] read = {0};
    journal.recover(
        (record, at) -> {
          read[0]++;
          DataInputStream in = new DataInputStream(new ByteArrayInputStream(record));
          try {
            int count = RecordFields.count(in, record.length, MIN_ENTRY_BYTES);
            for (int i = 0; i < count; i++) {
              int tag = RecordFields.ended(in::readUnsignedByte, "item " + i);
              if (tag != 'M' && tag != 'C') {
                throw new IOException("item " + i + " has the unknown tag " + tag);
              }
              ScopedKey key = RecordFields.key(in, i);
              if (tag == 'M') {
                pending.putIfAbsent(key, now);
              } else {
                pending.remove(key);
              }
            }
            if (in.available() > 0) {
              throw new IOException(in.available() + " bytes follow its last key");
            }
          } catch (IOException e) {
            throw new io.lnkv.CorruptedDataException(
                "Cannot read the retry journal "
                    + journal.path()
                    + ": record "
                    + read[0]
                    + " is not a valid entry ("
                    + e.getMessage()
                    + "), although its digest matches: the file was written by something else"
                    + " than lnkv. Keep a copy of it, move it away, and run 'lnkv verify"
                    + " --durable-only' and 'lnkv backfill' to bring the backup level without it",
                e);
          }
        });
    if (journal.lostStretches().isEmpty() && pending.isEmpty()) {
      journal.reset();
    }
    return journal.lostStretches();
  }

  /**
   * After {@link #recover} found lost stretches: records {@code keys} (every durable key) besides
   * what is pending, replacing the journal by one synced record of them all, which also drops the
   * damaged bytes.
   */
  synchronized void markAllAfterLoss(Collection<ScopedKey> keys) throws IOException {
    long now = System.currentTimeMillis();
    for (ScopedKey k : keys) {
      pending.putIfAbsent(k, now);
    }
    if (pending.isEmpty()) {
      journal.rewrite(List.of());
    } else {
      journal.rewrite(List.of(encode('M', pending.keySet())));
    }
  }

  /** Records that the keys' backup copies may be about to differ; durably in SEMI_SYNC mode. */
  synchronized void mark(Collection<ScopedKey> keys) throws IOException {
    List<ScopedKey> fresh = new ArrayList<>(keys.size());
    for (ScopedKey k : keys) {
      if (!pending.containsKey(k)) {
        fresh.add(k);
      }
    }
    if (fresh.isEmpty()) {
      return; // already recorded: nothing to make durable
    }
    if (journal != null) {
      journal.append(encode('M', fresh));
    }
    long now = System.currentTimeMillis();
    for (ScopedKey k : fresh) {
      pending.put(k, now);
    }
  }

  /** Records that the keys' backup copies are level with the primary. */
  synchronized void clear(Collection<ScopedKey> keys) throws IOException {
    List<ScopedKey> present = new ArrayList<>(keys.size());
    for (ScopedKey k : keys) {
      if (pending.remove(k) != null) {
        present.add(k);
      }
    }
    if (journal == null || present.isEmpty()) {
      return;
    }
    journal.append(encode('C', present), false);
    if (journal.size() > compactAboveBytes) {
      if (pending.isEmpty()) {
        journal.reset();
      } else if (journal.size() > 200L * pending.size()) {
        journal.rewrite(List.of(encode('M', pending.keySet())));
      }
    }
  }

  synchronized boolean contains(ScopedKey key) {
    return pending.containsKey(key);
  }

  /** The keys, oldest mark first. */
  synchronized List<ScopedKey> snapshot() {
    return new ArrayList<>(pending.keySet());
  }

  synchronized int size() {
    return pending.size();
  }

  /** When the oldest key was marked (epoch millis), or -1 when none is. */
  synchronized long oldestMarkedAtMillis() {
    return pending.values().stream().mapToLong(Long::longValue).min().orElse(-1);
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      if (journal != null) {
        if (pending.isEmpty()) {
          journal.reset(); // so that close() deletes it
        }
        journal.close();
      }
    } finally {
      if (journalLock != null) {
        journalLock.close();
      }
    }
  }

  private static byte[] encode(char tag, Collection<ScopedKey> keys) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(keys.size());
      for (ScopedKey k : keys) {
        out.writeByte(tag);
        out.writeUTF(k.primaryNamespace());
        out.writeUTF(k.secondaryNamespace());
        out.writeUTF(k.key());
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
  }
}
