package io.lnkv.cli;

import io.lnkv.KVStore;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.PaginatedKVStore;
import io.lnkv.ScopedKey;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.ldk.LdkKeys;
import io.lnkv.memory.InMemoryStore;
import io.lnkv.migrate.MigrationProgress;
import io.lnkv.queue.QueuedStore;
import io.lnkv.sqlite.SqliteStore;
import io.lnkv.tier.BackupMode;
import io.lnkv.tier.DriftReport;
import io.lnkv.tier.Restore;
import io.lnkv.tier.TierStore;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The README's quickstart story, which {@code lnkv demo} runs: a tiered store on embedded defaults
 * (SQLite primary in ldk-node's schema, FilesystemStoreV2 backup in SEMI_SYNC mode with a retry
 * journal, an in-memory ephemeral tier for the network graph and the scorer), a Lightning-shaped
 * workload committed through a QueuedStore at the moments a node sends data out, the primary lost
 * and restored from the backup, and a verification.
 */
final class NodeDemo {
  private static final String MARKER = ".lnkv-demo";
  private static final int CHANNELS = 6;
  private static final int MAX_PENDING_UPDATES = 10; // LDK's MonitorUpdatingPersister setting

  /**
   * What a run found.
   *
   * @param clean whether the restored primary matched the backup, channel monitors and all
   * @param report the figures, for JSON
   * @param lines the report as text, one line each
   */
  public record Result(boolean clean, Map<String, Object> report, List<String> lines) {}

  private final Path dir;
  private final int payments;
  private final Random random = new Random(20261125);

  /**
   * @param dir where the stores live
   * @param payments how many payments the node makes, at least 1
   */
  public NodeDemo(Path dir, int payments) {
    if (payments < 1) {
      throw new IllegalArgumentException("payments must be at least 1, got " + payments);
    }
    this.dir = dir;
    this.payments = payments;
  }

