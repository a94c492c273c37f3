package io.lnkv.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Folders laid out by hand exactly as LDK's FilesystemStore (v1) and FilesystemStoreV2 write them
 * (reference §2.3 and §3), read back through lnkv's stores. The files are made here with plain file
 * calls, never by the store.
 */
class LdkLayoutFixtureTest {
  private static final String MONITOR =
      "4f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8_1";
  private static final String CHANNEL_ID =
      "aa1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";

  @TempDir Path tmp;

  private static void file(Path path, String content, long mtimeMillis) throws IOException {
    Files.createDirectories(path.getParent());
    Files.writeString(path, content, StandardCharsets.UTF_8);
    Files.setLastModifiedTime(path, FileTime.fromMillis(mtimeMillis));
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void v1Folder_writtenAsLdkDoes_readsBack() throws IOException {
    Path root = tmp.resolve("ldk_v1");
    file(root.resolve("manager"), "channel manager", 1000);
    file(root.resolve("network_graph"), "graph", 1001);
    file(root.resolve("monitors").resolve(MONITOR), "monitor", 1002);
    file(root.resolve("monitors").resolve(CHANNEL_ID), "monitor v2 channel", 1003);
    file(root.resolve("monitor_updates").resolve(MONITOR).resolve("1"), "update 1", 1004);
    file(root.resolve("monitor_updates").resolve(MONITOR).resolve("2"), "update 2", 1005);
    file(root.resolve("archived_monitors").resolve("old_0"), "archived", 1006);
    // an artifact of an LDK write interrupted by a crash; opening cleans it up
    file(root.resolve("monitors").resolve(MONITOR + ".7.tmp"), "partial", 1007);

    try (FilesystemStore store = FilesystemStore.open(root)) {
      assertThat(text(store.read("", "", "manager"))).isEqualTo("channel manager");
      assertThat(text(store.read("monitors", "", MONITOR))).isEqualTo("monitor");
      assertThat(text(store.read("monitor_updates", MONITOR, "2"))).isEqualTo("update 2");
      assertThat(store.list("", "")).containsExactlyInAnyOrder("manager", "network_graph");
      assertThat(store.list("monitors", "")).containsExactlyInAnyOrder(MONITOR, CHANNEL_ID);
      assertThat(store.list("monitor_updates", "")).isEmpty(); // only sub-namespaces there
      assertThat(store.list("monitor_updates", MONITOR)).containsExactlyInAnyOrder("1", "2");
      assertThat(store.listAllKeys())
          .containsExactlyInAnyOrder(
              ScopedKey.of("", "", "manager"),
              ScopedKey.of("", "", "network_graph"),
              ScopedKey.of("monitors", "", MONITOR),
              ScopedKey.of("monitors", "", CHANNEL_ID),
              ScopedKey.of("monitor_updates", MONITOR, "1"),
              ScopedKey.of("monitor_updates", MONITOR, "2"),
              ScopedKey.of("archived_monitors", "", "old_0"));
      assertThat(store.listPaginated("monitors", "", null).keys())
          .containsExactly(CHANNEL_ID, MONITOR); // by mtime, newest first

      // lnkv writes exactly where LDK does
      store.write("monitor_updates", MONITOR, "3", "update 3".getBytes(StandardCharsets.UTF_8));
      assertThat(root.resolve("monitor_updates").resolve(MONITOR).resolve("3"))
          .hasContent("update 3");
    }
    assertThat(root.resolve("monitors").resolve(MONITOR + ".7.tmp")).doesNotExist();
    try (var entries = Files.list(root)) {
      assertThat(entries.map(p -> p.getFileName().toString()))
          .as("nothing of lnkv's inside the folder")
          .containsExactlyInAnyOrder(
              "manager", "network_graph", "monitors", "monitor_updates", "archived_monitors");
    }
  }

  @Test
  void v1Folder_listingSkipsArtifactsAppearingLater() throws IOException {
    Path root = tmp.resolve("v1");
    try (FilesystemStore store = FilesystemStore.open(root)) {
      store.write("", "", "manager", new byte[] {1});
      file(root.resolve("manager.3.tmp"), "x", 5);
      file(root.resolve("manager.4.trash"), "x", 5);
      assertThat(store.list("", "")).containsExactly("manager");
      assertThat(store.listAllKeys()).containsExactly(ScopedKey.of("", "", "manager"));
    }
  }

  @Test
  void v2Folder_writtenAsLdkDoes_readsBack_andPagesInLdksOrderAndTokenFormat() throws IOException {
    Path root = tmp.resolve("ldk_v2");
    file(root.resolve("[empty]").resolve("[empty]").resolve("manager"), "manager", 5000);
    file(root.resolve("monitors").resolve("[empty]").resolve(MONITOR), "monitor", 5001);
    file(root.resolve("monitor_updates").resolve(MONITOR).resolve("1"), "u1", 5002);
    long base = 1_724_212_345_000L;
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      // pairs of keys share an mtime, so the key (descending) breaks the tie, as in LDK
      String key = String.format("%064x", i);
      file(root.resolve("payments").resolve("[empty]").resolve(key), "p" + i, base + i / 2);
    }
    for (int i = 59; i >= 0; i--) {
      expected.add(String.format("%064x", i));
    }

    try (FilesystemStoreV2 store = FilesystemStoreV2.open(root)) {
      assertThat(text(store.read("", "", "manager"))).isEqualTo("manager");
      assertThat(text(store.read("monitors", "", MONITOR))).isEqualTo("monitor");
      assertThat(text(store.read("monitor_updates", MONITOR, "1"))).isEqualTo("u1");
      assertThat(store.list("", "")).containsExactly("manager");
      assertThat(store.list("payments", "")).hasSize(60);

      Page first = store.listPaginated("payments", "", null);
      assertThat(first.keys()).containsExactlyElementsOf(expected.subList(0, 50));
      String fiftieth = expected.get(49); // i = 10, mtime base + 5
      assertThat(first.nextPageToken())
          .contains(new PageToken(String.format("%016d:%s", base + 5, fiftieth)));
      Page second = store.listPaginated("payments", "", first.nextPageToken().get());
      assertThat(second.keys()).containsExactlyElementsOf(expected.subList(50, 60));
      assertThat(second.nextPageToken()).isEmpty();

      // a token LDK made for a key that no longer exists resumes at the next position
      Page resumed =
          store.listPaginated(
              "payments", "", new PageToken(String.format("%016d:%s", base + 5, "zz")));
      assertThat(resumed.keys().get(0)).isEqualTo(expected.get(48));

      // rewriting keeps the mtime LDK gave the file
      store.write("payments", "", expected.get(0), new byte[] {9});
      assertThat(
              Files.getLastModifiedTime(
                      root.resolve("payments").resolve("[empty]").resolve(expected.get(0)))
                  .toMillis())
          .isEqualTo(base + 29);

      store.write("", "", "scorer", new byte[] {1});
      assertThat(root.resolve("[empty]").resolve("[empty]").resolve("scorer")).exists();
    }
  }

  @Test
  void v2_invalidToken_isRejected() {
    try (FilesystemStoreV2 store = FilesystemStoreV2.open(tmp.resolve("v2"))) {
      for (String bad : List.of("", "123:abc", "000000000000000x:abc", "0000000000000001-abc")) {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> store.listPaginated("p", "", new PageToken(bad)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("Invalid page token");
      }
    }
  }
}
