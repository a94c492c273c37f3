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
}
