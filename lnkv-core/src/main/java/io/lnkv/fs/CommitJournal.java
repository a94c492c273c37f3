package io.lnkv.fs;

import io.lnkv.BatchOp;
import io.lnkv.ScopedKey;
import io.lnkv.spi.RecordLog;
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
 *       durable: if the process dies, the next open replays it.
 *   <li>The store renames the batch's files into place without syncing them.
 *   <li>At a checkpoint the store fsyncs every file and folder the logged batches touched, then
 *       {@link #reset}s the log. Until then, the log is what makes those batches durable.
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

  private final RecordLog log;

  CommitJournal(Path storeFolder) {
    this.log =
        new RecordLog(
            storeFolder.resolveSibling("." + storeFolder.getFileName() + ".lnkv-journal"),
            "LNKVLOG1",
            "acknowledged batches not yet synced into " + storeFolder);
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

  /**
   * The batches the previous run logged and may not have synced, in order. Also deletes the {@code
   * .tmp} file of the single-record journal of earlier versions, which never held an acknowledged
   * batch.
   */
  List<List<Entry>> recover() throws IOException {
    Files.deleteIfExists(log.path().resolveSibling(log.path().getFileName() + ".tmp"));
    List<List<Entry>> batches = new ArrayList<>();
    for (byte[] record : log.recover()) {
      batches.add(decode(record));
    }
    return batches;
  }

  /** Appends one batch and makes it durable; on failure the batch stays absent. */
  void append(List<Entry> batch) throws IOException {
    log.append(encode(batch));
  }

  /** Empties the log once every logged batch is synced into the store folder (a checkpoint). */
  void reset() throws IOException {
    log.reset();
  }

  /** Closes the log, deleting it when it holds no record. */
  @Override
  public void close() throws IOException {
    log.close();
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

  private static List<Entry> decode(byte[] record) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(record));
    int count = in.readInt();
    List<Entry> batch = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int tag = in.readUnsignedByte();
      ScopedKey key = ScopedKey.of(in.readUTF(), in.readUTF(), in.readUTF());
      if (tag == 'W') {
        long created = in.readLong();
        byte[] value = new byte[in.readInt()];
        in.readFully(value);
        batch.add(new Entry(key, value, created));
      } else {
        batch.add(new Entry(key, null, 0));
      }
    }
    return batch;
  }
}
