package io.lnkv.fs;

import io.lnkv.BatchInDoubtException;
import io.lnkv.BatchOp;
import io.lnkv.CorruptedDataException;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.internal.WriterLock;
import io.lnkv.spi.AbstractKVStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// Why this file is long (~550 lines): single operations, the batch commit (stamp, log, apply,
// checkpoint) and recovery all run under one batch lock and one set of durability rules; split
// apart they would have to share that lock and those rules through package-private state. The
// rest has its own class: FolderEntries (layout, listing), FolderOpening (opening), CommitJournal
// (the log), PendingBatches (the read-only overlay), FsFiles (file mechanics).
/**
 * What {@link FilesystemStore} (LDK's v1 layout) and {@link FilesystemStoreV2} share: the write,
 * read, remove and listing procedures, creation order in mtimes, the walk of all keys, temporary
 * file cleanup and the folder lock. A subclass says only where a scope lives and which levels of
 * the folder hold keys.
 *
 * <p>Creation order: a new file's mtime is the current time in milliseconds, raised if needed to
 * one millisecond past the newest mtime this store has assigned or found, so that keys created in
 * one millisecond still sort in creation order; a rewrite copies the old file's mtime onto the
 * replacement before it is renamed into place. Pages sort by mtime descending, then key descending,
 * as LDK's v2 does.
 *
 * <p>Long because what the two filesystem layouts share is here, and its durability arguments read
 * best in one place: the atomic write of a value, the batch journal and its checkpoints, the replay
 * at open, the creation-order index, and refusing calls after a failed I/O.
 */
abstract class AbstractFilesystemStore extends AbstractKVStore {
  private static final Logger log = LoggerFactory.getLogger(AbstractFilesystemStore.class);
  // A checkpoint (an fsync of everything the logged batches touched) is due past either limit.
  static final long CHECKPOINT_JOURNAL_BYTES = 64L << 20;
  static final int CHECKPOINT_KEYS = 100_000;
  // Tests lower the journal's limit so that checkpoints happen under power cuts; read at open.
  static final String CHECKPOINT_BYTES_PROPERTY = "lnkv.test.checkpointJournalBytes";
  private final long checkpointJournalBytes =
      Long.getLong(CHECKPOINT_BYTES_PROPERTY, CHECKPOINT_JOURNAL_BYTES);
  // A batch leaves at least this much of the disk free, for single writes and the checkpoint.
  private static final long MIN_FREE_BYTES = 16L << 20;

  private final Path root;
  private final WriterLock lock;
  private final AtomicLong tmpCounter = new AtomicLong();
  private final AtomicLong lastCreationMillis = new AtomicLong();
  private final CommitJournal journal;
  private final PendingBatches pending; // read-only stores: the log laid over the files; else null
  private final FolderEntries entries;
  private final PageIndex pages; // null when read-only: the files change under a reader
  // Keys and folders changed by batches since the last checkpoint: the journal, not an fsync, makes
  // them durable until then. Changed only with the batch lock held exclusively.
  private final Set<Path> unsynced = ConcurrentHashMap.newKeySet();
  private final Set<Path> unsyncedDirs = new HashSet<>();
  // Batches take it exclusively, everything else shared: no reader sees half of a batch.
  private final ReentrantReadWriteLock batchLock = new ReentrantReadWriteLock();
  private volatile String interruptedBatch; // why the store must be reopened; null if it need not
  // Single writes and removes whose file I/O failed: a failed fsync may have dropped the unsynced
  // changes of others in the same file or folder, which their own later fsyncs do not bring back.
  private final AtomicLong failedChanges = new AtomicLong();

  /**
   * @param root an existing folder, already checked for its layout
   * @param lock the folder's lock, held and closed with the store; null when read-only
   */
  AbstractFilesystemStore(String kind, Path root, WriterLock lock, Builder<?> settings)
      throws IOException {
    super(kind + " at " + root + (settings.isReadOnly() ? " (read-only)" : ""), settings);
    this.root = root;
    this.lock = lock;
    this.journal = new CommitJournal(root);
    this.entries = new FolderEntries(root, description(), this::namespaceOf, this::keysAt);
    this.pages = settings.isReadOnly() ? null : new PageIndex();
    if (settings.isReadOnly()) {
      this.pending = new PendingBatches(journal);
      entries.checkEveryEntry(kind);
      pending.current(); // a damaged or missing commit log fails the open, not a later read
    } else {
      this.pending = null;
      entries.checkEveryEntry(kind); // before recovery deletes temporary files: someone's?
      recover();
    }
  }

  /** The folder of a scope. */
  abstract Path scopeDir(String primary, String secondary);

