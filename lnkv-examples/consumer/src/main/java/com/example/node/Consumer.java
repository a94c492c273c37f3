package com.example.node;

import io.lnkv.KeyNotFoundException;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.sqlite.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What a node's code does with lnkv, compiled against the installed artifacts only: write and read
 * a SQLite store and a filesystem store, and inspect them read-only. Fails (exit 1) if anything
 * does not hold.
 */
public final class Consumer {
  private Consumer() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("lnkv-consumer");
    byte[] manager = "channel manager".getBytes(StandardCharsets.UTF_8);
    try (SqliteStore node = SqliteStore.open(dir.resolve("ldk_node_data.sqlite"));
        FilesystemStoreV2 backup = FilesystemStoreV2.open(dir.resolve("backup"))) {
      node.write("", "", "manager", manager);
      backup.write("", "", "manager", manager);
      try (SqliteStore look = SqliteStore.builder(node.file()).readOnly().build()) {
        check(Arrays.equals(look.read("", "", "manager"), manager), "read-only SQLite read");
      }
    }
    try (FilesystemStoreV2 look =
        FilesystemStoreV2.builder(dir.resolve("backup")).readOnly().build()) {
      check(Arrays.equals(look.read("", "", "manager"), manager), "read-only folder read");
      try {
        look.read("monitors", "", "absent");
        check(false, "a missing key throws KeyNotFoundException");
      } catch (KeyNotFoundException expected) {
        // the contract
      }
    }
    System.out.println("lnkv consumer: built against the installed artifacts through lnkv-bom; OK");
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError("failed: " + what);
    }
  }
}
