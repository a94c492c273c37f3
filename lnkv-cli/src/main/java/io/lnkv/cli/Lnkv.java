package io.lnkv.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code lnkv}: inspect, migrate, verify, back up and restore a Lightning node's state in any lnkv
 * store, run the demo and the benchmarks. Errors print one line ({@code lnkv: ...}) and exit with a
 * code from {@link ExitCode}; {@code --verbose} adds the stack trace.
 */
@Command(
    name = "lnkv",
    mixinStandardHelpOptions = true,
    version = "lnkv 0.1.0",
    description = "Inspect, migrate, verify, back up and restore Lightning node state.",
    footer = {
      "",
      "Stores: " + StoreUri.FORMS + ".",
      "Keys: key, primary/key or primary/secondary/key (as 'lnkv keys' prints them).",
      ExitCode.HELP
    },
    subcommands = {
      DataCommands.Ls.class,
      DataCommands.Get.class,
      DataCommands.Put.class,
      DataCommands.Rm.class,
      DataCommands.PageCommand.class,
      DataCommands.Keys.class,
      DataCommands.Stat.class,
      SettleCommand.class,
      CopyCommands.Migrate.class,
      CopyCommands.Verify.class,
      CopyCommands.Backfill.class,
      CopyCommands.RestoreCommand.class,
      BenchCommand.class,
      DemoCommand.class,
      ServeCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Lnkv {
  @Option(
      names = "--json",
      scope = ScopeType.INHERIT,
      description = "Print results as JSON, for scripts.")
  boolean json;

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Print the stack trace of an error, and log more.")
  boolean verbose;

  @Option(
      names = "--table",
      scope = ScopeType.INHERIT,
      paramLabel = "NAME",
      description =
          "The table of sqlite: and postgres: stores (default: the SQLite file's ldk_node_data or"
              + " ldk_data table; ldk_data for PostgreSQL).")
  String table;

  @Option(
      names = "--backup",
      scope = ScopeType.INHERIT,
      paramLabel = "URI",
      description =
          "For put and rm: put a TierStore together, with this backup (created if missing)"
              + " behind STORE. Read commands open STORE alone: reads never consult the backup.")
  String backup;

  @Option(
      names = "--backup-mode",
      scope = ScopeType.INHERIT,
      paramLabel = "MODE",
      description = "SYNC (default), SEMI_SYNC (needs --retry-journal) or ASYNC.")
  io.lnkv.tier.BackupMode backupMode = io.lnkv.tier.BackupMode.SYNC;

  @Option(
      names = "--backup-wait",
      scope = ScopeType.INHERIT,
      paramLabel = "DURATION",
      converter = Durations.class,
      description =
          "How long a write command waits at exit for the backup to be level (default 30s); past"
              + " it, the command warns (the primary has the change) and exits 0.")
  java.time.Duration backupWait = java.time.Duration.ofSeconds(30);

  @Option(
      names = "--retry-journal",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description = "The TierStore's retry journal (SEMI_SYNC).")
  java.nio.file.Path retryJournal;

  @Option(
      names = "--ephemeral",
      scope = ScopeType.INHERIT,
      paramLabel = "URI",
      description = "With --backup or alone: the tier for LDK's rebuildable caches.")
  String ephemeral;

  @Option(
      names = "--ephemeral-namespace",
      scope = ScopeType.INHERIT,
      paramLabel = "NS",
      description =
          "A primary namespace of rebuildable data besides LDK's caches: not backed up, restored"
              + " or verified with --durable-only (repeatable).")
  java.util.List<String> ephemeralNamespaces = new java.util.ArrayList<>();

  private Output output;
  private boolean interactive;

  Output output() {
    if (output == null) {
      throw new IllegalStateException("no output");
    }
    return output;
  }

  /** Runs the command with the JVM's streams and exits with its code. */
  public static void main(String[] args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
    }
    if (System.getProperty("org.slf4j.simpleLogger.log.io.lnkv.vss.server.requests") == null) {
      // lnkv serve's access log: one line per request at INFO, as the README says
      System.setProperty("org.slf4j.simpleLogger.log.io.lnkv.vss.server.requests", "info");
    }
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code;
    try {
      code = run(out, err, System.console() != null, args);
    } catch (OutOfMemoryError e) {
      // exit 1 means drift to scripts: an Error must not end in the JVM's default exit code
      err.println(
          "lnkv: out of memory ("
              + e.getMessage()
              + "); give the JVM more heap (JAVA_TOOL_OPTIONS=-Xmx2g) or work on less at once");
      code = ExitCode.FAILED;
    } catch (Error e) {
      err.println("lnkv: " + e);
      code = ExitCode.FAILED;
    }
    System.exit(code);
  }

  /**
   * Runs {@code lnkv args}, printing to {@code out} and {@code err}.
   *
   * @param interactive whether progress bars may be drawn (standard error is a terminal)
   * @return the exit code
   */
  public static int run(PrintWriter out, PrintWriter err, boolean interactive, String... args) {
    Lnkv root = new Lnkv();
    root.interactive = interactive;
    CommandLine cli = new CommandLine(root);
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionStrategy(
        parsed -> {
          root.output = new Output(out, err, root.json, root.interactive);
          return new CommandLine.RunLast().execute(parsed);
        });
    cli.setParameterExceptionHandler(
        (e, a) -> {
          err.println("lnkv: " + io.lnkv.internal.Secrets.mask(e.getMessage()));
          err.println("Try 'lnkv --help' or 'lnkv " + subcommandOf(e) + "--help'.");
          err.flush();
          return ExitCode.USAGE;
        });
    cli.setExecutionExceptionHandler(
        (e, parsed, result) -> {
          int code = ExitCode.of(e);
          err.println(root.json ? Output.jsonError(oneLine(e), code) : "lnkv: " + oneLine(e));
          if (root.verbose) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            err.print(trace);
          }
          err.flush();
          return code;
        });
    return cli.execute(args);
  }

  private static String subcommandOf(CommandLine.ParameterException e) {
    CommandLine c = e.getCommandLine();
    return c == null || c.getParent() == null ? "" : c.getCommandName() + " ";
  }

  /**
   * The message of an error on one line (messages of lnkv's exceptions say what to do), its
   * passwords masked: a library's message (a driver's, the JDK's) may quote a URI whole.
   */
  static String oneLine(Throwable e) {
    String m = e.getMessage() != null ? e.getMessage() : e.toString();
    return io.lnkv.internal.Secrets.mask(m.replace('\n', ' '));
  }
}