  /**
   * Runs the story in {@code dir} (replaced if an earlier run made it; refused if it holds anything
   * else).
   *
   * @param restoreProgress told of the restore's progress
   * @throws InterruptedException if interrupted while waiting for the backup
   * @throws IllegalStateException if {@code dir} is not empty and not a demo folder, or the backup
   *     does not catch up within a minute
   */
  public Result run(MigrationProgress restoreProgress) throws IOException, InterruptedException {
    Path root = dir.toAbsolutePath().normalize();
    prepare(root);
    Path node = root.resolve("node");
    createOwnerOnly(node); // as all node state
    Path primaryFile = node.resolve(SqliteStore.LDK_NODE_DB_FILE_NAME);
    Path backupDir = root.resolve("backup");
    Path journal = node.resolve("backup.retry-journal");
    Map<String, Object> report = new LinkedHashMap<>();
    List<String> lines = new ArrayList<>();
    lines.add("lnkv demo: a Lightning node's state on embedded defaults, in " + root);
    lines.add("  primary    SQLite " + primaryFile + " (ldk-node's schema, table ldk_node_data)");
    lines.add(
        "  backup     FilesystemStoreV2 "
            + backupDir
            + " (SEMI_SYNC, retry journal "
            + journal
            + ")");
    lines.add("  ephemeral  in memory: the network graph and the scorer (rebuildable)");

    // 1. the node runs
    long start = System.nanoTime();
    Workload w = new Workload();
    TierStore tier =
        TierStore.builder(openPrimary(primaryFile))
            .backup(FilesystemStoreV2.open(backupDir), BackupMode.SEMI_SYNC)
            .retryJournal(journal)
            .ephemeral(InMemoryStore.create())
            .name("demo")
            .build();
    try (QueuedStore node1 = QueuedStore.builder(tier).build()) {
      w.run(node1);
      if (!tier.awaitBackup(Duration.ofMinutes(1))) {
        throw new IllegalStateException(
            "the backup did not catch up within a minute: " + tier.backupStatus());
      }
      String runTime = seconds(start);
      lines.add(
          String.format(
              Locale.ROOT,
              "1. %d payments over %d channels: %d writes and removes in %d atomic commits (one"
                  + " per message the node sends), %s",
              payments,
              CHANNELS,
              w.operations,
              w.commits,
              runTime));
      lines.add(
          String.format(
              Locale.ROOT,
              "   channel manager rewritten %d times; %d monitor updates, %d full monitors; %d"
                  + " graph and scorer writes to the ephemeral tier",
              w.managerWrites,
              w.updates,
              w.fullMonitors,
              w.ephemeralWrites));
      int[] paging = listPayments(node1);
      lines.add(
          String.format(
              Locale.ROOT,
              "2. listed the payments newest first: %d in %d pages of up to %d",
              paging[0],
              paging[1],
              PaginatedKVStore.DEFAULT_PAGE_SIZE));
      report.put("payments", payments);
      report.put("commits", w.commits);
      report.put("operations", w.operations);
      report.put("runSeconds", (System.nanoTime() - start) / 1e9);
      report.put("paymentPages", paging[1]);
    }
    // closing the queue commits nothing new, closes the TierStore, its worker and tiers; the
    // retry journal is gone when the backup is level
    lines.add(
        "3. closed the node; backup level: "
            + (Files.exists(journal)
                ? "no, keys wait in " + journal
                : "yes (no retry journal left)"));

    // 2. the primary is lost
    for (String suffix : List.of("", "-wal", "-shm")) {
      Files.deleteIfExists(node.resolve(SqliteStore.LDK_NODE_DB_FILE_NAME + suffix));
    }
    lines.add("4. lost the primary: deleted " + primaryFile);

    // 3. restore it from the backup, and verify
    long restoreStart = System.nanoTime();
    try (FilesystemStoreV2 backup = FilesystemStoreV2.open(backupDir);
        SqliteStore primary = openPrimary(primaryFile)) {
      Restore.Result r = Restore.from(backup).into(primary).onProgress(restoreProgress).run();
      lines.add(
          String.format(
              Locale.ROOT,
              "5. restored %d durable keys (%d bytes) from the backup into a new primary, %s",
              r.keys(),
              r.bytes(),
              seconds(restoreStart)));
      DriftReport check = DriftReport.compare(backup, primary, MigrationProgress.NONE);
      int monitors = primary.list(LdkKeys.MONITORS_NAMESPACE, "").size();
      lines.add(
          "6. verify, backup against restored primary: "
              + check
              + "; "
              + monitors
              + " channel monitors and the channel manager are back");
      report.put("restoredKeys", r.keys());
      report.put("restoredBytes", r.bytes());
      report.put("verification", drift(check));
      if (!check.isClean() || monitors != CHANNELS) {
        return new Result(false, report, lines);
      }
    }
    lines.add("Data: " + root + "  (try: ./lnkv stat sqlite:" + primaryFile + ")");
    report.put("dir", root.toString());
    return new Result(true, report, lines);
  }

  private static SqliteStore openPrimary(Path file) {
    return SqliteStore.builder(file).table(SqliteStore.LDK_NODE_TABLE_NAME).build();
  }