  /** The namespace a folder name stands for (v2 maps {@code [empty]} to the empty string). */
  abstract String namespaceOf(String folderName);

  /** Whether files directly at {@code depth} (0 = root, 1 = primary, 2 = secondary) are keys. */
  abstract boolean keysAt(int depth);

  /** The folder this store keeps its data in. */
  public final Path root() {
    return root;
  }

  final Path fileOf(ScopedKey key) {
    return scopeDir(key.primaryNamespace(), key.secondaryNamespace()).resolve(key.key());
  }

  @FunctionalInterface
  private interface IoWork<T> {
    T run() throws IOException;
  }

  /** Runs work that must not overlap a batch (reads, listings). */
  private <T> T shared(IoWork<T> work) throws IOException {
    batchLock.readLock().lock();
    try {
      checkNoInterruptedBatch();
      return work.run();
    } finally {
      batchLock.readLock().unlock();
    }
  }

  /**
   * Runs a single write or remove of {@code file}, which must not overlap a batch. If a batch still
   * in the journal touched the file, the store checkpoints first: otherwise a crash would replay
   * that batch over this newer operation.
   */
  private void sharedChange(Path file, IoWork<Void> work) throws IOException {
    while (true) {
      if (unsynced.contains(file)) {
        checkpointExclusively();
      }
      batchLock.readLock().lock();
      if (!unsynced.contains(file)) {
        break; // a batch cannot touch it again while the read lock is held
      }
      batchLock.readLock().unlock();
    }
    try {
      checkNoInterruptedBatch();
      long failuresBefore = failedChanges.get();
      try {
        work.run();
      } catch (RefusedUnchanged refused) {
        throw refused;
      } catch (IOException | RuntimeException e) {
        failedIo(e);
        throw e;
      }
      if (failedChanges.get() != failuresBefore) {
        throw new IOException(
            "another write's file I/O failed meanwhile, and a failed fsync may have dropped this"
                + " one's changes with its own (its fsync then succeeds without them); it may or"
                + " may not have taken effect: write it again");
      }
    } finally {
      batchLock.readLock().unlock();
    }
  }

  /**
   * Notes that a write's file I/O failed. A failed fsync may have dropped the unsynced changes of
   * others in the same file or folder: the single writes running now fail (their own later fsync
   * does not bring those changes back), and if batches wait for their checkpoint, the journal alone
   * holds them now: the store refuses calls until it is reopened, which replays them.
   */
  private void failedIo(Exception e) {
    if (e instanceof RefusedUnchanged) {
      return;
    }
    failedChanges.incrementAndGet();
    if (journal.hasRecords() || !unsynced.isEmpty()) {
      interruptedBatch =
          "file I/O failed ("
              + e
              + ") while batches waited in "
              + journal.path()
              + " to be synced in, and a failed fsync may have dropped their changes";
    }
  }

  /** A write refused before it changed anything: no fsync ran, nothing else is in doubt. */
  private static final class RefusedUnchanged extends IOException {
    private static final long serialVersionUID = 1L;

    RefusedUnchanged(String message) {
      super(message);
    }
  }

  private void checkNoInterruptedBatch() {
    String why = interruptedBatch;
    if (why != null) {
      throw new StoreException(
          description() + " must be reopened: " + why + ". Reopening completes the batch");
    }
  }

  @Override
  protected final byte[] doRead(ScopedKey key) throws IOException {
    if (pending == null) {
      return shared(() -> FsFiles.readOrNull(fileOf(key)));
    }
    return pending.read(key, () -> FsFiles.readOrNull(fileOf(key)));
  }

  @Override
  protected final void doWrite(ScopedKey key, byte[] value) throws IOException {
    sharedChange(
        fileOf(key),
        () -> {
          put(key, value);
          return null;
        });
  }

  /** Writes a key's file durably, keeping the creation time of the file it replaces. */
  private void put(ScopedKey key, byte[] value) throws IOException {
    Path dest = fileOf(key);
    writeFile(dest, value, creationTimeFor(dest), true);
  }

  /** The mtime a write to {@code dest} gets: the replaced file's, or a new creation time. */
  private FileTime creationTimeFor(Path dest) throws IOException {
    BasicFileAttributes existing = FsFiles.attributesOrNull(dest);
    if (existing != null && existing.isDirectory()) {
      throw new RefusedUnchanged("a folder is in the way: " + dest);
    }
    return existing != null && existing.isRegularFile()
        ? existing.lastModifiedTime()
        : FileTime.fromMillis(nextCreationMillis());
  }

