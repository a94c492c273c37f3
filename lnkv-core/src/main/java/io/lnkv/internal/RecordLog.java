package io.lnkv.internal;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

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
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An append-only file of checksummed records, each made durable before {@link #append} returns: the
 * write-ahead log behind the filesystem stores' atomic batches and TierStore's retry journal.
 *
 * <p>Format: a 16-byte header (8 ASCII characters naming the content, then a random 64-bit
 * generation drawn whenever the log is created, emptied or rewritten), then records of a 32-bit
 * body length, the body, and SHA-256 over the generation, the record's offset and the body. The
 * digest binds each record to its log and place: a record left on the disk by an earlier generation
 * (blocks a truncation freed, which a file system may show again in a region the file regrows into
 * before a crash) or by another file never reads as whole here. A log written before generations
 * (its header the 8-character legacy name alone, digests over the body only) is read and appended
 * to in its own format until it is next emptied or rewritten.
 *
 * <p>What a crash may leave after the last synced record is the record being appended: a prefix of
 * it, zeros, or stale bytes. {@link #recover} drops that tail whatever it holds, as long as no
 * whole record follows. A bad record followed by a whole one is damage (every append is synced
 * before the next starts): {@code recover} refuses it rather than lose what follows. Except in a
 * log that takes unsynced appends ({@link #RecordLog(Path, String, String, boolean)}): there an
 * unsynced record can be lost while a later one reaches the disk (a failed fdatasync, or a disk
 * writing pages out of order before a power cut), so recovery skips a bad stretch followed by whole
 * records and reports it ({@link #lostStretches()}); the caller decides what a lost record costs.
 * The file is created on the first append, readable by its owner only, and deleted by {@link
 * #close} when it holds no record.
 *
 * <p>Not recognised: a record damaged in place (bit rot) at the very end of the log, followed by
 * the torn record a crash left after it and nothing whole; it is dropped as part of the torn tail.
 *
 * <p>Not thread-safe: callers serialize access.
 *
 * <p>Long because a log's whole format lives here, and its writing and its reading must agree byte
 * for byte: records appended, synced, undone, reset and rewritten; and read back as hostile input
 * (torn tails, records of an earlier generation, lost stretches, the legacy format), streamed so
 * that no file can exhaust the heap.
 */
public final class RecordLog implements AutoCloseable {
  private static final int DIGEST_LENGTH = 32;
  private static final int NAME_LENGTH = 8;
  private static final int HEADER_LENGTH = NAME_LENGTH + 8; // the name and the generation
  private static final SecureRandom GENERATIONS = new SecureRandom();

  private final Path path;
  private final byte[] magic;
  private final byte[] legacyMagic; // null: no log of this kind was written before generations
  private final String holds;
  private final boolean unsyncedAppends;
  private List<String> lostStretches = List.of(); // found by the last recover()
  private FileChannel channel; // null until the first append, or recover() of an existing file
  private long size;
  private boolean legacy; // the open file is in the format before generations
  private long generation; // the open file's, bound into every record's digest
  // The header may not be on the disk: its sync failed, or a later failed fsync may have dropped
  // it with the rest of the file's unsynced pages. Written again and synced before the next record.
  private boolean headerDirty;
  private boolean broken; // an append failed and could not be undone
  private boolean closed;

  /**
   * @param path the log file
   * @param magic 8 ASCII characters that start the file and name its format
   * @param holds what the records are, for error messages (e.g. "acknowledged batches")
   */
  public RecordLog(Path path, String magic, String holds) {
    this(path, magic, null, holds, false);
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
    this(path, magic, null, holds, unsyncedAppends);
  }

  /**
   * @param path the log file
   * @param magic 8 ASCII characters that start the file and name its format
   * @param legacyMagic the 8 characters that started a log of this kind before records were bound
   *     to their generation, or null if there was none: such a file is read, and appended to in its
   *     own format until its next {@link #reset} or {@link #rewrite}
   * @param holds what the records are, for error messages (e.g. "acknowledged batches")
   * @param unsyncedAppends whether {@link #append(byte[], boolean)} is called without a sync: then
   *     a bad stretch followed by whole records is what a crash can leave of unsynced records, and
   *     {@link #recover} skips it instead of refusing the file
   */
  public RecordLog(
      Path path, String magic, String legacyMagic, String holds, boolean unsyncedAppends) {
    this.unsyncedAppends = unsyncedAppends;
    this.path = Objects.requireNonNull(path, "path");
    this.magic = name(magic);
    this.legacyMagic = legacyMagic == null ? null : name(legacyMagic);
    if (Arrays.equals(this.magic, this.legacyMagic)) {
      throw new IllegalArgumentException("the legacy name must differ from the name: " + magic);
    }
    this.holds = holds;
  }

  private static byte[] name(String magic) {
    byte[] bytes = magic.getBytes(StandardCharsets.US_ASCII);
    if (bytes.length != NAME_LENGTH) {
      throw new IllegalArgumentException("magic must be 8 ASCII characters: " + magic);
    }
    return bytes;
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
    return size > headerLength(legacy);
  }

  private static int headerLength(boolean legacy) {
    return legacy ? NAME_LENGTH : HEADER_LENGTH;
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

  /** Receives the records of a log one at a time, in order. */
  @FunctionalInterface
  public interface RecordVisitor {
    /**
     * @param body the record's body, whole and matching its digest
     * @param bodyOffset where the body starts in the file ({@link #bytesAt} reads parts of it
     *     again)
     */
    void accept(byte[] body, long bodyOffset) throws IOException;
  }

  /**
   * Reads the records a previous run left, in order, cutting off a torn last record. Call once,
   * before any append. Collects every record: for a log of bounded size; {@link
   * #recover(RecordVisitor)} holds one record at a time.
   *
   * @throws CorruptedDataException if the file is damaged anywhere but at its end
   */
  public List<byte[]> recover() throws IOException {
    List<byte[]> records = new ArrayList<>();
    recover((body, at) -> records.add(body));
    return records;
  }

  /**
   * Reads the records a previous run left, one at a time and in order, then cuts off a torn last
   * record: memory is bounded by the largest record, never by the file. The visitor may have seen
   * some records when damage further on is found and refused. Call once, before any append.
   *
   * @return how many records were read
   * @throws CorruptedDataException if the file is damaged anywhere but at its end
   */
  public long recover(RecordVisitor visitor) throws IOException {
    checkOpen();
    Scan scan = scan(visitor);
    if (scan == null) {
      return 0;
    }
    openChannel();
    if (scan.tornHeader || scan.records == 0) {
      // The header is synced before any record is written: if it did not survive, no record did
      // (a power cut can leave it short, zeros, or stale bytes). An empty log starts a new
      // generation too: an emptying whose new generation did not reach the disk left the old one,
      // and records of the old one may still sit in blocks the file can regrow into.
      writeHeader();
      return 0;
    }
    legacy = scan.legacy;
    generation = scan.generation;
    if (scan.end < scan.fileLength) {
      // Not synced: a torn tail that a later power cut brings back is dropped again, and the next
      // append's fdatasync makes the new length durable with its record.
      long end = scan.end;
      onChannel(() -> channel.truncate(end));
    }
    size = scan.end;
    return scan.records;
  }

  /**
   * Reads the records in the file as {@link #recover} would, one at a time, without changing the
   * file or opening it for writing: for a reader beside the live writer. A torn last record is left
   * out (its append has not returned, or never will); damage is refused as by {@code recover}.
   *
   * @return how many records were read
   * @throws CorruptedDataException if the file is damaged anywhere but at its end
   */
  public long readRecords(RecordVisitor visitor) throws IOException {
    Scan scan = scan(visitor);
    return scan == null || scan.tornHeader ? 0 : scan.records;
  }

  /** {@link #readRecords(RecordVisitor)}, collecting the records. */
  public List<byte[]> readRecords() throws IOException {
    List<byte[]> records = new ArrayList<>();
    readRecords((body, at) -> records.add(body));
    return records;
  }

  /**
   * Reads {@code length} bytes at {@code offset} of the file as it is now, never through a link: a
   * part of a record found by {@link #readRecords(RecordVisitor)}, read again when needed rather
   * than held. The caller checks that the file did not change in between.
   *
   * @throws java.io.EOFException if the file ends before
   */
  public byte[] bytesAt(long offset, int length) throws IOException {
    OwnFiles.refuseAlias(path, "the log of " + holds);
    try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ, NOFOLLOW_LINKS)) {
      byte[] bytes = new byte[length];
      readFully(in, ByteBuffer.wrap(bytes), offset);
      return bytes;
    }
  }

  /** Reads the file a record at a time; null if there is no file. */
  private Scan scan(RecordVisitor visitor) throws IOException {
    OwnFiles.refuseAlias(path, "the log of " + holds); // read what lnkv wrote, not a link
    FileChannel in;
    try {
      in = FileChannel.open(path, StandardOpenOption.READ, NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
    try (in) {
      Scan scan = new Scan(in, in.size());
      scan.run(visitor);
      return scan;
    }
  }

  /**
   * One pass over the file through a small window, so that memory is bounded by the largest record
   * read, never by the file: a log can be as long as a crashed writer or a hostile one left it.
   */
  private final class Scan {
    private static final int WINDOW = 64 << 10;
    // Records up to this are read and then checked; larger ones are checked while streaming first,
    // so that a damaged length field never allocates more than a window.
    private static final int READ_FIRST = 1 << 20;

    final FileChannel in;
    final long fileLength;
    final ByteBuffer window = ByteBuffer.allocate(WINDOW);
    final ByteBuffer scratch = ByteBuffer.allocate(WINDOW);
    long windowStart = -1;
    long end; // after the last whole record read
    long records;
    boolean tornHeader;
    boolean legacy;
    long generation;

    Scan(FileChannel in, long fileLength) {
      this.in = in;
      this.fileLength = fileLength;
    }

    void run(RecordVisitor visitor) throws IOException {
      byte[] head = new byte[(int) Math.min(fileLength, HEADER_LENGTH)];
      readFully(in, ByteBuffer.wrap(head), 0);
      byte[] name = Arrays.copyOf(head, Math.min(head.length, NAME_LENGTH));
      legacy = legacyMagic != null && Arrays.equals(name, legacyMagic);
      if (fileLength <= headerLength(legacy)) {
        // No record fits in so few bytes: a header whose sync a crash cut short, whatever its bytes
        // (a prefix, zeros, or stale bytes of an earlier file).
        tornHeader = true;
        end = 0;
        return;
      }
      if (!legacy && !Arrays.equals(name, magic)) {
        throw damaged("it does not start with " + new String(magic, StandardCharsets.US_ASCII), 0);
      }
      generation = legacy ? 0 : ByteBuffer.wrap(head).getLong(NAME_LENGTH);
      List<String> lost = new ArrayList<>();
      long pos = headerLength(legacy);
      while (pos < fileLength) {
        byte[] body = wholeBodyAt(pos);
        if (body == null && unsyncedAppends) {
          long next = nextWholeRecord(pos + 1);
          if (next < 0) {
            break; // nothing whole follows: a torn tail, whatever its bytes
          }
          lost.add("bytes " + pos + " to " + (next - 1));
          pos = next;
          continue;
        }
        if (body == null) {
          checkTornTail(pos);
          break; // the record a crash cut short; its append never returned
        }
        visitor.accept(body, pos + 4);
        records++;
        pos += 4 + body.length + DIGEST_LENGTH;
      }
      end = pos;
      lostStretches = List.copyOf(lost);
    }

    /** The 32-bit length field at {@code pos}, which must have 4 bytes of file after it. */
    private int intAt(long pos) throws IOException {
      if (windowStart < 0 || pos < windowStart || pos + 4 > windowStart + window.limit()) {
        window.clear();
        window.limit((int) Math.min(WINDOW, fileLength - pos));
        readFully(in, window, pos);
        windowStart = pos;
      }
      return window.getInt((int) (pos - windowStart));
    }

    /** Where a record with this length field at {@code pos} would end, or -1 if it cannot. */
    private long plausibleEnd(long pos) throws IOException {
      if (fileLength - pos < 4 + 1 + DIGEST_LENGTH) {
        return -1;
      }
      int bodyLength = intAt(pos);
      long recordEnd = pos + 4 + bodyLength + DIGEST_LENGTH;
      return bodyLength > 0 && recordEnd <= fileLength ? recordEnd : -1;
    }

    /** The body of the whole record at {@code pos}, or null if there is none there. */
    private byte[] wholeBodyAt(long pos) throws IOException {
      long recordEnd = plausibleEnd(pos);
      if (recordEnd < 0) {
        return null;
      }
      int bodyLength = intAt(pos);
      if (bodyLength > READ_FIRST && !isWholeAt(pos)) {
        return null;
      }
      ByteBuffer record = ByteBuffer.allocate(bodyLength + DIGEST_LENGTH);
      readFully(in, record, pos + 4);
      byte[] body = Arrays.copyOf(record.array(), bodyLength);
      byte[] digest = Arrays.copyOfRange(record.array(), bodyLength, bodyLength + DIGEST_LENGTH);
      return Arrays.equals(digest, digestOf(legacy, generation, pos, body)) ? body : null;
    }

    /** Whether a whole record is at {@code pos}, checked a window at a time. */
    private boolean isWholeAt(long pos) throws IOException {
      if (plausibleEnd(pos) < 0) {
        return false;
      }
      int bodyLength = intAt(pos);
      MessageDigest d = recordDigest(legacy, generation, pos);
      ByteBuffer chunk = scratch;
      for (long at = pos + 4, stop = at + bodyLength; at < stop; ) {
        chunk.clear();
        chunk.limit((int) Math.min(WINDOW, stop - at));
        readFully(in, chunk, at);
        d.update(chunk.array(), 0, chunk.limit());
        at += chunk.limit();
      }
      ByteBuffer digest = ByteBuffer.allocate(DIGEST_LENGTH);
      readFully(in, digest, pos + 4 + bodyLength);
      return Arrays.equals(d.digest(), digest.array());
    }

    /**
     * Where the next whole record at or after {@code from} starts, or -1 if none does. Cheap on
     * what a lost page leaves: a zero or impossible length is passed over without hashing anything.
     */
    private long nextWholeRecord(long from) throws IOException {
      for (long q = from; q + 4 + 1 + DIGEST_LENGTH <= fileLength; q++) {
        if (plausibleEnd(q) > 0 && isWholeAt(q)) {
          return q;
        }
      }
      return -1;
    }

    /**
     * Refuses a bad record at {@code pos} if a whole record follows it: every append is synced
     * before the next one starts, so the record after it was acknowledged, and so was this one. A
     * bad tail with nothing whole after it is what a crash leaves of the last append, whatever its
     * bytes: a prefix of it, zeros where the size got out before the data, or stale blocks of
     * earlier content (which the digest's generation and offset keep from ever reading as whole).
     * Cheap: the digest is computed where this record's length says the next one starts, and where
     * a length field points exactly at the end of the file.
     */
    private void checkTornTail(long pos) throws IOException {
      if (fileLength - pos < 4) {
        return;
      }
      int bodyLength = intAt(pos);
      long recordEnd = pos + 4 + (long) bodyLength + DIGEST_LENGTH;
      if (bodyLength > 0 && recordEnd < fileLength && isWholeAt(recordEnd)) {
        throw damaged("the record at byte " + pos + " fails its digest and more follow", pos);
      }
      if (aWholeRecordEndsTheFile(pos + 1)) {
        throw damaged(
            "the record at byte "
                + pos
                + (bodyLength <= 0
                    ? " has an impossible length " + bodyLength
                    : recordEnd > fileLength
                        ? " claims " + bodyLength + " bytes, past the end of the file"
                        : " fails its digest")
                + ", and whole records follow it",
            pos);
      }
    }

    /**
     * Whether a whole record starting at or after {@code from} ends exactly at the end of the file:
     * what a damaged length in a middle record leaves (the records after it are whole), and what a
     * torn last record never does (nothing whole follows its start). Cheap: the digest is computed
     * only where the length field points exactly at the end of the file.
     */
    private boolean aWholeRecordEndsTheFile(long from) throws IOException {
      for (long q = from; q + 4 + 1 + DIGEST_LENGTH <= fileLength; q++) {
        if (plausibleEnd(q) == fileLength && isWholeAt(q)) {
          return true;
        }
      }
      return false;
    }
  }

  /** Fills {@code into} from {@code at}; a file that ends first is an EOFException. */
  private static void readFully(FileChannel in, ByteBuffer into, long at) throws IOException {
    long pos = at;
    while (into.hasRemaining()) {
      int n = in.read(into, pos);
      if (n < 0) {
        throw new java.io.EOFException("the file ended at byte " + pos + " while reading it");
      }
      pos += n;
    }
    into.flip();
  }

  private CorruptedDataException damaged(String what, long at) {
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
    if (headerDirty) {
      syncHeader();
    }
    long before = size;
    byte[] record =
        ByteBuffer.allocate(4 + body.length + DIGEST_LENGTH)
            .putInt(body.length)
            .put(body)
            .put(digestOf(legacy, generation, before, body))
            .array();
    try {
      onChannel(
          () -> {
            write(record, before);
            if (sync) {
              channel.force(false);
            }
          });
      size = before + record.length;
    } catch (IOException | RuntimeException e) {
      try {
        // Synced: after a failed fsync the record may have reached the disk anyway, whole, and
        // only a durable truncation keeps a batch reported failed from being replayed. The
        // power-cut harness cannot show this: its failed fsyncs drop the writes, the kind case.
        onChannel(
            () -> {
              channel.truncate(before);
              channel.force(false);
            });
      } catch (IOException | RuntimeException undo) {
        broken = true;
        e.addSuppressed(undo);
      }
      // A failed fsync drops every unsynced page of the file, the header a reset rewrote included;
      // later fsyncs would not bring it back, and records of the new generation behind the old
      // header would never read as whole.
      headerDirty = true;
      throw e;
    }
  }

  /**
   * Drops every record, durably, and starts a new generation: a record of the old one that the disk
   * shows again later (in blocks the truncation freed) is never read as whole.
   */
  public void reset() throws IOException {
    checkOpen();
    if (channel != null && hasRecords()) {
      int oldHeader = headerLength(legacy);
      onChannel(
          () -> {
            channel.truncate(oldHeader);
            channel.force(false);
          });
      // The records are gone, durably. The new header overwrites the old one in place, within one
      // sector, and is not synced here: the next synced append makes it durable with its record.
      // Until then a crash leaves the old header (an empty log, which recover() gives a new
      // generation) or the new one. If writing it fails, the next append writes it again.
      legacy = false;
      generation = GENERATIONS.nextLong();
      size = HEADER_LENGTH;
      headerDirty = true;
      onChannel(() -> write(header(generation), 0));
      headerDirty = false;
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
    legacy = false;
    generation = fresh.generation;
  }

  /** Closes the file, deleting it when it holds no record. */
  @Override
  public void close() throws IOException {
    close(true);
  }

  /**
   * Closes the file and keeps it even when it holds no record: for a log whose existence something
   * on the disk still relies on (a marker whose removal could not be made durable).
   */
  public void closeKeepingTheFile() throws IOException {
    close(false);
  }

  private void close(boolean deleteIfEmpty) throws IOException {
    closed = true;
    if (channel == null) {
      return;
    }
    channel.close();
    channel = null;
    if (deleteIfEmpty && !hasRecords() && !broken) {
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
      try {
        DurableDirectories.fsync(path.getParent());
      } catch (IOException e) {
        // A failed fsync may have dropped the new name for good (later fsyncs of the folder
        // succeed without it): records synced into a file no folder durably names are lost. Take
        // the file away again, so that the next attempt creates and syncs it anew.
        FileChannel opened = channel;
        channel = null;
        try {
          opened.close();
          Files.deleteIfExists(path);
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
        throw e;
      }
    }
  }

  private void writeHeader() throws IOException {
    legacy = false;
    generation = GENERATIONS.nextLong();
    size = HEADER_LENGTH;
    headerDirty = true; // until synced: if anything below fails, the next append writes it again
    onChannel(
        () -> {
          channel.truncate(0);
          write(header(generation), 0);
        });
    // Synced before any record is written, so that a file whose header did not survive holds no
    // record (recover reads it as an empty log): a disk writing blocks out of order could otherwise
    // keep a record and lose the header. If this fails, the next append tries again.
    syncHeader();
  }

  /** Writes the header in place again and syncs it; records after it are left as they are. */
  private void syncHeader() throws IOException {
    onChannel(
        () -> {
          write(legacy ? legacyMagic : header(generation), 0);
          channel.force(false);
        });
    headerDirty = false;
  }

  /**
   * Runs file I/O on the log's channel to its end whatever interrupts the thread receives ({@link
   * Uninterruptible}): an interrupt closes a FileChannel, and a log whose channel is closed can
   * neither append nor undo. The channel is opened again before each attempt.
   */
  private void onChannel(Uninterruptible.Action action) throws IOException {
    Uninterruptible.run(
        () -> {
          if (!channel.isOpen()) {
            channel = OwnFiles.openForWriting(path, "the log of " + holds, StandardOpenOption.READ);
          }
          action.run();
        });
  }

  private byte[] header(long generation) {
    return ByteBuffer.allocate(HEADER_LENGTH).put(magic).putLong(generation).array();
  }

  private void write(byte[] bytes, long at) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining()) {
      channel.write(buffer, at + buffer.position());
    }
  }

  /** The digest of a record: over the body alone in the legacy format. */
  private static byte[] digestOf(boolean legacy, long generation, long offset, byte[] body) {
    MessageDigest d = recordDigest(legacy, generation, offset);
    d.update(body);
    return d.digest();
  }

  /** A digest primed with what binds a record to its log and place. */
  private static MessageDigest recordDigest(boolean legacy, long generation, long offset) {
    MessageDigest d = sha256();
    if (!legacy) {
      d.update(ByteBuffer.allocate(16).putLong(generation).putLong(offset).array());
    }
    return d;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