  /** Empties the demo folder of an earlier run; refuses a folder that is not one. */
  private static void prepare(Path root) throws IOException {
    if (Files.exists(root)) {
      boolean demo = Files.exists(root.resolve(MARKER));
      boolean empty;
      try (Stream<Path> s = Files.list(root)) {
        empty = s.findAny().isEmpty();
      }
      if (!demo && !empty) {
        throw new IllegalStateException(
            root + " exists and is not a demo folder (no " + MARKER + "); choose another --dir");
      }
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          if (!p.equals(root)) {
            Files.delete(p);
          }
        }
      }
    }
    createOwnerOnly(root);
    Files.writeString(root.resolve(MARKER), "made by lnkv demo; the next run replaces it\n");
  }

  /** Creates {@code dir} (and missing parents) readable by its owner only, where POSIX allows. */
  private static void createOwnerOnly(Path dir) throws IOException {
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(dir);
    }
  }

  /** Payments 1..N, paged newest first: returns {payments seen, pages}. */
  private static int[] listPayments(KVStore store) {
    PaginatedKVStore paged = (PaginatedKVStore) store;
    int seen = 0;
    int pages = 0;
    PageToken token = null;
    do {
      Page page = paged.listPaginated(LdkKeys.PAYMENTS_NAMESPACE, "", token);
      seen += page.keys().size();
      pages++;
      token = page.nextPageToken().orElse(null);
    } while (token != null);
    return new int[] {seen, pages};
  }

  /** The node's writes, as LDK and ldk-node make them. */
  private final class Workload {
    int operations;
    int commits;
    int managerWrites;
    int updates;
    int fullMonitors;
    int ephemeralWrites;

    void run(QueuedStore node) {
      List<String> channels = new ArrayList<>();
      long[] latestUpdate = new long[CHANNELS];
      for (int c = 0; c < CHANNELS; c++) {
        channels.add(HexFormat.of().formatHex(bytes(32)) + "_" + c); // <funding txid>_<index>
        write(node, LdkKeys.MONITORS_NAMESPACE, "", channels.get(c), monitor());
        fullMonitors++;
      }
      writeManager(node);
      commit(node);
      for (int p = 1; p <= payments; p++) {
        int c = p % CHANNELS;
        String name = channels.get(c);
        long id = ++latestUpdate[c];
        if (id % MAX_PENDING_UPDATES != 0) {
          write(node, LdkKeys.MONITOR_UPDATES_NAMESPACE, name, Long.toString(id), bytes(300));
          updates++;
        } else {
          // a full monitor, then the updates it includes are removed lazily (LDK's rule)
          write(node, LdkKeys.MONITORS_NAMESPACE, "", name, monitor());
          fullMonitors++;
          for (long old = Math.max(1, id - MAX_PENDING_UPDATES); old <= id; old++) {
            node.remove(LdkKeys.MONITOR_UPDATES_NAMESPACE, name, Long.toString(old), true);
            operations++;
          }
        }
        writeManager(node);
        write(
            node, LdkKeys.PAYMENTS_NAMESPACE, "", HexFormat.of().formatHex(bytes(32)), bytes(200));
        if (p % 50 == 0) {
          write(node, "", "", LdkKeys.NETWORK_GRAPH_KEY, bytes(64 * 1024));
          write(node, "", "", LdkKeys.SCORER_KEY, bytes(16 * 1024));
          ephemeralWrites += 2;
        }
        commit(node); // the node is about to send commitment_signed / revoke_and_ack
      }
    }

    private void writeManager(KVStore node) {
      write(node, "", "", LdkKeys.CHANNEL_MANAGER_KEY, bytes(2048));
      managerWrites++;
    }

    private void write(KVStore node, String p, String s, String k, byte[] value) {
      node.write(p, s, k, value);
      operations++;
    }

    private void commit(QueuedStore node) {
      node.commit();
      commits++;
    }

    private byte[] monitor() {
      byte[] m = bytes(4096 + random.nextInt(4096));
      m[0] = LdkKeys.MONITOR_UPDATING_PERSISTER_SENTINEL[0];
      m[1] = LdkKeys.MONITOR_UPDATING_PERSISTER_SENTINEL[1];
      return m;
    }
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static String seconds(long startNanos) {
    return String.format(Locale.ROOT, "%.2f s", (System.nanoTime() - startNanos) / 1e9);
  }

  private static Map<String, Object> drift(DriftReport r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("clean", r.isClean());
    m.put("compared", r.compared());
    m.put("missing", r.missing().stream().map(ScopedKey::toString).toList());
    m.put("extra", r.extra().stream().map(ScopedKey::toString).toList());
    m.put("different", r.different().stream().map(ScopedKey::toString).toList());
    return m;
  }
}
