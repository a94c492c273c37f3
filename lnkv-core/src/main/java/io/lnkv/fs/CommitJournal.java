package io.lnkv.fs;

import io.lnkv.BatchOp;
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
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The commit journal that makes a batch atomic on a filesystem store. It lives beside the store
 * folder ({@code .<folder>.lnkv-journal}), never inside it, where LDK would take it for data.
 *
 * <p>A batch is committed in three steps:
 *
 * <ol>
 *   <li>{@link #record}: the whole batch is written to {@code .<folder>.lnkv-journal.tmp}, fsynced,
 *       renamed to the journal, and the parent folder fsynced. From here the batch is durable: if
 *       the process dies, the next open replays it.
 *   <li>The store applies the operations (without a sync per file) and then fsyncs every file and
 *       folder it touched.
 *   <li>{@link #clear}: the journal is deleted and the parent folder fsynced.
 * </ol>
 *
 * A crash before step 1 completes leaves no journal (or a {@code .tmp} one, ignored): the batch is
 * absent. A crash after it leaves a complete journal, replayed on open: the batch is present.
 * Replaying is idempotent (writes and removes of whole values), so a crash during a replay is
 * harmless too. The record ends with a SHA-256 of its content; a journal whose digest does not
 * match was never renamed into place complete and is discarded.
 *
 * <p>Format: {@code "LNKVJ1"}, the operation count, then per operation a tag ({@code W} or {@code
 * R}), the three key parts as UTF-8 with a 16-bit length, and for a write the value with a 32-bit
 * length; then the digest. Not thread-safe: the store serializes batches.
 */
final class CommitJournal {
  private static final byte[] MAGIC = "LNKVJ1".getBytes(StandardCharsets.US_ASCII);
  private static final int DIGEST_LENGTH = 32;

  private final Path journal;
  private final Path tmp;

  CommitJournal(Path storeFolder) {
    this.journal = storeFolder.resolveSibling("." + storeFolder.getFileName() + ".lnkv-journal");
    this.tmp = journal.resolveSibling(journal.getFileName() + ".tmp");
  }

  Path path() {
    return journal;
  }

  /** Makes the batch durable as one record (step 1). */
  void record(List<BatchOp> operations) throws IOException {
    byte[] body = encode(operations);
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            Set.of(
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      ByteBuffer buf = ByteBuffer.wrap(body);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    Files.move(tmp, journal, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    FsFiles.fsyncDirectory(journal.getParent());
  }

  /** Deletes the journal once its batch is applied and synced (step 3). */
  void clear() throws IOException {
    Files.deleteIfExists(journal);
    FsFiles.fsyncDirectory(journal.getParent());
  }

  /**
   * The batch of a complete journal left by a crash, if any. An incomplete or damaged journal, and
   * a leftover {@code .tmp}, are deleted.
   */
  Optional<List<BatchOp>> pending() throws IOException {
    Files.deleteIfExists(tmp);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(journal);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    Optional<List<BatchOp>> batch = decode(bytes);
    if (batch.isEmpty()) {
      clear();
    }
    return batch;
  }

  private static byte[] encode(List<BatchOp> operations) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(MAGIC);
    out.writeInt(operations.size());
    for (BatchOp op : operations) {
      out.writeByte(op instanceof BatchOp.Write ? 'W' : 'R');
      ScopedKey k = op.key();
      out.writeUTF(k.primaryNamespace());
      out.writeUTF(k.secondaryNamespace());
      out.writeUTF(k.key());
      if (op instanceof BatchOp.Write w) {
        out.writeInt(w.value().length);
        out.write(w.value());
      }
    }
    out.flush();
    out.write(sha256(bytes.toByteArray(), bytes.size()));
    return bytes.toByteArray();
  }

  private static Optional<List<BatchOp>> decode(byte[] bytes) throws IOException {
    int bodyLength = bytes.length - DIGEST_LENGTH;
    if (bodyLength < MAGIC.length + 4
        || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)
        || !Arrays.equals(
            sha256(bytes, bodyLength), Arrays.copyOfRange(bytes, bodyLength, bytes.length))) {
      return Optional.empty();
    }
    DataInputStream in =
        new DataInputStream(
            new ByteArrayInputStream(bytes, MAGIC.length, bodyLength - MAGIC.length));
    int count = in.readInt();
    List<BatchOp> ops = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int tag = in.readUnsignedByte();
      ScopedKey key = ScopedKey.of(in.readUTF(), in.readUTF(), in.readUTF());
      if (tag == 'W') {
        byte[] value = new byte[in.readInt()];
        in.readFully(value);
        ops.add(new BatchOp.Write(key, value));
      } else {
        ops.add(new BatchOp.Remove(key));
      }
    }
    return Optional.of(ops);
  }

  private static byte[] sha256(byte[] bytes, int length) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(bytes, 0, length);
      return d.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
