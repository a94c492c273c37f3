package io.lnkv.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.CorruptedDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordLogTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("test.log");
  }

  private RecordLog open() {
    return new RecordLog(file(), "TESTLOG1", "test records");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private List<byte[]> recovered() throws IOException {
    RecordLog log = open();
    try {
      return log.recover();
    } finally {
      log.close();
    }
  }

  /** Three records "one", "two", "three"; returns the byte offset of each. */
  private int[] threeRecords() throws IOException {
    RecordLog log = open();
    log.recover();
    int[] at = new int[3];
    String[] bodies = {"one", "two", "three"};
    for (int i = 0; i < 3; i++) {
      at[i] = (int) log.size();
      log.append(bytes(bodies[i]));
    }
    log.close();
    return at;
  }

  @Test
  void append_afterClose_failsAndKeepsTheRecords() throws IOException {
    RecordLog log = open();
    log.recover();
    log.append(bytes("pending"));
    log.close();

    assertThatThrownBy(() -> log.append(bytes("late")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(log::reset).isInstanceOf(IOException.class);

    assertThat(recovered()).containsExactly(bytes("pending"));
  }

  @Test
  void append_toAFileNotRecovered_isRefused() throws IOException {
    threeRecords();
    RecordLog log = open();
    assertThatThrownBy(() -> log.append(bytes("x")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not recovered");
    assertThat(recovered()).hasSize(3);
  }

  @Test
  void badLengthInAMiddleRecord_isRefusedWithFileAndOffset() throws IOException {
    int[] at = threeRecords();
    byte[] raw = Files.readAllBytes(file());
    ByteBuffer.wrap(raw).putInt(at[1], 1 << 30); // claims far past the end of the file
    Files.write(file(), raw);

    assertThatThrownBy(this::recovered)
        .isInstanceOf(CorruptedDataException.class)
        .hasMessageContaining(file().toString())
        .hasMessageContaining("at byte " + at[1]);
    assertThat(Files.readAllBytes(file())).isEqualTo(raw); // nothing cut
  }

  @Test
  void zeroOrNegativeLengthInAMiddleRecord_isRefused() throws IOException {
    for (int length : new int[] {0, -5}) {
      int[] at = threeRecords();
      byte[] raw = Files.readAllBytes(file());
      ByteBuffer.wrap(raw).putInt(at[1], length);
      Files.write(file(), raw);
      assertThatThrownBy(this::recovered)
          .isInstanceOf(CorruptedDataException.class)
          .hasMessageContaining("at byte " + at[1]);
      Files.delete(file());
    }
  }

  @Test
  void tornLastRecord_isDropped() throws IOException {
    int[] at = threeRecords();
    byte[] raw = Files.readAllBytes(file());
    Files.write(file(), Arrays.copyOf(raw, at[2] + 6)); // the header and part of the body

    assertThat(recovered()).containsExactly(bytes("one"), bytes("two"));
    assertThat(Files.size(file())).isEqualTo(at[2]);
  }

  @Test
  void lastRecordWithZerosWhereItsDataShouldBe_isDropped() throws IOException {
    int[] at = threeRecords();
    byte[] raw = Files.readAllBytes(file());
    Arrays.fill(raw, at[2], raw.length, (byte) 0); // the size got out, the data did not
    Files.write(file(), raw);

    assertThat(recovered()).containsExactly(bytes("one"), bytes("two"));
  }

  @Test
  void headerLostToAPowerCut_isAnEmptyLog() throws IOException {
    Files.write(file(), new byte[8]);

    assertThat(recovered()).isEmpty();
    RecordLog log = open();
    log.recover();
    log.append(bytes("after"));
    log.close();
    assertThat(recovered()).containsExactly(bytes("after"));
  }

  @Test
  void tornLastRecord_whoseBodyIsFullOfSmallNumbers_isDropped() throws IOException {
    // Found by the SIGKILL crash harness: a search that gave up after hashing a budget of bytes
    // took such a torn tail (plausible record lengths everywhere) for damage and refused to open.
    RecordLog log = open();
    log.recover();
    log.append(bytes("one"));
    long at = log.size();
    byte[] body = new byte[200_000];
    for (int i = 0; i < body.length; i += 4) {
      body[i + 2] = 1; // 0x00000100: 256, a plausible length at every fourth byte
    }
    log.append(body);
    log.close();
    byte[] raw = Files.readAllBytes(file());
    Files.write(file(), Arrays.copyOf(raw, (int) at + 150_000));

    assertThat(recovered()).containsExactly(bytes("one"));
  }

  private static byte[] legacyRecord(String body) throws Exception {
    byte[] b = bytes(body);
    byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(b);
    return ByteBuffer.allocate(4 + b.length + 32).putInt(b.length).put(b).put(digest).array();
  }

  private static byte[] concat(byte[]... parts) {
    var out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void recordsOfAnEarlierGeneration_inBlocksTheLogRegrewInto_areNotReplayed() throws IOException {
    // A checkpoint empties the log; a file system may show the freed blocks again where the file
    // regrows before a crash. Records whose digest covered the body alone read as whole there, and
    // an old batch was replayed over newer acknowledged values.
    int[] at = threeRecords();
    byte[] before = Files.readAllBytes(file());
    RecordLog log = open();
    log.recover();
    log.reset();
    log.append(bytes("uno")); // as long as "one": the stale records sit where they were
    log.close();
    byte[] now = Files.readAllBytes(file());
    assertThat(now.length).isEqualTo(at[1]);
    Files.write(file(), concat(now, Arrays.copyOfRange(before, at[1], before.length)));

    assertThat(recovered()).containsExactly(bytes("uno"));
  }

  @Test
  void aStaleRecordOfAnotherPlace_isNotWholeHere() throws IOException {
    int[] at = threeRecords();
    byte[] before = Files.readAllBytes(file());
    RecordLog log = open();
    log.recover();
    log.reset();
    log.append(bytes("a longer record"));
    log.close();
    byte[] now = Files.readAllBytes(file());
    // the old "two" lands right after the new record: a stale block, not this log's append
    Files.write(file(), concat(now, Arrays.copyOfRange(before, at[1], at[2])));

    assertThat(recovered()).containsExactly(bytes("a longer record"));
  }

  @Test
  void aTailOfStaleBytes_thatLookLikeARecordEndingInsideTheFile_isATornTail() throws IOException {
    // A crash during an append may leave the size on disk and stale bytes where the record's data
    // should be. Refusing it as damage would keep the node from starting; nothing whole follows.
    int[] at = threeRecords();
    byte[] raw = Files.readAllBytes(file());
    byte[] stale = new byte[300];
    new java.util.Random(7).nextBytes(stale);
    ByteBuffer.wrap(stale).putInt(0, 40); // a plausible length that ends inside the tail
    Files.write(file(), concat(raw, stale));

    assertThat(recovered()).containsExactly(bytes("one"), bytes("two"), bytes("three"));
    assertThat(Files.size(file())).isEqualTo(raw.length);
    assertThat(at[2]).isPositive();
  }

  @Test
  void aBadRecordFollowedByAWholeOne_isStillDamage() throws IOException {
    int[] at = threeRecords();
    byte[] raw = Files.readAllBytes(file());
    raw[at[1] + 5] ^= 1; // a bit of "two"'s body
    Files.write(file(), raw);

    assertThatThrownBy(this::recovered)
        .isInstanceOf(CorruptedDataException.class)
        .hasMessageContaining("at byte " + at[1]);
  }

  @Test
  void aLogInTheFormatBeforeGenerations_isReadAppendedTo_andUpgradedByItsNextReset()
      throws Exception {
    Files.write(
        file(), concat(bytes("TESTLOG0"), legacyRecord("old one"), legacyRecord("old two")));
    RecordLog log = new RecordLog(file(), "TESTLOG1", "TESTLOG0", "test records", false);
    assertThat(log.recover()).containsExactly(bytes("old one"), bytes("old two"));
    log.append(bytes("appended"));
    log.close();
    RecordLog again = new RecordLog(file(), "TESTLOG1", "TESTLOG0", "test records", false);
    assertThat(again.recover())
        .containsExactly(bytes("old one"), bytes("old two"), bytes("appended"));
    again.reset();
    again.append(bytes("new"));
    again.close();

    assertThat(new String(Files.readAllBytes(file()), 0, 8, StandardCharsets.US_ASCII))
        .isEqualTo("TESTLOG1");
    RecordLog upgraded = new RecordLog(file(), "TESTLOG1", "TESTLOG0", "test records", false);
    assertThat(upgraded.recover()).containsExactly(bytes("new"));
    upgraded.close();
  }

  @Test
  void aLogWithUnsyncedAppends_skipsALostStretch_butNotIntoAStaleRecord() throws IOException {
    // The retry journal: an old "clear" record in a regrown tail must not clear a pending key.
    RecordLog log = new RecordLog(file(), "TESTLOG1", "test records", true);
    log.recover();
    log.append(bytes("pending k"));
    log.append(bytes("clear k"));
    log.close();
    byte[] before = Files.readAllBytes(file());
    RecordLog again = new RecordLog(file(), "TESTLOG1", "test records", true);
    again.recover();
    again.reset();
    again.append(bytes("pending k")); // as long as before: the stale clear sits after it
    again.close();
    byte[] now = Files.readAllBytes(file());
    Files.write(file(), concat(now, Arrays.copyOfRange(before, now.length, before.length)));

    RecordLog reader = new RecordLog(file(), "TESTLOG1", "test records", true);
    assertThat(reader.recover()).containsExactly(bytes("pending k"));
    assertThat(reader.lostStretches()).isEmpty();
    reader.close();
  }

  @Test
  void aHeaderOfStaleBytes_inAFileTooShortForARecord_isAnEmptyLog() throws IOException {
    Files.write(file(), bytes("garbage!garbage!")); // as long as a header: no record fits

    assertThat(recovered()).isEmpty();
  }

  @Test
  void anInterruptedThread_appendsAndResets_andTheLogStaysUsable() throws IOException {
    // An interrupt closes a FileChannel: the append failed, its undo failed on the closed channel,
    // and the log refused every later append until a restart.
    RecordLog log = open();
    log.recover();
    Thread.currentThread().interrupt();
    try {
      log.append(bytes("interrupted"));
      assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept").isTrue();
      log.reset();
      log.append(bytes("after the reset"));
    } finally {
      Thread.interrupted();
    }
    log.append(bytes("later"));
    assertThat(log.broken()).isFalse();
    log.close();

    assertThat(recovered()).containsExactly(bytes("after the reset"), bytes("later"));
  }
}
