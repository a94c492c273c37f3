package io.lnkv.spi;

import io.lnkv.CorruptedDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An append-only file of checksummed records, each made durable before {@link #append} returns: the
 * write-ahead log behind the filesystem stores' atomic batches and TierStore's retry journal.
 *
 * <p>Format: an 8-byte ASCII header naming the content, then records of a 32-bit body length, the
 * body and the body's SHA-256. A record cut short or failing its digest at the end of the file is
 * the one a crash interrupted before {@code append} returned: {@link #recover} drops it. A bad
 * record followed by more data is damage: {@code recover} refuses it rather than lose what follows.
 * The file is created on the first append, readable by its owner only, and deleted by {@link
 * #close} when it holds no record.
 *
 * <p>Not thread-safe: callers serialize access.
 */
public final class RecordLog implements AutoCloseable {
  private static final int DIGEST_LENGTH = 32;

  private final Path path;
  private final byte[] magic;
  private final String holds;
  private FileChannel channel; // null until the first append, or recover() of an existing file
  private long size;
  private boolean broken; // an append failed and could not be undone

  /**
   * @param path the log file
   * @param magic 8 ASCII characters that start the file and name its format
   * @param holds what the records are, for error messages (e.g. "acknowledged batches")
   */
  public RecordLog(Path path, String magic, String holds) {
    this.path = Objects.requireNonNull(path, "path");
    this.magic = magic.getBytes(StandardCharsets.US_ASCII);
    if (this.magic.length != 8) {
      throw new IllegalArgumentException("magic must be 8 ASCII characters: " + magic);
    }
    this.holds = holds;
  }

  /** The log file. */
  public Path path() {
    return path;
  }

  /** Whether the log holds records since it was created or last {@link #reset}. */
  public boolean hasRecords() {
    return size > magic.length;
  }

  /** The log's length in bytes. */
  public long size() {
    return size;
  }

  /**
   * Whether an append failed and its partial record could not be cut off again: that record may be
   * read back by the next {@link #recover}, and nothing more can be appended.
   */
  public boolean broken() {
    return broken;
  }

  /**
   * Reads the records a previous run left, in order, cutting off a torn last record. Call once,
   * before any append.
   *
   * @throws CorruptedDataException if the file is damaged anywhere but at its end
   */
  public List<byte[]> recover() throws IOException {
    if (!Files.exists(path)) {
      return List.of();
    }
    byte[] bytes = Files.readAllBytes(path);
    if (bytes.length < magic.length) {
      if (!Arrays.equals(bytes, Arrays.copyOf(magic, bytes.length))) {
        throw damaged("it does not start with " + new String(magic, StandardCharsets.US_ASCII), 0);
      }
      openChannel(); // a crash cut the header itself: no record was ever appended
      writeHeader();
      return List.of();
    }
    if (!Arrays.equals(Arrays.copyOf(bytes, magic.length), magic)) {
      throw damaged("it does not start with " + new String(magic, StandardCharsets.US_ASCII), 0);
    }
    List<byte[]> records = new ArrayList<>();
    int pos = magic.length;
    while (pos < bytes.length) {
      int bodyLength = bytes.length - pos >= 4 ? ByteBuffer.wrap(bytes, pos, 4).getInt() : -1;
      long end = (long) pos + 4 + bodyLength + DIGEST_LENGTH;
      boolean whole =
          bodyLength > 0
              && end <= bytes.length
              && Arrays.equals(
                  sha256(bytes, pos + 4, bodyLength),
                  Arrays.copyOfRange(bytes, pos + 4 + bodyLength, (int) end));
      if (!whole) {
        if (bodyLength > 0 && end < bytes.length) {
          throw damaged("the record at byte " + pos + " fails its digest and more follow", pos);
        }
        break; // the record a crash cut short; its append never returned
      }
      records.add(Arrays.copyOfRange(bytes, pos + 4, pos + 4 + bodyLength));
      pos = (int) end;
    }
    openChannel();
    if (pos < bytes.length) {
      channel.truncate(pos);
      channel.force(false);
    }
    size = pos;
    return records;
  }

  private CorruptedDataException damaged(String what, int at) {
    return new CorruptedDataException(
        path
            + " is damaged at byte "
            + at
            + ": "
            + what
            + ". It holds "
            + holds
            + "; keep a copy of it before anything else, and restore the file from a backup or"
            + " move it away only once you know what it held");
  }

  /**
   * Appends one record and fdatasyncs the file. If anything fails, the partial record is cut off
   * again, so the record is absent; if even that fails, {@link #broken()} turns true.
   *
   * @throws IOException if the record is not durable
   */
  public void append(byte[] body) throws IOException {
    append(body, true);
  }

  /**
   * Appends one record, fdatasyncing the file only if {@code sync}: an unsynced record may be lost
   * (with everything after it) in a crash, and becomes durable with the next synced append. For
   * records whose loss is harmless.
   */
  public void append(byte[] body, boolean sync) throws IOException {
    if (broken) {
      throw new IOException("an earlier append to " + path + " could not be undone");
    }
    if (body.length == 0) {
      throw new IllegalArgumentException("a record needs at least one byte");
    }
    if (channel == null) {
      openChannel();
      writeHeader();
    }
    ByteBuffer record = ByteBuffer.allocate(4 + body.length + DIGEST_LENGTH);
    record.putInt(body.length).put(body).put(sha256(body, 0, body.length)).flip();
    long before = size;
    try {
      long at = before;
      while (record.hasRemaining()) {
        at += channel.write(record, at);
      }
      if (sync) {
        channel.force(false);
      }
      size = at;
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

  /** Drops every record, durably. */
  public void reset() throws IOException {
    if (channel != null && hasRecords()) {
      channel.truncate(magic.length);
      channel.force(false);
      size = magic.length;
    }
  }

  /**
   * Replaces the log with just {@code bodies}, atomically (a new file is written, synced and
   * renamed over this one): compaction of a log whose older records no longer matter.
   */
  public void rewrite(List<byte[]> bodies) throws IOException {
    if (broken) {
      throw new IOException("an earlier append to " + path + " could not be undone");
    }
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    RecordLog fresh = new RecordLog(tmp, new String(magic, StandardCharsets.US_ASCII), holds);
    Files.deleteIfExists(tmp);
    fresh.openChannel();
    fresh.writeHeader();
    for (byte[] body : bodies) {
      fresh.append(body);
    }
    fresh.channel.close();
    if (channel != null) {
      channel.close();
      channel = null;
    }
    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    DurableDirectories.fsync(path.getParent());
    openChannel();
    size = fresh.size;
  }

  /** Closes the file, deleting it when it holds no record. */
  @Override
  public void close() throws IOException {
    if (channel == null) {
      return;
    }
    channel.close();
    channel = null;
    if (!hasRecords() && !broken) {
      Files.deleteIfExists(path);
      DurableDirectories.fsync(path.getParent());
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
      DurableDirectories.fsync(path.getParent());
    }
  }

  private void writeHeader() throws IOException {
    channel.truncate(0);
    ByteBuffer header = ByteBuffer.wrap(magic);
    while (header.hasRemaining()) {
      channel.write(header, header.position());
    }
    channel.force(false);
    size = magic.length;
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
