package io.lnkv.tier;

import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.internal.DurableDirectories;
import io.lnkv.internal.RecordLog;
import io.lnkv.internal.WriterLock;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link TierStore} opens. In {@code SEMI_SYNC} mode: the retry journal's folder made
 * durable, the journal's own lock taken (two TierStores replaying and compacting one journal would
 * lose each other's keys), the journal read back as hostile input, and, when it lost records, every
 * durable key of the primary marked for the backup again. Then the store starts replaying what the
 * journal holds. On failure the journal's lock is given back.
 */
final class TierOpening {
  private static final Logger log = LoggerFactory.getLogger(TierStore.class);

  private TierOpening() {}

  static TierStore open(TierStore.Builder b) {
    if (b.mode == BackupMode.SEMI_SYNC && b.retryJournal == null) {
      throw new IllegalStateException(
          "SEMI_SYNC needs a retry journal: call retryJournal(path) with a file on the"
              + " primary's disk");
    }
    RecordLog log =
        b.mode == BackupMode.SEMI_SYNC
            ? new RecordLog(
                b.retryJournal,
                "LNKVRTJ2",
                "LNKVRTJ1", // before records were bound to the journal's generation
                "operations the backup " + b.backup + " has not received",
                true) // clears are appended unsynced
            : null;
    WriterLock journalLock = null;
    PendingBackups pending = null;
    try {
      if (log != null) {
        // durably: a journal in a folder a power cut forgets is a journal lost
        DurableDirectories.create(b.retryJournal.getParent());
        // two TierStores replaying and compacting one journal would lose each other's keys
        journalLock =
            WriterLock.acquire(
                b.retryJournal.getParent(),
                b.retryJournal.getFileName().toString(),
                "TierStore " + b.name + " (retry journal)");
      }
      pending = new PendingBackups(log, journalLock);
      List<String> lost = pending.recover();
      if (!lost.isEmpty()) {
        bringEverythingLevel(b, pending, lost);
      }
      return new TierStore(b, pending);
    } catch (IOException | RuntimeException e) {
      if (journalLock != null) {
        journalLock.close();
      }
      if (e instanceof RuntimeException re) {
        throw re;
      }
      throw new StoreException(
          "Failed to read the retry journal "
              + b.retryJournal
              + " of TierStore "
              + b.name
              + ": "
              + e,
          e);
    }
  }

  /**
   * The journal lost records (an unsynced clear dropped while a later mark survived, or damage):
   * which keys they named is unknown, so every durable key is brought level. Starting takes a
   * listing of the primary; refusing to start would be an outage for what a relevel repairs.
   */
  private static void bringEverythingLevel(
      TierStore.Builder b, PendingBackups pending, List<String> lost) throws IOException {
    List<ScopedKey> durable = new ArrayList<>();
    for (ScopedKey k : b.primary.all().listAllKeys()) {
      if (!b.routing.isEphemeral(k)) {
        durable.add(k);
      }
    }
    log.warn(
        "TierStore {}: the retry journal {} lost records ({}): a crash or a failed fsync dropped"
            + " unsynced records, or the file was damaged. Bringing all {} durable keys of the"
            + " backup level again",
        b.name,
        b.retryJournal,
        String.join(", ", lost),
        durable.size());
    pending.markAllAfterLoss(durable);
  }
}
