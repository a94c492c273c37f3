package io.lnkv.fs;

import io.lnkv.ScopedKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a read-only filesystem store lays over the folder's files: the last logged operation on each
 * key of the batches in the commit log. A batch's files are written in place after its record is
 * whole, and synced only at the next checkpoint, so until the log is emptied the record, not the
 * file, is the truth for those keys: after a crash the files may be torn, while the writer runs
 * they may be half-written.
 *
 * <p>Read again whenever the log file changed (length, mtime or identity), so that a reader beside
 * a running writer follows its batches. Values are not held: each key keeps where its last value is
 * in the log, read again on demand, so memory is bounded by the keys the log names, as the writer's
 * own is, not by the log's length. Thread-safe.
 */
final class PendingBatches {
  private final CommitJournal journal;
  private Object seen = new Object(); // the log's state when last read; never equal at first
  private Map<ScopedKey, Logged> last = Map.of();

  /** The last logged operation on a key: a remove, or a write and where its value is in the log. */
  record Logged(ScopedKey key, boolean isWrite, long createdMillis, long valueAt, int length) {}

  PendingBatches(CommitJournal journal) {
    this.journal = journal;
  }

  /**
   * The last logged operation on each key, re-read if the log changed since the last call; a log
   * that changes while it is read (a checkpoint empties it, say) is read again.
   */
  synchronized Map<ScopedKey, Logged> current() throws IOException {
    Object now = stateOf(journal.path());
    for (int attempt = 0; !Objects.equals(now, seen); attempt++) {
      Map<ScopedKey, Logged> byKey = new HashMap<>();
      try {
        journal.readWithoutChanging(
            (batch, valueOffsets) -> {
              for (int i = 0; i < batch.size(); i++) {
                CommitJournal.Entry e = batch.get(i);
                byKey.put(
                    e.key(),
                    new Logged(
                        e.key(),
                        e.isWrite(),
                        e.createdMillis(),
                        valueOffsets[i],
                        e.isWrite() ? e.value().length : 0));
              }
            });
      } catch (java.io.EOFException e) {
        // cut short by the writer's checkpoint while it was read: read it again below
      }
      Object after = stateOf(journal.path());
      if (Objects.equals(after, now)) {
        last = Map.copyOf(byKey);
        seen = now;
      } else if (attempt >= 100) {
        throw new IOException(
            journal.path()
                + " changed during each of 100 reads (a writer logs batches without pause);"
                + " read again");
      }
      now = after;
    }
    return last;
  }

  /** A read of a key's file. */
  @FunctionalInterface
  interface FileRead {
    byte[] read() throws IOException;
  }

  /**
   * A key's value: the last logged operation on it, else {@code file}'s. The log is read again
   * after the file: a batch logged meanwhile may have been writing that file, and then the read is
   * repeated (at most 100 times).
   */
  byte[] read(ScopedKey key, FileRead file) throws IOException {
    Map<ScopedKey, Logged> before = current();
    for (int attempt = 0; attempt < 100; attempt++) {
      Logged logged = before.get(key);
      byte[] value;
      try {
        value =
            logged == null
                ? file.read()
                : logged.isWrite() ? journal.valueAt(logged.valueAt(), logged.length()) : null;
      } catch (java.io.EOFException e) {
        value = null; // the log was emptied since: current() sees it changed, and the read repeats
      }
      Map<ScopedKey, Logged> after = current();
      if (after == before) {
        return value;
      }
      before = after;
    }
    throw new IOException(
        "its commit log changed during each of 100 reads (a writer logs batches without pause);"
            + " read again");
  }

  /** The keys of a scope as the files show them, with the logged operations laid over. */
  List<FolderEntries.KeyFile> overScope(
      List<FolderEntries.KeyFile> files, String primary, String secondary) throws IOException {
    Map<String, FolderEntries.KeyFile> byName = new HashMap<>();
    files.forEach(f -> byName.put(f.name(), f));
    for (Logged e : current().values()) {
      ScopedKey k = e.key();
      if (k.primaryNamespace().equals(primary) && k.secondaryNamespace().equals(secondary)) {
        if (e.isWrite()) {
          byName.put(k.key(), new FolderEntries.KeyFile(k.key(), e.createdMillis()));
        } else {
          byName.remove(k.key());
        }
      }
    }
    return new ArrayList<>(byName.values());
  }

  /** Every key as the files show them, with the logged operations laid over. */
  List<ScopedKey> overAll(List<ScopedKey> files) throws IOException {
    Set<ScopedKey> keys = new HashSet<>(files);
    for (Logged e : current().values()) {
      if (e.isWrite()) {
        keys.add(e.key());
      } else {
        keys.remove(e.key());
      }
    }
    return new ArrayList<>(keys);
  }

  private static Object stateOf(Path log) throws IOException {
    try {
      BasicFileAttributes a = Files.readAttributes(log, BasicFileAttributes.class);
      return List.of(a.size(), a.lastModifiedTime(), String.valueOf(a.fileKey()));
    } catch (NoSuchFileException e) {
      return "absent";
    }
  }
}
