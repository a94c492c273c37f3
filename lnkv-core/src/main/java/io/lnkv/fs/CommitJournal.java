package io.lnkv.fs;

import io.lnkv.BatchOp;
import io.lnkv.CorruptedDataException;
import io.lnkv.ScopedKey;
import io.lnkv.internal.DurableDirectories;
import io.lnkv.internal.RecordFields;
import io.lnkv.internal.RecordLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The log that makes batches atomic on a filesystem store, and cheap: a batch costs one append and
 * one fdatasync here, instead of an fsync per file. It lives beside the store folder ({@code
 * .<folder>.lnkv-journal}), never inside it, where LDK would take it for data.
 *
 * <p>How the store uses it:
 *
 * <ol>
 *   <li>{@link #append}: the whole batch, with the creation time of every value it writes, is
 *       appended as one record of a {@link RecordLog}, which is fdatasynced. From here the batch is
 *       durable: if the process dies, the next open replays it. The first record after a checkpoint
 *       also leaves {@value #PENDING_MARKER} in the store folder (synced), so that the folder
 *       cannot be opened without its journal.
 *   <li>The store writes the batch's values into their files in place without syncing them.
 *   <li>At a checkpoint the store fsyncs every file and folder the logged batches touched, then
 *       {@link #reset}s the log, which removes the marker. Until then, the log is what makes those
 *       batches durable.
 * </ol>
 *
 * Replaying the records in order is idempotent (whole values written, keys removed), so a crash
 * during a replay is harmless. The store checkpoints before any single write or remove to a key a
 * logged batch touched: a replay therefore never puts back a value older than one written since.
 *
 * <p>A record's body is the operation count, then per operation a tag ({@code W} or {@code R}), the
 * three key parts as modified UTF-8 with a 16-bit length, and for a write the creation time in
 * milliseconds and the value with a 32-bit length. Not thread-safe: the store calls it under its
 * batch lock.
 */
final class CommitJournal implements AutoCloseable {
  /** One logged operation: a remove ({@code value} null) or a write and its creation time. */
  record Entry(ScopedKey key, byte[] value, long createdMillis) {
    boolean isWrite() {
      return value != null;
    }

    static Entry of(BatchOp op, long createdMillis) {
      return op instanceof BatchOp.Write w
          ? new Entry(op.key(), w.value(), createdMillis)
          : new Entry(op.key(), null, 0);
    }
  }

  /**
   * The file inside the store folder that says batches are waiting in the journal beside it: a
   * folder moved or copied without its journal is refused instead of opened with the values those
   * batches were writing, perhaps torn. Its name ends in {@code .tmp}, so LDK's v1 listings skip it
   * (and its single dot keeps it apart from temporary files, {@code <key>.<n>.tmp}); LDK's v2
   * refuses to open a folder with a file at its top, which is right while batches wait.
   */
  static final String PENDING_MARKER = "lnkv-pending-batches.tmp";

  // A tag and three empty key parts: no operation takes fewer bytes.
  private static final int MIN_OPERATION_BYTES = 1 + 3 * 2;

  private final RecordLog log;
  private final Path storeFolder;
  private final Path marker;
  private boolean markerMayRemain; // removed, and the folder's fsync that was to make it so failed

  CommitJournal(Path storeFolder) {
    this.storeFolder = storeFolder;
    this.marker = storeFolder.resolve(PENDING_MARKER);
    this.log =
        new RecordLog(
            storeFolder.resolveSibling("." + storeFolder.getFileName() + ".lnkv-journal"),
            "LNKVLOG2",
            "LNKVLOG1", // before records were bound to the log's generation
            "acknowledged batches not yet synced into " + storeFolder,
            false);
  }

  Path path() {
    return log.path();
  }

  /** Whether the log holds batches not yet checkpointed. */
  boolean hasRecords() {
    return log.hasRecords();
  }

  /** The log's length in bytes. */
  long size() {
    return log.size();
  }

  /** See {@link RecordLog#broken()}: a failed batch may be replayed by the next open. */
  boolean broken() {
    return log.broken();
  }

  /** Receives batches read back from the log, one at a time. */
  @FunctionalInterface
  interface BatchVisitor {
    /**
     * @param batch the batch's operations, in order
     * @param valueOffsets where each write's value starts in the log file (-1 for a remove)
     */
    void accept(List<Entry> batch, long[] valueOffsets) throws IOException;
  }

  /**
   * Hands {@code replay} the batches the previous run logged and may not have synced, in order, one
   * at a time: every record is read and checked first, so that nothing is replayed from a damaged
   * log. Also deletes the {@code .tmp} file of the single-record journal of earlier versions, which
   * never held an acknowledged batch.
   *
   * @return how many batches were replayed
   */
  long recover(BatchVisitor replay) throws IOException {
    Files.deleteIfExists(log.path().resolveSibling(log.path().getFileName() + ".tmp"));
    refuseMarkerWithoutJournal();
    long count = log.recover(new Decoding((batch, offsets) -> {}));
    if (count == 0) {
      if (Files.deleteIfExists(marker)) {
        DurableDirectories.fsync(
            storeFolder); // a cut between a checkpoint and its marker's removal
      }
      return 0;
    }
    log.readRecords(new Decoding(replay));
    return count;
  }

  /**
   * Hands {@code reader} the batches logged and perhaps not yet synced into the folder, read
   * without changing anything: what a read-only open lays over the folder's files (a batch's files
   * may be half-written while its record is whole).
   */
  void readWithoutChanging(BatchVisitor reader) throws IOException {
    refuseMarkerWithoutJournal();
    log.readRecords(new Decoding(reader));
  }

  /**
   * A write's value as the log holds it now, at an offset {@link #readWithoutChanging} gave: the
   * caller checks that the log did not change in between.
   */
  byte[] valueAt(long offset, int length) throws IOException {
    return log.bytesAt(offset, length);
  }

  private void refuseMarkerWithoutJournal() {
    if (Files.exists(marker) && !Files.exists(log.path())) {
      throw new CorruptedDataException(
          "Cannot open "
              + storeFolder
              + ": batches were waiting in its commit log "
              + log.path()
              + ", which is not there (was the folder moved or copied without it?). Put the"
              + " journal back beside the folder and open it again. Only if the journal is lost for"
              + " good: delete "
              + marker
              + " to open the folder as it is, knowing that values those batches wrote may be"
              + " torn or missing");
    }
  }

  /** Decodes each record into its batch for a visitor; a record that is not a batch is refused. */
  private final class Decoding implements RecordLog.RecordVisitor {
    private final BatchVisitor visitor;
    private long records;

    Decoding(BatchVisitor visitor) {
      this.visitor = visitor;
    }

    @Override
    public void accept(byte[] body, long bodyOffset) throws IOException {
      records++;
      long[] offsets;
      List<Entry> batch;
      try {
        List<Long> at = new ArrayList<>();
        batch = decode(body, at);
        offsets = new long[at.size()];
        for (int i = 0; i < offsets.length; i++) {
          offsets[i] = at.get(i) < 0 ? -1 : bodyOffset + at.get(i);
        }
      } catch (IOException e) {
        throw new CorruptedDataException(
            "Cannot open "
                + storeFolder
                + ": batch record "
                + records
                + " in "
                + log.path()
                + " is not a valid batch ("
                + e.getMessage()
                + "), although its digest matches: the file was written by something else than"
                + " lnkv. Keep a copy of it; nothing was replayed",
            e);
      }
      visitor.accept(batch, offsets);
    }
  }

  /** Appends one batch and makes it durable; on failure the batch stays absent. */
  void append(List<Entry> batch) throws IOException {
    log.append(encode(batch));
    if (!Files.exists(marker)) {
      // After the record, so that a marker always has a journal beside it; before the batch is
      // acknowledged, so that a folder holding an acknowledged batch's files always says so.
      try {
        io.lnkv.internal.OwnFiles.touch(marker, "the pending-batches marker");
        DurableDirectories.fsync(storeFolder);
      } catch (IOException e) {
        throw new RecordedException(e);
      }
    }
  }

  /** The batch is recorded (the next open replays it), but something after the record failed. */
  static final class RecordedException extends IOException {
    private static final long serialVersionUID = 1L;

    RecordedException(IOException cause) {
      super(cause.toString(), cause);
    }
  }

  /** Empties the log once every logged batch is synced into the store folder (a checkpoint). */
  void reset() throws IOException {
    log.reset();
    if (Files.deleteIfExists(marker)) {
      markerMayRemain = true;
      DurableDirectories.fsync(storeFolder); // or a cut brings it back, with no journal to match
      markerMayRemain = false;
    }
  }

  /**
   * Closes the log, deleting it when it holds no record, unless the marker is still there (a
   * checkpoint failed before removing it) or its removal may not be on the disk (its folder's fsync
   * failed): a marker needs its journal, even an empty one, or the folder is refused as moved
   * without it.
   */
  @Override
  public void close() throws IOException {
    if (markerMayRemain || Files.exists(marker)) {
      log.closeKeepingTheFile();
    } else {
      log.close();
    }
  }

  private static byte[] encode(List<Entry> batch) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(batch.size());
    for (Entry e : batch) {
      out.writeByte(e.isWrite() ? 'W' : 'R');
      ScopedKey k = e.key();
      out.writeUTF(k.primaryNamespace());
      out.writeUTF(k.secondaryNamespace());
      out.writeUTF(k.key());
      if (e.isWrite()) {
        out.writeLong(e.createdMillis());
        out.writeInt(e.value().length);
        out.write(e.value());
      }
    }
    out.flush();
    return bytes.toByteArray();
  }

  /**
   * A record read back from disk is hostile input even with a valid digest (anyone who can write
   * the file can write one): counts and lengths are bounded by the record before anything is
   * allocated, and every key must pass LDK's rules, so that no replay can write outside the store
   * folder.
   */
  private static List<Entry> decode(byte[] record, List<Long> valueOffsets) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(record));
    int count = RecordFields.count(in, record.length, MIN_OPERATION_BYTES);
    List<Entry> batch = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int tag = RecordFields.ended(in::readUnsignedByte, "operation " + i);
      if (tag != 'W' && tag != 'R') {
        throw new IOException("operation " + i + " has the unknown tag " + tag);
      }
      ScopedKey key = RecordFields.key(in, i);
      if (tag == 'W') {
        long created = RecordFields.ended(in::readLong, "the creation time of operation " + i);
        int length = RecordFields.ended(in::readInt, "the value length of operation " + i);
        if (length < 0 || length > in.available()) {
          throw new IOException("operation " + i + " claims a value of " + length + " bytes");
        }
        valueOffsets.add((long) record.length - in.available());
        byte[] value = new byte[length];
        in.readFully(value);
        batch.add(new Entry(key, value, created));
      } else {
        valueOffsets.add(-1L);
        batch.add(new Entry(key, null, 0));
      }
    }
    if (in.available() > 0) {
      throw new IOException(in.available() + " bytes follow its last operation");
    }
    return batch;
  }
}
