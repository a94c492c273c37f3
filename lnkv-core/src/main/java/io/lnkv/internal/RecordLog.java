package io.lnkv.internal;

import io.lnkv.CorruptedDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An append-only file of checksummed records, each made durable before {@link #append} returns: the
 * write-ahead log behind the filesystem stores' atomic batches and TierStore's retry journal.
 *
 * <p>Format: an 8-byte ASCII header naming the content, then records of a 32-bit body length, the
 * body and the body's SHA-256. A record cut short or failing its digest at the end of the file is
 * the one a crash interrupted before {@code append} returned: {@link #recover} drops it. A bad
 * record followed by more data is damage: {@code recover} refuses it rather than lose what follows.
 * Except in a log that takes unsynced appends ({@link #RecordLog(Path, String, String, boolean)}):
 * there an unsynced record can be lost while a later one reaches the disk (a failed fdatasync, or a
 * disk writing pages out of order before a power cut), so recovery skips a bad stretch followed by
 * whole records and reports it ({@link #lostStretches()}); the caller decides what a lost record
 * costs. The file is created on the first append, readable by its owner only, and deleted by {@link
 * #close} when it holds no record.
 *
 * <p>Not thread-safe: callers serialize access.
 */
public final class RecordLog implements AutoCloseable {
  private static final int DIGEST_LENGTH = 32;
  // Files.readAllBytes reads at most this; the stores' logs are checkpointed far below it.
  private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 64;

  private final Path path;
  private final byte[] magic;
  private final String holds;
  private final boolean unsyncedAppends;
  private List<String> lostStretches = List.of(); // found by the last recover()
  private FileChannel channel; // null until the first append, or recover() of an existing file
  private long size;
  private boolean broken; // an append failed and could not be undone
  private boolean closed;

  /**
   * @param path the log file
   * @param magic 8 ASCII characters that start the file and name its format
   * @param holds what the records are, for error messages (e.g. "acknowledged batches")
   */
  public RecordLog(Path path, String magic, String holds) {
    this(path, magic, holds, false);
  }

  /**
   * @param path the log file
   * @param magic 8 ASCII characters that start the file and name its format
   * @param holds what the records are, for error messages (e.g. "acknowledged batches")
   * @param unsyncedAppends whether {@link #append(byte[], boolean)} is called without a sync: then
   *     a bad stretch followed by whole records is what a crash can leave of unsynced records, and
   *     {@link #recover} skips it instead of refusing the file
   */
  public RecordLog(Path path, String magic, String holds, boolean unsyncedAppends) {
    this.unsyncedAppends = unsyncedAppends;
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

  /**
   * The bad stretches the last {@link #recover} or {@link #readRecords} skipped, e.g. {@code "bytes
   * 3839 to 4095"}; empty when none was (always, unless the log takes unsynced appends). The
   * records once there are lost: if any of them mattered, the caller must rebuild what they said.
   */
  public List<String> lostStretches() {
    return lostStretches;
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
    checkOpen();
    Parsed parsed = parse();
    if (parsed == null) {
      return List.of();
    }
    openChannel();
    if (parsed.tornHeader) {
      // The header is synced before any record is written: if it did not survive, no record did
      // (a power cut can leave it short, or zeros where the size got out before the data).
      writeHeader();
      return List.of();
    }
    if (parsed.end < parsed.fileLength) {
      // Not synced: a torn tail that a later power cut brings back is dropped again, and the next
      // append's fdatasync makes the new length durable with its record.
      channel.truncate(parsed.end);
    }
    size = parsed.end;
    return parsed.records;
  }

  /**
   * Reads the records in the file as {@link #recover} would, without changing the file or opening
   * it for writing: for a reader beside the live writer. A torn last record is left out (its append
   * has not returned, or never will); damage is refused as by {@code recover}.
   *
   * @throws CorruptedDataException if the file is damaged anywhere but at its end
   */
  public List<byte[]> readRecords() throws IOException {
    Parsed parsed = parse();
    return parsed == null || parsed.tornHeader ? List.of() : parsed.records;
  }

  /** What the file holds; null if there is no file. */
  private Parsed parse() throws IOException {
    byte[] bytes;
    try {
      OwnFiles.refuseAlias(path, "the log of " + holds); // read what lnkv wrote, not a link
      long fileSize = Files.size(path);
      if (fileSize > MAX_FILE_BYTES) {
        throw damaged("it is " + fileSize + " bytes long, more than a log of this kind can be", 0);
      }
      bytes = Files.readAllBytes(path);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
    if (bytes.length <= magic.length && tornHeader(bytes)) {
      return new Parsed(List.of(), 0, bytes.length, true);
    }
    if (!Arrays.equals(Arrays.copyOf(bytes, magic.length), magic)) {
      throw damaged("it does not start with " + new String(magic, StandardCharsets.US_ASCII), 0);
    }
    List<byte[]> records = new ArrayList<>();
    List<String> lost = new ArrayList<>();
    int pos = magic.length;
    while (pos < bytes.length) {
      int end = wholeRecordEnd(bytes, pos);
      if (end < 0 && unsyncedAppends) {
        int next = nextWholeRecord(bytes, pos + 1);
        if (next < 0) {
          break; // nothing whole follows: a torn tail, whatever its bytes
        }
        lost.add("bytes " + pos + " to " + (next - 1));
        pos = next;
        continue;
      }
      if (end < 0) {
        checkTornTail(bytes, pos);
        break; // the record a crash cut short; its append never returned
      }
      records.add(Arrays.copyOfRange(bytes, pos + 4, end - DIGEST_LENGTH));
      pos = end;
    }
    lostStretches = List.copyOf(lost);
    return new Parsed(records, pos, bytes.length, false);
  }

  /**
   * Where the next whole record at or after {@code from} starts, or -1 if none does. Cheap on what
   * a lost page leaves: a zero or impossible length is passed over without hashing anything.
   */
  private static int nextWholeRecord(byte[] bytes, int from) {
    for (int q = from; q + 4 + 1 + DIGEST_LENGTH <= bytes.length; q++) {
      int bodyLength = ByteBuffer.wrap(bytes, q, 4).getInt();
      if (bodyLength > 0
          && (long) q + 4 + bodyLength + DIGEST_LENGTH <= bytes.length
          && wholeRecordEnd(bytes, q) > 0) {
        return q;
      }
    }
    return -1;
  }

  /** The whole records of a file, where they end, and whether only a torn header is there. */
  private record Parsed(List<byte[]> records, int end, int fileLength, boolean tornHeader) {}

  private boolean tornHeader(byte[] bytes) {
    boolean zeros = true;
    for (byte b : bytes) {
      zeros &= b == 0;
    }
    return zeros || Arrays.equals(bytes, Arrays.copyOf(magic, bytes.length));
  }

  /** The end of the whole record at {@code pos}, or -1 if there is none there. */
  private static int wholeRecordEnd(byte[] bytes, int pos) {
    if (bytes.length - pos < 4) {
      return -1;
    }
    int bodyLength = ByteBuffer.wrap(bytes, pos, 4).getInt();
    long end = (long) pos + 4 + bodyLength + DIGEST_LENGTH;
    if (bodyLength <= 0 || end > bytes.length) {
      return -1;
    }
    byte[] digest = sha256(bytes, pos + 4, bodyLength);
    return Arrays.equals(digest, Arrays.copyOfRange(bytes, pos + 4 + bodyLength, (int) end))
        ? (int) end
        : -1;
  }

  /**
   * Refuses a bad record at {@code pos} unless it is what a power cut leaves of the last append: a
   * prefix of it (its length field intact, its end past the file's), possibly followed by zeros
   * where the size got out before the data. Every append is synced before the next one starts, so a
   * bad record followed by a whole one, or by data it cannot account for, is damage.
   */
  private void checkTornTail(byte[] bytes, int pos) {
    if (bytes.length - pos < 4 || allZero(bytes, pos)) {
      return;
    }
    int bodyLength = ByteBuffer.wrap(bytes, pos, 4).getInt();
    long end = (long) pos + 4 + bodyLength + DIGEST_LENGTH;
    if (bodyLength > 0 && end < bytes.length) {
      throw damaged("the record at byte " + pos + " fails its digest and more follow", pos);
    }
    // A header a power cut left as zeros or garbage, or intact and pointing past the end, is the
    // last append's, unless whole records follow it: then its length field is damaged.
    if (aWholeRecordEndsTheFile(bytes, pos + 1)) {
      throw damaged(
          "the record at byte "
              + pos
              + (bodyLength <= 0
                  ? " has an impossible length " + bodyLength
                  : " claims " + bodyLength + " bytes, past the end of the file")
              + ", and whole records follow it",
          pos);
    }
  }

  private static boolean allZero(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a whole record starting at or after {@code from} ends exactly at the end of the file:
   * what a damaged length in a middle record leaves (the records after it are whole), and what a
   * torn last record never does (nothing whole follows its start). Cheap: the digest is computed
   * only where the length field points exactly at the end of the file.
   */
  private static boolean aWholeRecordEndsTheFile(byte[] bytes, int from) {
    for (int q = from; q + 4 + 1 + DIGEST_LENGTH <= bytes.length; q++) {
      int bodyLength = ByteBuffer.wrap(bytes, q, 4).getInt();
      if ((long) q + 4 + bodyLength + DIGEST_LENGTH == bytes.length
          && bodyLength > 0
          && wholeRecordEnd(bytes, q) == bytes.length) {
        return true;
      }
    }
    return false;
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
    checkOpen();
    if (broken) {
      throw new IOException("an earlier append to " + path + " could not be undone");
    }
    if (body.length == 0) {
      throw new IllegalArgumentException("a record needs at least one byte");
    }
    if (channel == null) {
      if (Files.exists(path)) {
        // never adopt (and truncate) a file recover() has not read: it may hold records
        throw new IOException(
            path + " exists but was not recovered; open the log again to read it first");
      }
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
        // Synced: after a failed fsync the record may have reached the disk anyway, whole, and
        // only a durable truncation keeps a batch reported failed from being replayed. The
        // power-cut harness cannot show this: its failed fsyncs drop the writes, the kind case.
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
    checkOpen();
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
    checkOpen();
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
    try {
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      DurableDirectories.fsync(path.getParent());
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      openChannel(); // the old log, whole: later appends go on after its records
      throw e;
    }
    openChannel();
    size = fresh.size;
  }

  /** Closes the file, deleting it when it holds no record. */
  @Override
  public void close() throws IOException {
    closed = true;
    if (channel == null) {
      return;
    }
    channel.close();
    channel = null;
    if (!hasRecords() && !broken) {
      // Not synced: every reset is, so a log that a power cut brings back holds no record.
      Files.deleteIfExists(path);
    }
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new IOException(
          path + " is closed: nothing more can be appended (a late append must not re-create it)");
    }
  }

  private void openChannel() throws IOException {
    boolean created = !Files.exists(path);
    channel =
        OwnFiles.openForWriting(
            path, "the log of " + holds, StandardOpenOption.CREATE, StandardOpenOption.READ);
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
    // Synced before any record is written, so that a file whose header did not survive holds no
    // record (recover reads it as an empty log). The power-cut harness keeps a prefix of a file's
    // unsynced writes and cannot show the state this prevents: a record on disk and the header
    // not, which a real disk writing blocks out of order can.
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