  /**
   * Writes {@code dest} with the given creation time (migration passes the source's), durably
   * unless {@code sync} is false.
   */
  final void writeFile(Path dest, byte[] value, FileTime created, boolean sync) throws IOException {
    FsFiles.createDirectories(dest.getParent());
    try {
      FsFiles.writeAtomically(dest, tempFileFor(dest), value, created, sync);
    } catch (IOException | RuntimeException e) {
      forgetPages(dest); // the file may or may not be in place now
      throw e;
    }
    lastCreationMillis.accumulateAndGet(created.toMillis(), Math::max);
    indexed(dest, created.toMillis());
  }

  private long nextCreationMillis() {
    long now = System.currentTimeMillis();
    return lastCreationMillis.updateAndGet(last -> Math.max(now, last + 1));
  }

  private Path tempFileFor(Path dest) {
    return dest.resolveSibling(
        dest.getFileName() + "." + tmpCounter.getAndIncrement() + FsFiles.TMP_SUFFIX);
  }

  @Override
  public final boolean supportsAtomicBatch() {
    return true;
  }

  /**
   * Atomic through the {@link CommitJournal}, with one fdatasync per batch:
   *
   * <ol>
   *   <li>checkpoint first if the journal has grown past its limits;
   *   <li>check: every write gets its creation time (the replaced file's, or a new one), missing
   *       namespace folders are created, a folder in the way or too little free space fails the
   *       batch here, with the store unchanged;
   *   <li>append the batch to the journal and fdatasync it: the batch is durable and acknowledged
   *       from here (a crash now means the next open replays it);
   *   <li>write each value into its file in place and unlink the removed keys, without syncing: the
   *       files and folders touched are synced at the next checkpoint, which then empties the
   *       journal. Other threads wait for the batch lock, so none sees a half-written file.
   * </ol>
   *
   * If step 4 fails, the store refuses further calls until it is reopened, and reopening replays
   * the batch, so no reader ever sees half of it. Another process reading the folder during step 4
   * can see a half-written file; LDK's layout has no way to prevent that except a file per value,
   * which costs more than the fsyncs this design saves.
   */
  @Override
  protected final void doWriteBatch(List<BatchOp> operations) throws IOException {
    batchLock.writeLock().lock();
    try {
      checkNoInterruptedBatch();
      if (journal.size() > checkpointJournalBytes || unsynced.size() > CHECKPOINT_KEYS) {
        checkpoint();
      }
      List<CommitJournal.Entry> batch;
      try {
        batch = stamp(operations); // may create namespace folders, and fsync their parents
      } catch (IOException | RuntimeException e) {
        failedIo(e);
        throw e;
      }
      try {
        journal.append(batch);
      } catch (CommitJournal.RecordedException e) {
        interruptedBatch = "a batch was recorded in " + journal.path() + " but " + e.getMessage();
        throw new BatchInDoubtException(
            "A batch of "
                + operations.size()
                + " operations was recorded in "
                + journal.path()
                + ", then marking "
                + description()
                + " failed ("
                + e.getMessage()
                + "); reopening completes the batch",
            e);
      } catch (IOException | RuntimeException e) {
        if (journal.broken()) {
          interruptedBatch =
              "a batch failed while it was appended to "
                  + journal.path()
                  + " and could not be cut off again ("
                  + e
                  + "); reopening may complete it";
          throw new BatchInDoubtException(
              "Failed to record a batch of "
                  + operations.size()
                  + " operations in "
                  + journal.path()
                  + " ("
                  + e
                  + "), and the partial record could not be cut off: reopen "
                  + description()
                  + " to learn whether it took effect (wholly) or not",
              e);
        }
        throw e;
      }
      try {
        apply(batch);
      } catch (IOException | RuntimeException e) {
        interruptedBatch =
            "a batch of "
                + operations.size()
                + " operations failed after it was recorded ("
                + e
                + ")";
        throw new BatchInDoubtException(
            "Failed to apply a batch of "
                + operations.size()
                + " operations to "
                + description()
                + " after recording it in "
                + journal.path()
                + ": "
                + e
                + ". The batch is durable and is completed when the store is reopened; until"
                + " then the store refuses calls",
            e);
      }
    } finally {
      batchLock.writeLock().unlock();
    }
  }

