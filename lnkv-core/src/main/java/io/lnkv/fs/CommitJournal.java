package io.lnkv.fs;

import io.lnkv.BatchOp;
import io.lnkv.CorruptedDataException;
import io.lnkv.ScopedKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The append-only log that makes batches atomic on a filesystem store, and cheap: a batch costs one
 * append and one fdatasync here, instead of an fsync per file. It lives beside the store folder
 * ({@code .<folder>.lnkv-journal}), never inside it, where LDK would take it for data.
 *
 * <p>How the store uses it:
 *
 * <ol>
 *   <li>{@link #append}: the whole batch, with the creation time of every value it writes, is
 *       appended as one record and the log fdatasynced. From here the batch is durable: if the
 *       process dies, the next open replays it.
 *   <li>The store renames the batch's files into place without syncing them.
 *   <li>At a checkpoint the store fsyncs every file and folder the logged batches touched, then
 *       {@link #reset}s the log. Until then, the log is what makes those batches durable.
 * </ol>
 *
 * Replaying the records in order is idempotent (whole values written, keys removed), so a crash
 * during a replay is harmless. The store checkpoints before any single write or remove to a key a
 * logged batch touched: a replay therefore never puts back a value older than one written since.
 *
 * <p>Format: the header {@code "LNKVLOG1"}, then records of a 32-bit body length, the body and the
 * body's SHA-256. A body is the operation count, then per operation a tag ({@code W} or {@code R}),
 * the three key parts as modified UTF-8 with a 16-bit length, and for a write the creation time in
 * milliseconds and the value with a 32-bit length. A record cut short or failing its digest at the
 * end of the log is the batch a crash interrupted before it was acknowledged: it is dropped. A bad
 * record followed by more data is damage, and opening fails.
 *
 * <p>Not thread-safe: the store calls it under its batch lock.
 */
final class CommitJournal implements AutoCloseable {
  private static final byte[] MAGIC = "LNKVLOG1".getBytes(StandardCharsets.US_ASCII);
  private static final int DIGEST_LENGTH = 32;

  /** One logged operation: a remove ({@code value} null) or a write and its creation time. */
  record Entry(ScopedKey key, byte[] value, long createdMillis) {
    boolean isWrite() {
      return value != null;
    }
  }

  private final Path path;
  private FileChannel channel; // null until the first append or while no log file exists
  private long size;
  private boolean broken; // an append failed and could not be undone

  CommitJournal(Path storeFolder) {
    this.path = storeFolder.resolveSibling("." + storeFolder.getFileName() + ".lnkv-journal");
  }

  Path path() {
    return path;
  }

  /** Whether the log holds batches not yet checkpointed. */
  boolean hasRecords() {
    return size > MAGIC.length;
  }

  /** The log's length in bytes. */
  long size() {
    return size;
  }

  /**
   * Whether an append failed and its partial record could not be cut off again: the failed batch
   * may be replayed by the next open, and nothing may be appended after it.
   */
  boolean broken() {
    return broken;
  }

  /**
   * Reads the log left by the previous run: the batches of its complete records, in order. A torn
   * last record is cut off. Also deletes the {@code .tmp} file of the single-record journal of
   * earlier versions, which never held an acknowledged batch.
   *
   * @throws CorruptedDataException if the log is damaged anywhere but at its end
   */
  List<List<Entry>> recover() throws IOException {
    Files.deleteIfExists(path.resolveSibling(path.getFileName() + ".tmp"));
    if (!Files.exists(path)) {
      return List.of();
    }
    byte[] bytes = Files.readAllBytes(path);
    if (bytes.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
      if (bytes.length < MAGIC.length && Arrays.equals(bytes, Arrays.copyOf(MAGIC, bytes.length))) {
        openChannel(); // the header itself was cut by a crash: no record was ever appended
        writeHeader();
        return List.of();
      }
      throw damaged("it does not start with " + new String(MAGIC, StandardCharsets.US_ASCII), 0);
    }
    List<List<Entry>> batches = new ArrayList<>();
    int pos = MAGIC.length;
    while (pos < bytes.length) {
      int remaining = bytes.length - pos;
      int bodyLength = remaining >= 4 ? ByteBuffer.wrap(bytes, pos, 4).getInt() : -1;
      long end = (long) pos + 4 + bodyLength + DIGEST_LENGTH;
      boolean whole =
          bodyLength > 0
              && end <= bytes.length
              && Arrays.equals(
                  sha256(bytes, pos + 4, bodyLength),
                  Arrays.copyOfRange(bytes, pos + 4 + bodyLength, (int) end));
      if (!whole) {
        if (bodyLength > 0 && end < bytes.length) {
          throw damaged("record at byte " + pos + " fails its digest and more records follow", pos);
        }
        break; // the record a crash cut short; it was never acknowledged
      }
      batches.add(decode(bytes, pos + 4, bodyLength));
      pos = (int) end;
    }
    openChannel();
    if (pos < bytes.length) {
      channel.truncate(pos);
      channel.force(false);
    }
    size = pos;
    return batches;
  }

  private CorruptedDataException damaged(String what, int at) {
    return new CorruptedDataException(
        "The commit journal "
            + path
            + " is damaged: "
            + what
            + ". It holds acknowledged batches that are not yet in the store folder; keep a copy"
            + " of it, and of the folder, before anything else. Byte "
            + at);
  }

  /**
   * Appends one batch and makes it durable. If anything fails, the partial record is cut off again
   * so the batch stays absent; if even that fails, {@link #broken()} turns true.
   */
  void append(List<Entry> batch) throws IOException {
    if (broken) {
      throw new IOException("an earlier append to " + path + " could not be undone");
    }
    if (channel == null) {
      openChannel();
      writeHeader();
    }
    byte[] record = encode(batch);
    long before = size;
    try {
      ByteBuffer buf = ByteBuffer.wrap(record);
      long at = before;
      while (buf.hasRemaining()) {
        at += channel.write(buf, at);
      }
      channel.force(false);
      size = before + record.length;
    } catch (IOException | RuntimeException e) {
      try {
        channel.truncate(before);
        channel.force(false);
      } catch (IOException | RuntimeException undo) {
        broken = true;
        e.addSuppressed(undo);
      }
      throw e;
    }
  }

  /** Empties the log once every logged batch is synced into the store folder (a checkpoint). */
  void reset() throws IOException {
    if (channel != null && size > MAGIC.length) {
      channel.truncate(MAGIC.length);
      channel.force(false);
      size = MAGIC.length;
    }
  }

  /** Closes the log, deleting it when it holds no record. */
  @Override
  public void close() throws IOException {
    if (channel == null) {
      return;
    }
    channel.close();
    channel = null;
    if (!hasRecords() && !broken) {
      Files.deleteIfExists(path);
      FsFiles.fsyncDirectory(path.getParent());
    }
  }

  private void openChannel() throws IOException {
    boolean created = !Files.exists(path);
    channel =
        FileChannel.open(
            path,
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    if (created) {
      FsFiles.fsyncDirectory(path.getParent());
    }
  }

  private void writeHeader() throws IOException {
    channel.truncate(0);
    ByteBuffer header = ByteBuffer.wrap(MAGIC);
    while (header.hasRemaining()) {
      channel.write(header, MAGIC.length - header.remaining());
    }
    channel.force(false);
    size = MAGIC.length;
  }

  private static byte[] encode(List<Entry> batch) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(0); // the body length, filled in below
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
    byte[] record = bytes.toByteArray();
    int bodyLength = record.length - 4;
    ByteBuffer.wrap(record).putInt(bodyLength);
    byte[] withDigest = Arrays.copyOf(record, record.length + DIGEST_LENGTH);
    System.arraycopy(sha256(record, 4, bodyLength), 0, withDigest, record.length, DIGEST_LENGTH);
    return withDigest;
  }

  private static List<Entry> decode(byte[] bytes, int offset, int length) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, offset, length));
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

  /** The entries of a batch that is replayed or stamped: writes keep {@code BatchOp}'s value. */
  static Entry entry(BatchOp op, long createdMillis) {
    return op instanceof BatchOp.Write w
        ? new Entry(op.key(), w.value(), createdMillis)
        : new Entry(op.key(), null, 0);
  }

  private static byte[] sha256(byte[] bytes, int offset, int length) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(bytes, offset, length);
      return d.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
