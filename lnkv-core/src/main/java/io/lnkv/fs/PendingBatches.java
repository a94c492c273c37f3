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
 * a running writer follows its batches. Not thread-safe on its own: the store calls it under a
 * lock.
 */
final class PendingBatches {
  private final CommitJournal journal;
  private Object seen = new Object(); // the log's state when last read; never equal at first
  private Map<ScopedKey, CommitJournal.Entry> last = Map.of();

  PendingBatches(CommitJournal journal) {
    this.journal = journal;
  }

  /** The last logged operation on each key, re-read if the log changed since the last call. */
  synchronized Map<ScopedKey, CommitJournal.Entry> current() throws IOException {
    Object now = stateOf(journal.path());
    if (!Objects.equals(now, seen)) {
      Map<ScopedKey, CommitJournal.Entry> byKey = new HashMap<>();
      for (List<CommitJournal.Entry> batch : journal.readWithoutChanging()) {
        for (CommitJournal.Entry e : batch) {
          byKey.put(e.key(), e);
        }
      }
      last = Map.copyOf(byKey);
      seen = now;
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
    Map<ScopedKey, CommitJournal.Entry> before = current();
    for (int attempt = 0; attempt < 100; attempt++) {
      CommitJournal.Entry logged = before.get(key);
      if (logged != null) {
        return logged.value();
      }
      byte[] value = file.read();
      Map<ScopedKey, CommitJournal.Entry> after = current();
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
    for (CommitJournal.Entry e : current().values()) {
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
    for (CommitJournal.Entry e : current().values()) {
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