  /**
   * Gives each write of a batch its creation time, in batch order, and prepares the folders: every
   * check that can fail for an ordinary reason runs here, before the batch is recorded.
   */
  private List<CommitJournal.Entry> stamp(List<BatchOp> operations) throws IOException {
    List<CommitJournal.Entry> batch = new ArrayList<>(operations.size());
    Set<Path> removedEarlier = new HashSet<>(); // a write after them makes the key new
    Map<Path, Long> createdEarlier = new HashMap<>(); // a write after them keeps its position
    Set<Path> folders = new HashSet<>();
    long bytes = 0;
    for (BatchOp op : operations) {
      Path dest = fileOf(op.key());
      long created = 0;
      if (op instanceof BatchOp.Write w) {
        Long earlier = createdEarlier.get(dest);
        if (removedEarlier.remove(dest)) {
          created = nextCreationMillis();
        } else {
          created = earlier != null ? earlier : creationTimeFor(dest).toMillis();
        }
        createdEarlier.put(dest, created);
        if (Files.exists(dest) && !Files.isWritable(dest)) {
          // written in place after the journal record: refuse now, while refusing is clean
          throw new RefusedUnchanged("cannot write " + dest + " in place: it is not writable");
        }
        if (folders.add(dest.getParent())) {
          FsFiles.createDirectories(dest.getParent());
        }
        bytes += w.value().length;
      } else {
        removedEarlier.add(dest);
        createdEarlier.remove(dest);
      }
      batch.add(CommitJournal.Entry.of(op, created));
    }
    long usable = Files.getFileStore(root).getUsableSpace();
    if (usable < 2 * bytes + MIN_FREE_BYTES) {
      throw new RefusedUnchanged(
          "not enough free space for a batch of "
              + bytes
              + " bytes: "
              + usable
              + " bytes usable on the disk of "
              + root
              + " (the journal and the files each need a copy); free some space");
    }
    return batch;
  }

  /** Writes a recorded batch into place, unsynced; its keys and folders wait for the checkpoint. */
  private void apply(List<CommitJournal.Entry> batch) throws IOException {
    for (CommitJournal.Entry e : batch) {
      Path dest = fileOf(e.key());
      unsynced.add(dest);
      boolean newFolder = unsyncedDirs.add(dest.getParent());
      if (e.isWrite()) {
        if (newFolder) {
          FsFiles.createDirectories(dest.getParent()); // stamp() did, unless this is a replay
        }
        FsFiles.overwrite(dest, e.value(), FileTime.fromMillis(e.createdMillis()));
        lastCreationMillis.accumulateAndGet(e.createdMillis(), Math::max);
        indexed(dest, e.createdMillis());
      } else {
        FsFiles.remove(dest, true);
        unindexed(dest);
      }
    }
  }

  /**
   * fsyncs every file and folder the logged batches touched, then empties the journal. Called with
   * the batch lock held exclusively. A failed fsync leaves the journal as it is (so a reopen
   * replays every logged batch) and the store refusing calls until then: after a failed fsync the
   * kernel may have dropped the unsynced pages, and only the journal still has them.
   */
  private void checkpoint() throws IOException {
    if (!journal.hasRecords() && unsynced.isEmpty()) {
      return;
    }
    List<Path> toSync = new ArrayList<>(unsynced.size() + unsyncedDirs.size());
    for (Path p : unsynced) {
      if (Files.isRegularFile(p)) {
        toSync.add(p);
      }
    }
    for (Path d : unsyncedDirs) {
      if (Files.isDirectory(d)) {
        toSync.add(d);
      }
    }
    try {
      FsFiles.fsyncAll(toSync);
      journal.reset();
    } catch (IOException | RuntimeException e) {
      interruptedBatch =
          "syncing the batches logged in " + journal.path() + " into the folder failed (" + e + ")";
      throw e;
    }
    unsynced.clear();
    unsyncedDirs.clear();
  }

  /** Takes the batch lock exclusively to checkpoint, so a single operation can follow safely. */
  private void checkpointExclusively() throws IOException {
    batchLock.writeLock().lock();
    try {
      checkNoInterruptedBatch();
      checkpoint();
    } finally {
      batchLock.writeLock().unlock();
    }
  }

  @Override
  protected final void doRemove(ScopedKey key, boolean lazy) throws IOException {
    sharedChange(
        fileOf(key),
        () -> {
          try {
            FsFiles.remove(fileOf(key), lazy);
          } catch (IOException | RuntimeException e) {
            forgetPages(fileOf(key)); // the file may or may not be gone
            throw e;
          }
          unindexed(fileOf(key));
          return null;
        });
  }

  @Override
  protected final List<String> doList(String primary, String secondary) throws IOException {
    return shared(() -> scope(primary, secondary)).stream()
        .map(FolderEntries.KeyFile::name)
        .toList();
  }

