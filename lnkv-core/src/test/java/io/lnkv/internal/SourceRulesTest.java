package io.lnkv.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rules about the shape of lnkv's main code that no compiler checks, read from the sources of every
 * module of this build (lnkv-core's parent folder): a change that breaks one fails here, naming the
 * file and line.
 */
class SourceRulesTest {
  private static final int LONG_CLASS_LINES = 450;

  /** Opening, committing or rolling back a transaction; a savepoint inside one is the body's. */
  private static final Pattern TRANSACTION_CALL =
      Pattern.compile(
          "\\.setAutoCommit\\(|\\.commit\\(\\)|\\.rollback\\(\\)"
              + "|\"(BEGIN|COMMIT|ROLLBACK|START TRANSACTION|END)\\b");

  private static List<Path> sources;

  @BeforeAll
  static void readTheSources() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent(); // lnkv-core's parent: the build's root
    try (Stream<Path> modules = Files.list(root)) {
      sources =
          modules
              .filter(m -> m.getFileName().toString().startsWith("lnkv-"))
              .map(m -> m.resolve("src/main/java"))
              .filter(Files::isDirectory)
              .flatMap(SourceRulesTest::javaFiles)
              .collect(Collectors.toList());
    }
    assertThat(sources)
        .as("the sources of every module, lnkv-core's to lnkv-cli's")
        .anyMatch(p -> p.endsWith("io/lnkv/sqlite/SqliteStore.java"))
        .anyMatch(p -> p.endsWith("io/lnkv/postgres/PostgresStore.java"))
        .anyMatch(p -> p.endsWith("io/lnkv/vss/server/PostgresVssStorage.java"))
        .anyMatch(p -> p.endsWith("io/lnkv/cli/Lnkv.java"));
  }

  /**
   * Every JDBC transaction (the SQLite and PostgreSQL stores, their schemas and leases, lnkv
   * serve's storage, GroupCommitter) goes through {@link Transactions}, whose rule keeps the
   * failure that happened when a rollback fails too. A second hand-written transaction would miss
   * that rule, as three of the four copies once did. Savepoints inside a transaction's body, as
   * GroupCommitter's, are the body's own: they neither open nor end the transaction.
   */
  @Test
  void onlyTransactionsOpensCommitsOrRollsBack() {
    List<String> elsewhere =
        sources.stream()
            .filter(p -> !p.endsWith("io/lnkv/internal/Transactions.java"))
            .filter(p -> lines(p).stream().anyMatch(l -> l.startsWith("import java.sql.")))
            .flatMap(SourceRulesTest::transactionCalls)
            .collect(Collectors.toList());
    assertThat(elsewhere).as("transactions run outside io.lnkv.internal.Transactions").isEmpty();
  }

  /**
   * A class over {@value #LONG_CLASS_LINES} lines says in its class comment why it is long, in a
   * sentence beginning "Long because", so that a reader knows whether its length is a job's or a
   * class that should be split.
   */
  @Test
  void aLongClass_saysWhyItIsLong() {
    List<String> unexplained =
        sources.stream()
            .filter(p -> lines(p).size() > LONG_CLASS_LINES)
            .filter(p -> lines(p).stream().noneMatch(l -> l.contains("Long because")))
            .map(p -> p + " (" + lines(p).size() + " lines)")
            .collect(Collectors.toList());
    assertThat(unexplained).as("classes over 450 lines without a 'Long because'").isEmpty();
  }

  private static Stream<String> transactionCalls(Path file) {
    List<String> lines = lines(file);
    return IntStream.range(0, lines.size())
        .filter(i -> TRANSACTION_CALL.matcher(lines.get(i)).find())
        .mapToObj(i -> file + ":" + (i + 1) + ": " + lines.get(i).strip());
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
}
