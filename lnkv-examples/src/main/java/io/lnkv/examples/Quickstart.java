package io.lnkv.examples;

import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.fs.FilesystemStoreV2;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The README quickstart: writes, reads, lists and pages through a {@link FilesystemStoreV2} in a
 * temporary folder, with Lightning-shaped keys, and prints what it did.
 */
public final class Quickstart {
  private Quickstart() {}

  /** Runs the quickstart in a new temporary folder, printing what it does. */
  public static void main(String[] args) throws IOException {
    PrintStream out = System.out;
    Path folder = Files.createTempDirectory("lnkv-quickstart").resolve("fs_store");
    long started = System.nanoTime();
    try (FilesystemStoreV2 store = FilesystemStoreV2.open(folder)) {
      out.println("Opened FilesystemStoreV2 (LDK's v2 layout) at " + folder);

      store.write("", "", "manager", bytes("channel manager, version 1"));
      store.write("", "", "manager", bytes("channel manager, version 2"));
      out.println("Wrote ''/''/manager twice; reads back: " + text(store.read("", "", "manager")));

      String monitor = "4f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8_0";
      store.write("monitors", "", monitor, bytes("monitor"));
      List<CompletableFuture<Void>> updates = new ArrayList<>();
      for (int id = 1; id <= 5; id++) {
        updates.add(store.writeAsync("monitor_updates", monitor, Integer.toString(id), bytes("u")));
      }
      CompletableFuture.allOf(updates.toArray(CompletableFuture[]::new)).join();
      out.println(
          "Wrote 1 monitor and 5 monitor updates asynchronously; list(monitor_updates, <monitor>) = "
              + store.list("monitor_updates", monitor).stream().sorted().toList());

      for (int i = 1; i <= 120; i++) {
        store.write("payments", "", String.format("payment%03d", i), bytes("payment " + i));
      }
      store.write("payments", "", "payment001", bytes("payment 1, updated"));
      out.println("Wrote 120 payments, then updated payment001 (an update never moves a key)");

      PageToken token = null;
      int pageNumber = 0;
      do {
        Page page = store.listPaginated("payments", "", token);
        pageNumber++;
        out.printf(
            "  page %d: %d keys, %s … %s%s%n",
            pageNumber,
            page.keys().size(),
            page.keys().get(0),
            page.keys().get(page.keys().size() - 1),
            page.nextPageToken().map(t -> ", next token " + t).orElse(", last page"));
        token = page.nextPageToken().orElse(null);
      } while (token != null);

      store.remove("payments", "", "payment120", false);
      out.println("Removed payment120; payments now: " + store.list("payments", "").size());
      out.println("All keys in the store: " + store.listAllKeys().size());
    }
    out.println("Closed the store. Files on disk:");
    try (Stream<Path> files = Files.walk(folder)) {
      files
          .filter(Files::isRegularFile)
          .map(p -> folder.relativize(p).toString())
          .sorted()
          .limit(8)
          .forEach(p -> out.println("  " + p));
    }
    out.printf(
        "  … (payments/[empty]/ holds the rest)%nDone in %d ms.%n",
        (System.nanoTime() - started) / 1_000_000);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