  /** The keys of a scope and their creation times, with the logged batches laid over a reader's. */
  private List<FolderEntries.KeyFile> scope(String primary, String secondary) throws IOException {
    List<FolderEntries.KeyFile> files = entries.scan(scopeDir(primary, secondary));
    return pending == null ? files : pending.overScope(files, primary, secondary);
  }

  @Override
  protected final Page doListPaginated(
      String primary, String secondary, PageToken token, int pageSize) throws IOException {
    FolderEntries.KeyFile after = token == null ? null : FolderEntries.parseToken(token);
    if (pages == null) {
      return FolderEntries.page(shared(() -> scope(primary, secondary)), after, pageSize);
    }
    Path dir = scopeDir(primary, secondary);
    return shared(() -> pages.page(dir, after, pageSize, () -> entries.scan(dir)));
  }

  /** Tells the page index that {@code file} holds a key created at {@code createdMillis}. */
  private void indexed(Path file, long createdMillis) {
    if (pages != null) {
      pages.put(file, createdMillis);
    }
  }

  /** Drops the page order of {@code file}'s scope: the next page scans the folder again. */
  private void forgetPages(Path file) {
    if (pages != null) {
      pages.forget(file.getParent());
    }
  }

  /** Tells the page index that {@code file} holds no key. */
  private void unindexed(Path file) {
    if (pages != null) {
      pages.remove(file);
    }
  }

  @Override
  protected final List<ScopedKey> doListAllKeys() throws IOException {
    return shared(
        () -> {
          List<ScopedKey> all = entries.allKeys();
          return pending == null ? all : pending.overAll(all);
        });
  }

  /**
   * Startup recovery, under the lock: deletes temporary files left by a crash mid-write (they were
   * never renamed into place, so they hold no acknowledged data), and learns the newest creation
   * time on disk so that new keys sort after every existing one.
   */
  private void recover() throws IOException {
    recover(root, 0);
    long replayed;
    try {
      // the log is read and checked first (its refusals go out as they are); only what the
      // replay itself fails at is wrapped below
      replayed =
          journal.recover(
              (batch, valueOffsets) -> {
                try {
                  apply(batch);
                } catch (IOException | RuntimeException e) {
                  throw new ReplayFailed(e);
                }
              });
    } catch (ReplayFailed e) {
      throw cannotReplay(e.getCause());
    }
    if (replayed == 0) {
      return;
    }
    try {
      checkpoint();
    } catch (IOException | RuntimeException e) {
      throw cannotReplay(e);
    }
    log.info(
        "{}: replayed {} batches from {} (written before the last stop, not yet synced in)",
        description(),
        replayed,
        journal.path());
  }

  /** A replayed batch failed to apply; its cause says why. */
  private static final class ReplayFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ReplayFailed(Exception cause) {
      super(cause);
    }
  }

  private CorruptedDataException cannotReplay(Throwable e) {
    return new CorruptedDataException(
        "Cannot open "
            + description()
            + ": the batches recorded in "
            + journal.path()
            + " cannot be replayed ("
            + e
            + "). Fix the cause and open again; the journal is kept, and moving it away would"
            + " lose acknowledged writes",
        e);
  }

  private void recover(Path dir, int depth) throws IOException {
    for (Path child : entries.children(dir)) {
      BasicFileAttributes attrs = FsFiles.attributesOrNull(child);
      if (attrs == null) {
        continue;
      }
      if (attrs.isDirectory() && depth < 2) {
        recover(child, depth + 1);
      } else if (attrs.isRegularFile()) {
        String name = child.getFileName().toString();
        if (depth == 0 && name.equals(CommitJournal.PENDING_MARKER)) {
          continue; // the commit log's, removed by its checkpoint
        }
        if (FsFiles.isArtifact(name)) {
          Files.deleteIfExists(child);
        } else {
          lastCreationMillis.accumulateAndGet(attrs.lastModifiedTime().toMillis(), Math::max);
        }
      }
    }
  }

  /**
   * Checkpoints and deletes the journal, then releases the folder. If the checkpoint fails, the
   * journal stays and the next open replays it.
   */
  @Override
  protected final void doClose() {
    if (pending != null) {
      return; // a reader holds no lock and leaves the log as it is
    }
    batchLock.writeLock().lock();
    try {
      if (interruptedBatch == null) {
        checkpoint();
      }
    } catch (IOException | RuntimeException e) {
      log.warn(
          "{}: could not sync the batches logged in {} at close ({}); the next open replays them",
          description(),
          journal.path(),
          e.toString());
    }
    try {
      journal.close();
    } catch (IOException e) {
      log.warn("{}: could not close {}: {}", description(), journal.path(), e.toString());
    } finally {
      batchLock.writeLock().unlock();
      lock.close();
    }
  }
}
