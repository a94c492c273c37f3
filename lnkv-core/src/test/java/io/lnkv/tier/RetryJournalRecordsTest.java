package io.lnkv.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.CorruptedDataException;
import io.lnkv.ScopedKey;
import io.lnkv.internal.RecordLog;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retry journal's records are read back as hostile input: a crafted record with a valid digest
 * is refused with the file, the record and what to do, never with a bare EOFException, an exhausted
 * heap or an invalid key taken in.
 */
class RetryJournalRecordsTest {
  @TempDir Path tmp;

  private PendingBackups recoverFrom(byte[] body) throws IOException {
    Path file = tmp.resolve("retry.journal");
    RecordLog log = new RecordLog(file, "LNKVRTJ2", "test");
    log.recover();
    log.append(body);
    log.close();
    PendingBackups pending = new PendingBackups(new RecordLog(file, "LNKVRTJ2", "test"));
    pending.recover();
    return pending;
  }

  private static byte[] entry(int count, char tag, String p, String s, String k, int cutTo)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(count);
      out.writeByte(tag);
      out.writeUTF(p);
      out.writeUTF(s);
      out.writeUTF(k);
    }
    byte[] all = bytes.toByteArray();
    return cutTo < 0 ? all : java.util.Arrays.copyOf(all, cutTo);
  }

  @Test
  void aWellFormedRecord_isRead() throws IOException {
    PendingBackups pending = recoverFrom(entry(1, 'M', "monitors", "", "m", -1));
    assertThat(pending.snapshot()).containsExactly(ScopedKey.of("monitors", "", "m"));
  }

  @Test
  void craftedRecords_areRefusedWithTheFileAndTheReason() throws IOException {
    List<byte[]> bodies =
        List.of(
            ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).array(),
            entry(1, 'M', "..", "", "escaped", -1),
            entry(1, 'M', "monitors", "", "m", 9),
            entry(1, 'X', "monitors", "", "m", -1));
    List<String> reasons =
        List.of("claims 2147483647 items", "invalid key", "ends inside", "unknown tag");
    for (int i = 0; i < bodies.size(); i++) {
      byte[] body = bodies.get(i);
      assertThatThrownBy(() -> recoverFrom(body))
          .isInstanceOf(CorruptedDataException.class)
          .hasMessageContaining(tmp.resolve("retry.journal").toString())
          .hasMessageContaining(reasons.get(i))
          .hasMessageContaining("Keep a copy");
      java.nio.file.Files.delete(tmp.resolve("retry.journal"));
    }
  }
}
