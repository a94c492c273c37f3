package io.lnkv.testkit.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.testkit.disk.SimulatedDisk.Operation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimulatedDiskTest {
  private final SimulatedDisk disk = SimulatedDisk.create();

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void fsync(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static void writeSynced(Path p, byte[] value) throws IOException {
    try (FileChannel ch =
        FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(value), 0);
      ch.force(true);
    }
  }

  @Test
  void syncedFile_inUnsyncedDirectory_isGoneAfterCut() throws IOException {
    writeSynced(disk.path("/a"), bytes("hello"));

    SimulatedDisk after = disk.cutPower();

    assertThat(Files.exists(after.path("/a"))).isFalse();
  }

  @Test
  void syncedFile_andDirectory_survive() throws IOException {
    writeSynced(disk.path("/a"), bytes("hello"));
    fsync(disk.path("/"));

    SimulatedDisk after = disk.cutPower();

    assertThat(Files.readAllBytes(after.path("/a"))).isEqualTo(bytes("hello"));
  }

  @Test
  void nameSynced_dataNot_isAnEmptyFile() throws IOException {
    Files.write(disk.path("/a"), bytes("hello"));
    fsync(disk.path("/"));

    SimulatedDisk after = disk.cutPower();

    assertThat(Files.readAllBytes(after.path("/a"))).isEmpty();
  }

  @Test
  void unsyncedRename_leavesTheOldName() throws IOException {
    writeSynced(disk.path("/a.tmp"), bytes("new"));
    fsync(disk.path("/"));
    Files.move(disk.path("/a.tmp"), disk.path("/a"), StandardCopyOption.ATOMIC_MOVE);

    SimulatedDisk after = disk.cutPower();

    assertThat(Files.exists(after.path("/a"))).isFalse();
    assertThat(Files.readAllBytes(after.path("/a.tmp"))).isEqualTo(bytes("new"));
  }

  @Test
  void newDirectory_needsItsParentSynced() throws IOException {
    Files.createDirectory(disk.path("/d"));
    writeSynced(disk.path("/d/a"), bytes("x"));
    fsync(disk.path("/d"));

    assertThat(Files.exists(disk.cutPower().path("/d"))).isFalse();
  }

  @Test
  void fdatasync_leavesTheMtimeBehind() throws IOException {
    Path a = disk.path("/a");
    writeSynced(a, bytes("x"));
    fsync(disk.path("/"));
    Files.setLastModifiedTime(a, java.nio.file.attribute.FileTime.fromMillis(123_000));
    try (FileChannel ch = FileChannel.open(a, StandardOpenOption.WRITE)) {
      ch.force(false);
    }

    assertThat(Files.getLastModifiedTime(disk.cutPower().path("/a")).toMillis())
        .isNotEqualTo(123_000);
  }

  @Test
  void randomImages_keepAPrefixOfUnsyncedWrites_tornAtSectors() throws IOException {
    Path log = disk.path("/log");
    byte[] synced = new byte[100];
    Arrays.fill(synced, (byte) 1);
    writeSynced(log, synced);
    fsync(disk.path("/"));
    byte[] append = new byte[2000];
    Arrays.fill(append, (byte) 2);
    try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(append), 100);
    }

    Set<Integer> sizes = new HashSet<>();
    for (long seed = 0; seed < 200; seed++) {
      SimulatedDisk source = SimulatedDisk.create();
      Path p = source.path("/log");
      writeSynced(p, synced);
      fsync(source.path("/"));
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(append), 100);
      }
      byte[] image = Files.readAllBytes(source.cutPower(seed).path("/log"));
      assertThat(Arrays.copyOf(image, 100)).isEqualTo(synced);
      int kept = image.length - 100;
      assertThat(kept == 2000 || image.length % SimulatedDisk.SECTOR == 0 || kept == 0)
          .as("an append of 2000 bytes at 100 cut at a sector boundary, kept %d", kept)
          .isTrue();
      for (int i = 100; i < image.length; i++) {
        assertThat(image[i]).isIn((byte) 2, (byte) 0);
      }
      sizes.add(image.length);
    }
    assertThat(sizes).contains(100, 2100).hasSizeGreaterThan(3);
  }

  @Test
  void sameSeed_sameImage() throws IOException {
    for (int i = 0; i < 20; i++) {
      Files.write(disk.path("/f" + i), bytes("value " + i));
    }
    Files.move(disk.path("/f1"), disk.path("/g1"));
    SimulatedDisk a = disk.cutPower(7);
    SimulatedDisk b = disk.cutPower(7);
    for (String name : new String[] {"/f0", "/f1", "/g1", "/f7", "/f19"}) {
      assertThat(Files.exists(a.path(name))).isEqualTo(Files.exists(b.path(name)));
      if (Files.exists(a.path(name))) {
        assertThat(Files.readAllBytes(a.path(name))).isEqualTo(Files.readAllBytes(b.path(name)));
      }
    }
  }

  @Test
  void failedFsync_dropsTheData_evenIfARetrySucceeds() throws IOException {
    Path a = disk.path("/a");
    writeSynced(a, bytes("old"));
    fsync(disk.path("/"));
    int[] fsyncs = {0};
    disk.injectFault(
        (op, path, index) ->
            op == Operation.FSYNC && fsyncs[0]++ == 0
                ? new IOException("Input/output error")
                : null);
    try (FileChannel ch = FileChannel.open(a, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes("new")), 0);
      assertThatThrownBy(() -> ch.force(true)).hasMessageContaining("Input/output");
      ch.force(true); // fsyncgate: succeeds, but the pages were dropped
    }
    assertThat(Files.readAllBytes(a)).isEqualTo(bytes("new"));

    assertThat(Files.readAllBytes(disk.cutPower().path("/a"))).isEqualTo(bytes("old"));
  }

  @Test
  void cutPowerAfter_failsEveryLaterOperation() throws IOException {
    disk.cutPowerAfter(2);
    Files.createDirectory(disk.path("/d")); // 1
    Files.createDirectory(disk.path("/e")); // 2
    assertThatThrownBy(() -> Files.createDirectory(disk.path("/f")))
        .hasMessageContaining("power cut");
    assertThat(disk.poweredOff()).isTrue();
    assertThatThrownBy(() -> Files.readAllBytes(disk.path("/d"))).isInstanceOf(IOException.class);
  }

  @Test
  void capacity_refusesWritesPastIt() throws IOException {
    disk.capacity(1000);
    Files.write(disk.path("/a"), new byte[900]);
    assertThat(Files.getFileStore(disk.path("/")).getUsableSpace()).isEqualTo(100);
    assertThatThrownBy(() -> Files.write(disk.path("/b"), new byte[200]))
        .hasMessageContaining("No space left on device");
  }

  @Test
  void secondChannel_cannotLockAHeldFile() throws IOException {
    Path lock = disk.path("/lock");
    try (FileChannel a =
            FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileChannel b = FileChannel.open(lock, StandardOpenOption.WRITE)) {
      assertThat(a.tryLock()).isNotNull();
      assertThat(b.tryLock()).isNull();
    }
    try (FileChannel c = FileChannel.open(lock, StandardOpenOption.WRITE)) {
      assertThat(c.tryLock()).isNotNull();
    }
  }

  @Test
  void filesystemStoreV2_runsOnTheDisk_andClosedStoreSurvivesACut() {
    Path folder = disk.path("/node/store");
    try (FilesystemStoreV2 store = FilesystemStoreV2.open(folder)) {
      store.write("monitors", "", "m1", bytes("one"));
      store.write("", "", "manager", bytes("two"));
    }
    SimulatedDisk after = disk.cutPower();
    try (FilesystemStoreV2 store = FilesystemStoreV2.open(after.path("/node/store"))) {
      assertThat(store.read("monitors", "", "m1")).isEqualTo(bytes("one"));
      assertThat(store.read("", "", "manager")).isEqualTo(bytes("two"));
    }
  }

  /** A file of 4 synced pages of 'o', truncated durably to 16 bytes, then regrown unsynced. */
  private static SimulatedDisk regrownFile() throws IOException {
    SimulatedDisk d = SimulatedDisk.create();
    Path p = d.path("/f");
    byte[] old = new byte[4 * SimulatedDisk.PAGE];
    Arrays.fill(old, (byte) 'o');
    writeSynced(p, old);
    fsync(d.path("/"));
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
      ch.truncate(16);
      ch.force(false); // the old bytes are freed, durably
      byte[] fresh = new byte[2 * SimulatedDisk.PAGE];
      Arrays.fill(fresh, (byte) 'n');
      ch.write(ByteBuffer.wrap(fresh), 16);
    }
    return d;
  }

  @Test
  void reorderedImages_keepALaterSectorWithoutAnEarlierOne_andShowStaleBytesWhereTheFileRegrew()
      throws IOException {
    boolean laterWithoutEarlier = false;
    boolean staleShown = false;
    boolean zerosShown = false;
    for (long seed = 0; seed < 200; seed++) {
      byte[] image = Files.readAllBytes(regrownFile().cutPowerReordered(seed).path("/f"));
      assertThat(image.length).isIn(16, 16 + 2 * SimulatedDisk.PAGE);
      if (image.length > 16) {
        laterWithoutEarlier |= image[16] != 'n' && image[image.length - 1] == 'n';
        staleShown |= image[16] == 'o';
        zerosShown |= image[16] == 0;
      }
    }
    assertThat(laterWithoutEarlier).isTrue();
    assertThat(staleShown).isTrue();
    assertThat(zerosShown).isTrue();
  }

  @Test
  void aFailedDirectoryFsync_turnsTheFileSystemReadOnly_unlessToldToGoOn() throws IOException {
    for (boolean abort : new boolean[] {true, false}) {
      SimulatedDisk d = SimulatedDisk.create();
      d.abortOnFailedDirectorySync(abort);
      writeSynced(d.path("/a"), bytes("a"));
      d.injectFault(
          (op, path, index) ->
              op == Operation.FSYNC && path.equals(d.path("/")) ? new IOException("EIO") : null);
      assertThatThrownBy(() -> fsync(d.path("/"))).hasMessage("EIO");
      d.injectFault(null);
      if (abort) {
        assertThatThrownBy(() -> writeSynced(d.path("/b"), bytes("b")))
            .hasMessageContaining("Read-only file system");
        assertThat(Files.readAllBytes(d.path("/a"))).isEqualTo(bytes("a")); // reads go on
      } else {
        writeSynced(d.path("/b"), bytes("b"));
        fsync(d.path("/"));
        // the name of /a, dropped by the failed fsync, never becomes durable
        assertThat(Files.exists(d.cutPower().path("/a"))).isFalse();
      }
    }
  }
}
