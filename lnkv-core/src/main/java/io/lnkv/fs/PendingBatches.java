package io.lnkv.fs;

import io.lnkv.ScopedKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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

  private static Object stateOf(Path log) throws IOException {
    try {
      BasicFileAttributes a = Files.readAttributes(log, BasicFileAttributes.class);
      return List.of(a.size(), a.lastModifiedTime(), String.valueOf(a.fileKey()));
    } catch (NoSuchFileException e) {
      return "absent";
    }
  }
}
