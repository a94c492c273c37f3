package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's SQLite storage holds every user's data: its folder and files are owner-only. */
class VssStoragePermissionsTest {
  @TempDir Path tmp;

  @Test
  void sqliteStorage_createsItsFolderAndFilesOwnerOnly() throws Exception {
    Path folder = tmp.resolve("vss-data");
    Path file = folder.resolve("vss.sqlite");
    VssStorage storage = VssStorage.sqlite(file);
    try {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)))
          .isEqualTo("rwx------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
      Path wal = folder.resolve("vss.sqlite-wal");
      if (Files.exists(wal)) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(wal)))
            .isEqualTo("rw-------");
      }
    } finally {
      storage.close();
    }
  }
}
