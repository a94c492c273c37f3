package io.lnkv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code lnkv} command run as a user runs it ({@link Lnkv#run} is what {@code main} calls)
 * against real stores: files, a SQLite file, and PostgreSQL when {@code LNKV_PG_URL} is set
 * (required under {@code CI=true}).
 */
class CliTest {
  @TempDir Path tmp;

  /** What one run printed and returned. */
  record Run(int code, String out, String err) {
    JsonNode json() throws IOException {
      return new ObjectMapper().readTree(out);
    }
  }

  static Run lnkv(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Lnkv.run(new PrintWriter(out, true), new PrintWriter(err, true), false, args);
    return new Run(code, out.toString(), err.toString());
  }

  /** A failed run: the exit code, and exactly one line on stderr. */
  private static void assertFails(Run r, int code, String inMessage) {
    assertThat(r.code()).as(r.err()).isEqualTo(code);
    String[] lines = r.err().strip().split("\n");
    assertThat(lines[0]).startsWith("lnkv: ").contains(inMessage);
    assertThat(lines.length)
        .as("one clear line (plus a usage hint for bad arguments)")
        .isLessThanOrEqualTo(2);
  }

  private String fs2(String name) {
    return "fs2:" + tmp.resolve(name);
  }

  private static List<Path> tree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.sorted().toList();
    }
  }

  /**
   * A link planted at the commit log's name (in the store's parent folder) is refused by every
   * command that opens the store, as a refusal (exit 4), naming it; its target gets nothing.
   * Before, a writing command created and wrote through it.
   */
  @Test
  void aLinkPlantedAtTheCommitLog_isRefused_exit4_andItsTargetGetsNothing() throws Exception {
    String store = fs2("s");
    assertThat(lnkv("put", store, "manager", "--value", "m").code()).isZero();
    Path victim = Files.createFile(tmp.resolve("attacker-owned"));
    Files.createSymbolicLink(tmp.resolve(".s.lnkv-journal"), victim);
    for (String[] args :
        List.of(
            new String[] {"settle", store},
            new String[] {"put", store, "manager", "--value", "n"},
            new String[] {"ls", store})) {
      Run r = lnkv(args);
      assertFails(r, 4, "symbolic link");
      assertThat(r.err()).contains(".s.lnkv-journal");
    }
    assertThat(Files.size(victim)).isZero();
  }

  /**
   * A writer refused by the lock exits 4 (refused) and creates nothing: before, a new SQLite file
   * was created before the lock was tried, and stayed behind, empty.
   */
  @Test
  void aRefusedLock_exits4_andLeavesNoFileBehind() throws Exception {
    Path db = tmp.resolve("m.sqlite");
    try (io.lnkv.internal.WriterLock held =
        io.lnkv.internal.WriterLock.acquire(tmp, "m.sqlite", "another writer")) {
      Run r = lnkv("put", "sqlite:" + db, "k", "--value", "v");
      assertFails(r, ExitCode.REFUSED, "another writer");
      assertThat(held).isNotNull();
      assertThat(Files.exists(db)).as("a refused writer creates nothing").isFalse();
    }
    assertThat(lnkv("put", "sqlite:" + db, "k", "--value", "v").code()).isZero();
  }

  /**
   * fs2: on a folder of foreign files says so; only LDK v1 data gets the migration advice. Before,
   * any file was called "v1 data" and a migration advised.
   */
  @Test
  void fs2_onForeignFiles_saysSo_andAdvisesMigrationOnlyForV1Data() throws Exception {
    Path foreign = Files.createDirectories(tmp.resolve("photos"));
    Files.writeString(foreign.resolve("holiday.jpg"), "not node state");
    Run r = lnkv("ls", "fs2:" + foreign);
    assertFails(r, ExitCode.REFUSED, "no LDK store's");
    assertThat(r.err()).doesNotContain("migrate").doesNotContain("v1");
    Path v1 = Files.createDirectories(tmp.resolve("v1").resolve("monitors"));
    Files.writeString(v1.resolve("abc_1"), "a monitor");
    Run old = lnkv("ls", "fs2:" + tmp.resolve("v1"));
    assertFails(old, ExitCode.REFUSED, "(v1) data");
    assertThat(old.err()).contains("migrate");
  }

  /**
   * A live WAL database read through an alias. Before, through a symlink the reader found no {@code
   * <alias>-wal}, opened the file immutable and printed the last checkpoint's value with exit 0;
   * through a hard link it said the table was missing. Now a symlink reads the current value (the
   * real path finds the log), and a hard link is refused, non-zero, saying why.
   */
  @Test
  void aLiveWalDatabase_readThroughAnAlias_isCurrentOrRefused_neverStale() throws Exception {
    Path db = tmp.resolve("node.sqlite");
    try (io.lnkv.sqlite.SqliteStore writer = io.lnkv.sqlite.SqliteStore.open(db)) {
      writer.write("", "", "k", "old".getBytes(StandardCharsets.UTF_8));
      try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
          java.sql.Statement s = c.createStatement()) {
        s.execute("PRAGMA wal_checkpoint(TRUNCATE)"); // "old" is in the database file now
      }
      writer.write("", "", "k", "new".getBytes(StandardCharsets.UTF_8)); // in the WAL only
      Path symlink = Files.createSymbolicLink(tmp.resolve("alias.sqlite"), db);
      Path got = tmp.resolve("got");
      Run viaSymlink = lnkv("get", "sqlite:" + symlink, "k", "-o", got.toString());
      assertThat(viaSymlink.code()).as(viaSymlink.err()).isZero();
      assertThat(Files.readString(got)).isEqualTo("new");
      Files.delete(got);
      Path hardLink = Files.createLink(tmp.resolve("hard.sqlite"), db);
      Run viaHardLink = lnkv("get", "sqlite:" + hardLink, "k", "-o", got.toString());
      assertThat(viaHardLink.code()).isNotZero();
      assertThat(viaHardLink.err()).contains("under another name");
      assertThat(Files.exists(got)).isFalse();
    }
  }

  // ---- single keys --------------------------------------------------------------------------

  @Test
  void putGetLsRmPageKeysStat_roundTrip() throws Exception {
    String store = fs2("s");
    assertThat(lnkv("put", store, "manager", "--value", "m").code()).isZero();
    for (int i = 0; i < 60; i++) {
      assertThat(lnkv("put", store, "payments/p" + i, "--value", "payment " + i).code()).isZero();
    }
    Path file = tmp.resolve("monitor.bin");
    Files.write(file, new byte[] {(byte) 0xff, (byte) 0xff, 1, 2, 3});
    assertThat(lnkv("put", store, "monitors/abc_1", "--file", file.toString()).code()).isZero();
    assertThat(lnkv("put", store, "monitor_updates/abc_1/7", "--value", "u").code()).isZero();

    Path got = tmp.resolve("got.bin");
    assertThat(lnkv("get", store, "monitors/abc_1", "-o", got.toString()).code()).isZero();
    assertThat(Files.readAllBytes(got)).isEqualTo(Files.readAllBytes(file));
    // node state: readable by its owner only, whatever the umask (it followed the umask before)
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(got)))
        .isEqualTo("rw-------");
    JsonNode json = lnkv("--json", "get", store, "manager").json();
    assertThat(json.get("base64").asText()).isEqualTo("bQ==");

    assertThat(lnkv("ls", store).out().strip()).isEqualTo("manager");
    assertThat(lnkv("ls", store, "monitor_updates/abc_1").out().strip()).isEqualTo("7");
    Run page = lnkv("--json", "page", store, "payments");
    assertThat(page.json().get("keys")).hasSize(50);
    assertThat(page.json().get("keys").get(0).asText()).isEqualTo("p59"); // newest first
    String token = page.json().get("next").asText();
    Run second = lnkv("--json", "page", store, "payments", "--token", token);
    assertThat(second.json().get("keys")).hasSize(10);
    assertThat(lnkv("page", store, "payments", "--all").out()).contains("# page 2, 10 keys");

    Run keys = lnkv("keys", store);
    assertThat(keys.out().lines().toList())
        .hasSize(63)
        .contains("manager", "monitors/abc_1", "monitor_updates/abc_1/7", "payments/p0");
    JsonNode stat = lnkv("--json", "stat", store).json();
    assertThat(stat.get("keys").asLong()).isEqualTo(63);
    assertThat(stat.get("schema").asText()).contains("V2");

    assertThat(lnkv("rm", store, "manager").code()).isZero();
    assertFails(lnkv("get", store, "manager"), ExitCode.NOT_FOUND, "manager");
  }

  @Test
  void stat_ofAnLdkNodeSqliteFile_findsItsTable_andSchemaVersion() throws Exception {
    String store = "sqlite:" + tmp.resolve("ldk_node_data.sqlite");
    assertThat(lnkv("--table", "ldk_node_data", "put", store, "manager", "--value", "m").code())
        .isZero();
    JsonNode stat = lnkv("--json", "stat", store).json(); // no --table: found in the file
    assertThat(stat.get("store").asText()).contains("ldk_node_data");
    assertThat(stat.get("schema").asText()).contains("user_version 3");
    assertThat(stat.get("keys").asLong()).isEqualTo(1);
  }

  // ---- wrong input: one line, non-zero exit, nothing changed ---------------------------------

  @Test
  void bench_withoutItsJar_failsSayingHowToGetIt() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        System.getenv(BenchCommand.JAR_VARIABLE) == null, "LNKV_BENCH_JAR is set here");
    // from a folder of classes there is no lnkv.jar to look beside, and no variable
    assertFails(lnkv("bench", "--quick"), ExitCode.FAILED, "lnkv bench needs lnkv-bench.jar");
  }

  @Test
  void bench_findsItsJarAtTheVariable_orBesideLnkvJar_andNowhereElse() throws Exception {
    Path lnkvJar = Files.createFile(tmp.resolve("lnkv.jar"));
    assertThatThrownBy(() -> BenchCommand.benchJar(null, lnkvJar))
        .isInstanceOf(java.io.FileNotFoundException.class)
        .hasMessageContaining("nor beside " + lnkvJar)
        .hasMessageContaining("./lnkv bench");
    Path beside = Files.createFile(tmp.resolve("lnkv-bench.jar"));
    assertThat(BenchCommand.benchJar(null, lnkvJar)).isEqualTo(beside);
    assertThat(BenchCommand.benchJar("", lnkvJar)).isEqualTo(beside);
    Path named = Files.createFile(tmp.resolve("elsewhere.jar"));
    assertThat(BenchCommand.benchJar(named.toString(), lnkvJar)).isEqualTo(named);
    // a variable naming nothing is an error, not a silent fall back to another jar
    assertThatThrownBy(() -> BenchCommand.benchJar(tmp.resolve("gone.jar").toString(), lnkvJar))
        .isInstanceOf(java.io.FileNotFoundException.class)
        .hasMessageContaining("LNKV_BENCH_JAR names " + tmp.resolve("gone.jar"));
  }

  @Test
  void badUri_isAUsageError() {
    assertFails(lnkv("ls", "bogus:/x"), ExitCode.USAGE, "Unknown store URI 'bogus:/x'");
    assertFails(lnkv("ls", "fs2:"), ExitCode.USAGE, "no path");
    assertFails(lnkv("migrate", fs2("a"), "nope"), ExitCode.USAGE, "Unknown store URI");
    assertThat(tmp.resolve("a")).doesNotExist();
  }

  @Test
  void missingStore_isNotFound_andNotCreated() {
    for (String cmd : List.of("ls", "keys", "stat")) {
      assertFails(lnkv(cmd, fs2("missing")), ExitCode.NOT_FOUND, "the folder does not exist");
    }
    assertFails(
        lnkv("get", "sqlite:" + tmp.resolve("missing.sqlite"), "k"),
        ExitCode.NOT_FOUND,
        "does not exist");
    assertFails(lnkv("verify", fs2("missing"), fs2("other")), ExitCode.NOT_FOUND, "does not exist");
    assertThat(tmp.resolve("missing")).doesNotExist();
    assertThat(tmp.resolve("missing.sqlite")).doesNotExist();
  }

  // ---- reading never writes ----------------------------------------------------------------

  /** Every file under {@code dir}, with its bytes: what a read-only command must leave as is. */
  private static java.util.Map<String, String> snapshot(Path dir) throws IOException {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        out.put(
            dir.relativize(p).toString(),
            Files.isRegularFile(p) ? java.util.Arrays.toString(Files.readAllBytes(p)) : "dir");
      }
    }
    return out;
  }

  @Test
  void readCommands_onAFolderOfForeignFiles_refuseIt_andChangeNothing() throws Exception {
    Path folder = tmp.resolve("downloads");
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("report.tmp"), "someone's temporary file");
    Files.writeString(folder.resolve("old.trash"), "x");
    Files.writeString(folder.resolve("notes.txt"), "mine");
    java.util.Map<String, String> before = snapshot(tmp);
    for (String cmd : List.of("ls", "keys", "stat")) {
      assertFails(lnkv(cmd, "fs:" + folder), ExitCode.REFUSED, "not one");
    }
    assertFails(lnkv("get", "fs:" + folder, "k"), ExitCode.REFUSED, "not one");
    assertThat(snapshot(tmp)).as("no file deleted, no lock file left").isEqualTo(before);
  }

  @Test
  void readCommands_onSqliteFilesThatAreNoStore_changeNothing() throws Exception {
    Path empty = tmp.resolve("empty.sqlite");
    Files.createFile(empty);
    Path other = tmp.resolve("other.sqlite");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + other);
        java.sql.Statement s = c.createStatement()) {
      s.execute("CREATE TABLE accounts (id INTEGER)");
    }
    java.util.Map<String, String> before = snapshot(tmp);
    for (String cmd : List.of("ls", "keys", "stat")) {
      assertFails(lnkv(cmd, "sqlite:" + empty), ExitCode.REFUSED, "no table ldk_data");
      assertFails(lnkv(cmd, "sqlite:" + other), ExitCode.REFUSED, "accounts");
    }
    assertThat(snapshot(tmp)).as("no table, no WAL, no user_version added").isEqualTo(before);
  }

  /** A store open for writing in this process is held: a command that took its lock would fail. */
  @Test
  void readCommands_inspectAStoreItsWriterHoldsOpen() throws Exception {
    Path folder = tmp.resolve("node");
    Path file = tmp.resolve("node.sqlite");
    try (io.lnkv.fs.FilesystemStoreV2 fs = io.lnkv.fs.FilesystemStoreV2.open(folder);
        io.lnkv.sqlite.SqliteStore sqlite = io.lnkv.sqlite.SqliteStore.open(file)) {
      fs.write("monitors", "", "m1", new byte[] {1});
      sqlite.write("monitors", "", "m1", new byte[] {1});
      for (String store : List.of("fs2:" + folder, "sqlite:" + file)) {
        Run ls = lnkv("ls", store, "monitors");
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.out().strip()).isEqualTo("m1");
        assertThat(lnkv("keys", store).code()).isZero();
        assertThat(lnkv("stat", store).code()).isZero();
        assertThat(lnkv("page", store, "monitors").code()).isZero();
        assertThat(lnkv("verify", store, store).code()).isZero();
        Run put = lnkv("put", store, "k", "--value", "v");
        assertThat(put.code()).as(put.err()).isEqualTo(ExitCode.REFUSED);
      }
      Run migrate = lnkv("migrate", "sqlite:" + file, "fs2:" + tmp.resolve("copy"));
      assertThat(migrate.code()).as(migrate.err()).isZero();
    }
  }

  // ---- errors that say what happened and what to do ----------------------------------------

  @Test
  void put_fromAnEndlessSource_stopsAtTheLimit_withAUsageError() {
    Run r = lnkv("put", fs2("s"), "k", "--file", "/dev/zero", "--max-size", "1K");
    assertFails(r, ExitCode.USAGE, "larger than 1024 bytes");
    assertThat(r.err()).contains("--max-size");
    assertThat(lnkv("put", fs2("s"), "k", "--file", "/dev/zero").err())
        .as("the default limit holds too")
        .contains("larger than " + (64 << 20) + " bytes");
  }

  @Test
  void put_andGet_withAPathThatIsNoFile_sayWhichAndWhy() throws Exception {
    assertFails(
        lnkv("put", fs2("s"), "k", "--file", "/nonexistent/value"),
        ExitCode.FAILED,
        "Cannot read the value from /nonexistent/value: no such file");
    assertFails(
        lnkv("put", fs2("s"), "k", "--file", tmp.toString()),
        ExitCode.FAILED,
        "Cannot read the value from " + tmp + ": Is a directory");
    assertThat(lnkv("put", fs2("s"), "monitors/m", "--value", "v").code()).isZero();
    assertFails(
        lnkv("get", fs2("s"), "monitors/m", "-o", tmp.toString()),
        ExitCode.FAILED,
        "Cannot write the value of monitors/m to " + tmp);
  }

  @Test
  void keys_inMessages_areWrittenAsTheCommandReadsThem() {
    assertThat(lnkv("put", fs2("s"), "monitors/m", "--value", "v").code()).isZero();
    Run missing = lnkv("get", fs2("s"), "monitors/absent");
    assertThat(missing.code()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(missing.err()).contains("monitors/absent").doesNotContain("//");
    Run root = lnkv("get", fs2("s"), "absent");
    assertThat(root.err()).contains(" absent").doesNotContain("//");
  }

  /** Exit code 1 means drift to scripts: an Error (here out of memory) must exit 5, not 1. */
  @Test
  void outOfMemory_inTheRealCommand_exitsFailed_notDrift() throws Exception {
    Path big = tmp.resolve("big");
    Files.write(big, new byte[48 << 20]);
    assertThat(lnkv("put", fs2("s"), "big", "--file", big.toString()).code()).isZero();
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m",
                "-cp",
                System.getProperty("java.class.path"),
                Lnkv.class.getName(),
                "get",
                fs2("s"),
                "big",
                "-o",
                tmp.resolve("out").toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(output).isEqualTo(ExitCode.FAILED);
    assertThat(output).contains("lnkv: out of memory");
  }

  /**
   * A commit log a writer left (it died before its checkpoint), of 96 batches of 1 MiB each, read
   * by {@code ls} and {@code get} in a 32 MiB heap: the log is read a record at a time and values
   * are read back from it on demand. Before, the whole log was read into memory (out of memory
   * here; 4 GB of RSS for a 2 GB log).
   */
  @Test
  void aCommitLogLargerThanTheHeap_isReadARecordAtATime() throws Exception {
    assertThat(lnkv("put", fs2("s"), "monitors/on-disk", "--value", "old").code()).isZero();
    Path log = tmp.resolve(".s.lnkv-journal");
    byte[] value = new byte[1 << 20];
    try (var out =
        new java.io.DataOutputStream(
            new java.io.BufferedOutputStream(Files.newOutputStream(log)))) {
      out.writeBytes("LNKVLOG1");
      for (int i = 0; i < 96; i++) {
        java.util.Arrays.fill(value, (byte) i);
        var body = new java.io.ByteArrayOutputStream();
        var batch = new java.io.DataOutputStream(body);
        batch.writeInt(1);
        batch.writeByte('W');
        batch.writeUTF("monitors");
        batch.writeUTF("");
        batch.writeUTF(i == 95 ? "on-disk" : "k" + i); // the last batch overwrites a file's key
        batch.writeLong(1_000 + i);
        batch.writeInt(value.length);
        batch.write(value);
        byte[] record = body.toByteArray();
        out.writeInt(record.length);
        out.write(record);
        out.write(java.security.MessageDigest.getInstance("SHA-256").digest(record));
      }
    }
    assertThat(Files.size(log)).isGreaterThan(96L << 20);

    String output = inSmallHeap("ls", fs2("s"), "monitors");
    assertThat(output.strip().split("\n")).hasSize(96).contains("k0", "k94", "on-disk");
    Path got = tmp.resolve("got");
    output = inSmallHeap("get", fs2("s"), "monitors/k7", "-o", got.toString());
    byte[] expected = new byte[1 << 20];
    java.util.Arrays.fill(expected, (byte) 7);
    assertThat(Files.readAllBytes(got)).as(output).isEqualTo(expected);
    inSmallHeap("get", fs2("s"), "monitors/on-disk", "-o", got.toString());
    java.util.Arrays.fill(expected, (byte) 95);
    assertThat(Files.readAllBytes(got))
        .as("the log, not the file, holds the last write")
        .isEqualTo(expected);

    inSmallHeap("settle", fs2("s")); // the writer replays the log a batch at a time
    assertThat(log).doesNotExist();
    assertThat(lnkv("get", fs2("s"), "monitors/k94", "-o", got.toString()).code()).isZero();
    java.util.Arrays.fill(expected, (byte) 94);
    assertThat(Files.readAllBytes(got)).isEqualTo(expected);
  }

  /** Runs the real command in its own JVM with a 32 MiB heap; its output, once it exited 0. */
  private static String inSmallHeap(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m",
                "-cp",
                System.getProperty("java.class.path"),
                Lnkv.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(output).isZero();
    return output;
  }

  @Test
  void ls_ofAnEmptyScope_printsNothing() {
    assertThat(lnkv("put", fs2("s"), "monitors/m", "--value", "v").code()).isZero();
    Run r = lnkv("ls", fs2("s"), "payments");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEmpty();
  }

  @Test
  void json_errors_areAJsonObjectOnStandardError() throws Exception {
    Run r = lnkv("--json", "ls", fs2("missing"));
    assertThat(r.code()).isEqualTo(ExitCode.NOT_FOUND);
    JsonNode error = new ObjectMapper().readTree(r.err());
    assertThat(error.get("error").asText()).contains("does not exist");
    assertThat(error.get("exit").asInt()).isEqualTo(ExitCode.NOT_FOUND);
  }

  /**
   * One masking rule for every URI that reaches a message or a log line, whatever the password
   * holds. Before: {@code serve --storage postgres://me:PASSWORD@...} printed it, a password with
   * {@code @} or {@code /} was partly printed, and a {@code vss:} URL's userinfo appeared in the
   * error and in the retry warning.
   */
  @Test
  void passwords_neverReachAMessageOrALogLine() throws Exception {
    Path seed = tmp.resolve("seed");
    Files.write(seed, new byte[64]);
    java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
    java.io.PrintStream stderr = System.err;
    System.setErr(new java.io.PrintStream(logged, true, StandardCharsets.UTF_8));
    List<Run> runs = new ArrayList<>();
    try {
      for (String pw : List.of("Pa55-at@sign", "Pa55/slash", "Pa55:colon", "Pa55%40pct")) {
        runs.add(
            lnkv("serve", "--listen", "127.0.0.1:0", "--storage", "postgres://me:" + pw + "@h/db"));
        if (pw.contains("@")) { // a server that is not there: each costs the pool's timeout
          runs.add(lnkv("ls", "postgres://me:" + pw + "@127.0.0.1:1/db"));
        }
        runs.add(
            lnkv(
                "ls",
                "vss:http://me:" + pw + "@127.0.0.1:9/vss?store=n&retry-for=1s&seed=" + seed));
      }
    } finally {
      System.setErr(stderr);
    }
    for (Run r : runs) {
      assertThat(r.code()).as(r.err()).isNotZero();
      assertThat(r.err() + r.out()).doesNotContain("Pa55");
    }
    assertThat(logged.toString(StandardCharsets.UTF_8)).doesNotContain("Pa55");
  }

  @Test
  void aMalformedPostgresUri_isNotEchoedWithItsPassword() {
    for (String uri :
        List.of(
            "postgres://lnd:s3cret-pw@bad host/db",
            "postgres://lnd:s3cret-pw@host",
            "postgresql://h/db?user=u&password=s3cret-pw&table=a.b.c")) {
      Run r = lnkv("ls", uri);
      assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.USAGE);
      assertThat(r.err()).doesNotContain("s3cret-pw");
    }
  }

  /**
   * A seed is 64 bytes: {@code seed=/dev/zero} is refused after reading a little more than that
   * (before, 5.5 GB were read and then more heap advised); a missing file is named once, with the
   * reason (before: "Cannot read the seed file /nonexistent: /nonexistent").
   */
  @Test
  void aSeedFile_isReadBounded_andAMissingOneIsNamedOnceWithTheReason() {
    String base = "vss:http://127.0.0.1:9/vss?store=n&seed=";
    assertFails(lnkv("ls", base + "/dev/zero"), ExitCode.USAGE, "holds more than 1024 bytes");
    Run missing = lnkv("ls", base + "/nonexistent");
    assertFails(missing, ExitCode.FAILED, "Cannot read the seed file /nonexistent: no such file");
    assertThat(missing.err().split("/nonexistent", -1)).hasSize(2); // named once
  }

  /**
   * {@code --max-size} above what one value can be is refused before reading: before, a 3 GiB file
   * with {@code --max-size 4G} was cut to 2,147,483,639 bytes and reported written.
   */
  @Test
  void maxSize_aboveWhatOneValueCanBe_isRefused_neverACutValue() {
    String store = fs2("s");
    Run r = lnkv("put", store, "k", "--stdin", "--max-size", "4G");
    assertFails(r, ExitCode.USAGE, "more than one value can be");
    assertThat(lnkv("get", store, "k").code()).isNotZero();
  }

  @Test
  void aVssUri_withAnEmptyStoreOrABadRetryBudget_isRefusedBeforeAnyRequest() throws Exception {
    Path seed = tmp.resolve("seed");
    Files.write(seed, new byte[64]);
    // port 9 (discard) is closed here: a request would be retried for the whole budget
    String base = "vss:http://127.0.0.1:9/vss?seed=" + seed;
    assertFails(lnkv("ls", base + "&store="), ExitCode.USAGE, "empty store=");
    assertFails(lnkv("ls", base + "&store=n&retry-for=soon"), ExitCode.USAGE, "retry-for");
    long start = System.nanoTime();
    Run down = lnkv("ls", base + "&store=n&retry-for=1s");
    assertThat(down.code()).isEqualTo(ExitCode.FAILED);
    assertThat(down.err()).contains("Check that the server is up");
    assertThat(System.nanoTime() - start)
        .as("the budget bounds the wait")
        .isLessThan(30_000_000_000L);
  }

  /**
   * A SEMI_SYNC write that reached the primary and the retry journal took effect: the command exits
   * 0 and warns that the backup lags, rather than exiting as refused.
   */
  @Test
  void aSemiSyncWrite_whoseBackupLags_exitsZero_withAWarning() throws Exception {
    Path backup = tmp.resolve("backup");
    Files.createDirectories(backup);
    Files.writeString(backup.resolve("monitors"), "a file where the namespace folder goes");
    String primary = "sqlite:" + tmp.resolve("node.sqlite");
    Run r =
        lnkv(
            "--backup",
            "fs:" + backup,
            "--backup-mode",
            "SEMI_SYNC",
            "--retry-journal",
            tmp.resolve("retry.journal").toString(),
            "--backup-wait",
            "500ms",
            "put",
            primary,
            "monitors/m",
            "--value",
            "v");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("warning").contains("backup is not level");
    assertThat(lnkv("get", primary, "monitors/m").code()).isZero();
    assertThat(tmp.resolve("retry.journal")).as("kept for the next open").exists();
  }

  @Test
  void invalidKey_isAUsageError_beforeTheStoreIsTouched() {
    assertFails(lnkv("put", fs2("new"), "monitors/bad.key", "--value", "x"), ExitCode.USAGE, "'.'");
    assertFails(lnkv("put", fs2("new"), "a/b/c/d", "--value", "x"), ExitCode.USAGE, "three");
    assertFails(lnkv("put", fs2("new"), "monitors/", "--value", "x"), ExitCode.USAGE, "key");
    assertThat(tmp.resolve("new")).doesNotExist();
  }

  @Test
  void aV1FolderGivenAsFs2_isRefused_andLeftAsItWas() throws Exception {
    assertThat(lnkv("put", "fs:" + tmp.resolve("v1"), "monitors/abc_1", "--value", "x").code())
        .isZero();
    List<Path> before = tree(tmp.resolve("v1"));
    assertFails(lnkv("ls", fs2("v1"), "monitors"), ExitCode.REFUSED, "FilesystemStore (v1)");
    assertFails(
        lnkv("put", fs2("v1"), "monitors/abc_2", "--value", "y"),
        ExitCode.REFUSED,
        "FilesystemStore (v1)");
    assertThat(tree(tmp.resolve("v1"))).isEqualTo(before);
  }

  @Test
  void nonEmptyRestoreTarget_isRefused_andUnchanged() throws Exception {
    String backup = fs2("backup");
    String primary = fs2("primary");
    lnkv("put", backup, "monitors/abc_1", "--value", "from backup");
    lnkv("put", primary, "monitors/abc_1", "--value", "live state");
    assertFails(lnkv("restore", backup, primary), ExitCode.REFUSED, "--force");
    Path out = tmp.resolve("v");
    lnkv("get", primary, "monitors/abc_1", "-o", out.toString());
    assertThat(Files.readString(out)).isEqualTo("live state");
  }

  @Test
  void unknownOptionOrMissingArgument_isAUsageError() {
    Run r = lnkv("ls", "--frobnicate", fs2("x"));
    assertThat(r.code()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).startsWith("lnkv: Unknown option");
    assertThat(lnkv("put", fs2("x"), "k").code()).isEqualTo(ExitCode.USAGE);
    assertThat(lnkv("put", fs2("x"), "k", "--value", "a", "--stdin").code())
        .isEqualTo(ExitCode.USAGE);
  }

  @Test
  void verbose_addsTheStackTrace() {
    Run r = lnkv("--verbose", "ls", fs2("missing"));
    assertThat(r.err()).contains("StoreNotFoundException").contains("\tat ");
  }

  // ---- whole stores -------------------------------------------------------------------------

  /** Every kind of store the CLI can reach here, each a fresh one. */
  private List<String> storesOfEveryKind(String tag) {
    List<String> out = new ArrayList<>();
    out.add("fs:" + tmp.resolve(tag + "-fs"));
    out.add("fs2:" + tmp.resolve(tag + "-fs2"));
    out.add("sqlite:" + tmp.resolve(tag + ".sqlite"));
    io.lnkv.testkit.TestPostgres.urlIfSet()
        .ifPresent(
            pg -> {
              String table =
                  "lnkv_cli_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
              out.add(pg + (pg.contains("?") ? "&" : "?") + "table=" + table);
            });
    return out;
  }

  private void fill(String store) throws IOException {
    Path value = tmp.resolve("value.bin");
    byte[] big = new byte[70_000];
    new java.util.Random(3).nextBytes(big);
    Files.write(value, big);
    assertThat(lnkv("put", store, "manager", "--file", value.toString()).code()).isZero();
    assertThat(lnkv("put", store, "monitors/abc_1", "--value", "monitor").code()).isZero();
    assertThat(lnkv("put", store, "monitor_updates/abc_1/12", "--value", "update").code()).isZero();
    assertThat(lnkv("put", store, "network_graph", "--value", "graph").code()).isZero();
    for (int i = 0; i < 5; i++) {
      assertThat(lnkv("put", store, "payments/p" + i, "--value", "pay" + i).code()).isZero();
    }
  }

  @Test
  void migrate_betweenEveryPairOfStores_isCheckedByVerify() throws Exception {
    List<String> sources = storesOfEveryKind("src");
    for (int i = 0; i < sources.size(); i++) {
      fill(sources.get(i));
      List<String> targets = storesOfEveryKind("dst" + i);
      for (int j = 0; j < targets.size(); j++) {
        if (i == j) {
          continue;
        }
        String src = sources.get(i);
        String dst = targets.get(j);
        Run m = lnkv("--json", "migrate", src, dst);
        assertThat(m.code()).as(src + " -> " + dst + ": " + m.err()).isZero();
        assertThat(m.json().get("keys").asLong()).isEqualTo(9);
        assertThat(m.json().get("verification").get("clean").asBoolean()).isTrue();
        Run v = lnkv("verify", src, dst);
        assertThat(v.code()).as(src + " vs " + dst + ": " + v.out() + v.err()).isZero();
        assertThat(v.out()).contains("no drift in 9 keys");
        assertThat(lnkv("--json", "page", dst, "payments", "--all").json())
            .as("creation order carried over: " + src + " -> " + dst)
            .isEqualTo(lnkv("--json", "page", src, "payments", "--all").json());
        assertFails(lnkv("migrate", src, dst), ExitCode.REFUSED, "already holds");
      }
    }
  }

  @Test
  void verify_reportsDrift_withExitCode1() throws Exception {
    String a = fs2("a");
    String b = "sqlite:" + tmp.resolve("b.sqlite");
    fill(a);
    assertThat(lnkv("migrate", a, b).code()).isZero();
    lnkv("put", b, "payments/p1", "--value", "changed");
    lnkv("rm", b, "payments/p2");
    lnkv("put", b, "payments/extra", "--value", "x");
    Run v = lnkv("--json", "verify", a, b);
    assertThat(v.code()).isEqualTo(ExitCode.DRIFT);
    JsonNode r = v.json();
    assertThat(r.get("different").get(0).asText()).isEqualTo("payments/p1");
    assertThat(r.get("missing").get(0).asText()).isEqualTo("payments/p2");
    assertThat(r.get("extra").get(0).asText()).isEqualTo("payments/extra");
  }

  @Test
  void backfill_thenRestore_dryRunAndReal_skipLdkCaches() throws Exception {
    String primary = "sqlite:" + tmp.resolve("node.sqlite");
    String backup = fs2("backup");
    fill(primary);
    Run b = lnkv("--json", "backfill", primary, backup);
    assertThat(b.code()).as(b.err()).isZero();
    assertThat(b.json().get("copied").asLong()).isEqualTo(8); // all but network_graph
    assertThat(lnkv("--json", "backfill", primary, backup).json().get("copied").asLong())
        .as("a second run has nothing left to copy")
        .isZero();

    String restored = fs2("restored");
    Run dry = lnkv("--json", "restore", backup, restored, "--dry-run");
    assertThat(dry.json().get("keys").asLong()).isEqualTo(8);
    assertThat(dry.json().get("dryRun").asBoolean()).isTrue();
    Run real = lnkv("--json", "restore", backup, restored);
    assertThat(real.code()).as(real.err()).isZero();
    assertThat(real.json().get("verification").get("clean").asBoolean()).isTrue();
    assertThat(lnkv("verify", backup, restored).code()).isZero();
    assertFails(lnkv("get", restored, "network_graph"), ExitCode.NOT_FOUND, "network_graph");
  }

  @Test
  void tierOptions_putATierStoreTogether_andVerifyDurableOnlyComparesWhatIsBackedUp()
      throws Exception {
    String primary = "sqlite:" + tmp.resolve("node.sqlite");
    String backup = fs2("backup");
    String journal = tmp.resolve("retry.journal").toString();
    String[] tier = {"--backup", backup, "--backup-mode", "SEMI_SYNC", "--retry-journal", journal};
    for (String key : List.of("manager", "monitors/abc_1", "network_graph", "cache/x/1")) {
      String[] args =
          Stream.concat(
                  Stream.of(tier),
                  Stream.of("--ephemeral-namespace", "cache", "put", primary, key, "--value", key))
              .toArray(String[]::new);
      Run r = lnkv(args);
      assertThat(r.code()).as(r.err()).isZero();
    }
    assertThat(lnkv("keys", backup).out().lines().toList())
        .containsExactlyInAnyOrder("manager", "monitors/abc_1");
    assertThat(tmp.resolve("retry.journal")).as("level at exit, journal gone").doesNotExist();
    assertThat(lnkv("verify", primary, backup).code()).isEqualTo(ExitCode.DRIFT);
    Run durable =
        lnkv("--ephemeral-namespace", "cache", "verify", primary, backup, "--durable-only");
    assertThat(durable.code()).as(durable.out()).isZero();
    assertFails(
        lnkv("--backup", backup, "--backup-mode", "SEMI_SYNC", "rm", primary, "manager"),
        ExitCode.USAGE,
        "--retry-journal");
    // reads never consult the backup: a read command opens neither it nor a retry journal
    Path unused = tmp.resolve("unused-backup");
    Run ls = lnkv("--backup", "fs2:" + unused, "--backup-mode", "SEMI_SYNC", "ls", primary);
    assertThat(ls.code()).as(ls.err()).isZero();
    assertThat(ls.out()).contains("manager");
    assertThat(unused).doesNotExist();
  }

  // ---- the demo -----------------------------------------------------------------------------

  @Test
  void demo_runsTheWholeStory_andReportsNoDrift() throws Exception {
    Path dir = tmp.resolve("demo");
    Run r = lnkv("demo", "--dir", dir.toString(), "--payments", "120");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("120 payments over 6 channels")
        .contains("in 121 atomic commits")
        .contains("lost the primary")
        .contains("no drift")
        .contains("6 channel monitors");
    // a second run replaces the first
    assertThat(
            lnkv("--json", "demo", "--dir", dir.toString(), "--payments", "10")
                .json()
                .get("verification")
                .get("clean")
                .asBoolean())
        .isTrue();
    Files.createDirectories(tmp.resolve("mine"));
    Files.writeString(tmp.resolve("mine/notes.txt"), "keep", StandardCharsets.UTF_8);
    assertFails(
        lnkv("demo", "--dir", tmp.resolve("mine").toString()),
        ExitCode.REFUSED,
        "not a demo folder");
    assertThat(tmp.resolve("mine/notes.txt")).hasContent("keep");
  }
}
