package io.lnkv.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every JDBC transaction in lnkv's main code (the SQLite and PostgreSQL stores, their schemas and
 * leases, lnkv serve's storage, GroupCommitter) goes through {@link Transactions}, whose rule keeps
 * the failure that happened when a rollback fails too. A second hand-written transaction would miss
 * that rule, as three of the four copies once did. The check reads the sources of every module of
 * this build: a call that opens, commits or rolls back a transaction anywhere but in {@code
 * Transactions} fails it.
 */
class OneTransactionHelperTest {
  /** Opening, committing or rolling back a transaction; a savepoint inside one is the body's. */
  private static final Pattern TRANSACTION_CALL =
      Pattern.compile(
          "\\.setAutoCommit\\(|\\.commit\\(\\)|\\.rollback\\(\\)"
              + "|\"(BEGIN|COMMIT|ROLLBACK|START TRANSACTION|END)\\b");

  @Test
  void onlyTransactionsOpensCommitsOrRollsBack() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent(); // lnkv-core's parent: the build's root
    List<Path> sources;
    try (Stream<Path> modules = Files.list(root)) {
      sources =
          modules
              .filter(m -> m.getFileName().toString().startsWith("lnkv-"))
              .map(m -> m.resolve("src/main/java"))
              .filter(Files::isDirectory)
              .flatMap(OneTransactionHelperTest::javaFiles)
              .collect(Collectors.toList());
    }
    assertThat(sources)
        .as("the sources of lnkv-core, lnkv-sqlite, lnkv-postgres and lnkv-vss-server")
        .anyMatch(p -> p.endsWith("io/lnkv/sqlite/SqliteStore.java"))
        .anyMatch(p -> p.endsWith("io/lnkv/postgres/PostgresStore.java"))
        .anyMatch(p -> p.endsWith("io/lnkv/vss/server/PostgresVssStorage.java"));
    List<String> elsewhere =
        sources.stream()
            .filter(p -> !p.endsWith("io/lnkv/internal/Transactions.java"))
            .flatMap(OneTransactionHelperTest::transactionCalls)
            .collect(Collectors.toList());
    assertThat(elsewhere).as("transactions run outside io.lnkv.internal.Transactions").isEmpty();
  }

  private static Stream<Path> javaFiles(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(f -> f.toString().endsWith(".java"))
          .collect(Collectors.toList())
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Stream<String> transactionCalls(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      if (lines.stream().noneMatch(l -> l.startsWith("import java.sql."))) {
        return Stream.empty(); // no JDBC here (QueuedStore's commit() is not a transaction's)
      }
      return java.util.stream.IntStream.range(0, lines.size())
          .filter(i -> TRANSACTION_CALL.matcher(lines.get(i)).find())
          .mapToObj(i -> file + ":" + (i + 1) + ": " + lines.get(i).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
