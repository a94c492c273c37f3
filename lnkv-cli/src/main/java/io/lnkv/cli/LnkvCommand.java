package io.lnkv.cli;

import io.lnkv.NodeStore;
import io.lnkv.tier.RoutingPolicy;
import io.lnkv.tier.TierStore;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** What every subcommand shares: the output and how stores are opened. */
abstract class LnkvCommand implements Callable<Integer> {
  @ParentCommand Lnkv lnkv;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this command's options and exit.")
  boolean helpRequested;

  Output output() {
    return lnkv.output();
  }

  /**
   * Opens an existing store read-only (commands that only read it): no lock or lease is taken and
   * nothing is changed, so a running node's store can be inspected.
   */
  NodeStore reading(String uri) {
    return StoreUri.parse(uri).open(lnkv.table, StoreUri.Access.READ);
  }

  /** Opens a store for writing, creating it if needed (commands that write). */
  NodeStore createIfMissing(String uri) {
    return StoreUri.parse(uri).open(lnkv.table, StoreUri.Access.CREATE);
  }

  /** The routing of LDK's caches plus the user's {@code --ephemeral-namespace}s. */
  RoutingPolicy routing() {
    RoutingPolicy routing = RoutingPolicy.ldkDefault();
    for (String ns : lnkv.ephemeralNamespaces) {
      routing = routing.withEphemeralNamespace(ns);
    }
    return routing;
  }

  /**
   * Opens {@code uri} read-only, with {@code --ephemeral} (read-only too) laid over it as a
   * TierStore does. {@code --backup} is not opened: reads and listings never consult the backup.
   */
  Opened tieredForReading(String uri) {
    NodeStore primary = reading(uri);
    if (lnkv.ephemeral == null) {
      return new Opened(primary, null, output(), lnkv.backupWait);
    }
    NodeStore ephemeral = null;
    try {
      ephemeral = StoreUri.parse(lnkv.ephemeral).open(lnkv.table, StoreUri.Access.READ);
      TierStore tier =
          TierStore.builder(primary).routing(routing()).name("lnkv").ephemeral(ephemeral).build();
      return new Opened(tier, null, output(), lnkv.backupWait);
    } catch (RuntimeException e) {
      primary.close();
      if (ephemeral != null) {
        ephemeral.close();
      }
      throw e;
    }
  }

  /**
   * Opens {@code uri} for writing, as the primary of a TierStore when {@code --backup} or {@code
   * --ephemeral} asks for one (waiting, at close, up to --backup-wait for the backup to be level),
   * else on its own.
   *
   * @param mustExist whether a missing store is an error rather than created
   */
  Opened tiered(String uri, boolean mustExist) {
    StoreUri primaryUri = StoreUri.parse(uri);
    StoreUri backupUri = lnkv.backup == null ? null : StoreUri.parse(lnkv.backup);
    StoreUri ephemeralUri = lnkv.ephemeral == null ? null : StoreUri.parse(lnkv.ephemeral);
    if (backupUri != null
        && lnkv.backupMode == io.lnkv.tier.BackupMode.SEMI_SYNC
        && lnkv.retryJournal == null) {
      throw new IllegalArgumentException("--backup-mode SEMI_SYNC needs --retry-journal FILE");
    }
    NodeStore primary =
        primaryUri.open(
            lnkv.table, mustExist ? StoreUri.Access.WRITE_EXISTING : StoreUri.Access.CREATE);
    if (backupUri == null && ephemeralUri == null) {
      return new Opened(primary, null, output(), lnkv.backupWait);
    }
    NodeStore backup = null;
    NodeStore ephemeral = null;
    try {
      TierStore.Builder b = TierStore.builder(primary).routing(routing()).name("lnkv");
      if (backupUri != null) {
        backup = backupUri.open(lnkv.table, StoreUri.Access.CREATE);
        b.backup(backup, lnkv.backupMode);
        if (lnkv.retryJournal != null) {
          b.retryJournal(lnkv.retryJournal);
        }
      }
      if (ephemeralUri != null) {
        ephemeral = ephemeralUri.open(lnkv.table, StoreUri.Access.CREATE);
        b.ephemeral(ephemeral);
      }
      TierStore tier = b.build();
      return new Opened(tier, tier, output(), lnkv.backupWait);
    } catch (RuntimeException e) {
      for (NodeStore s : new NodeStore[] {primary, backup, ephemeral}) {
        if (s != null) {
          s.close();
        }
      }
      throw e;
    }
  }

  /**
   * A store opened for one command. Closing a TierStore first waits (up to --backup-wait) for its
   * backup to be level, so that the command leaves no write behind; if it is not level by then, the
   * write still took effect on the primary (and in SEMI_SYNC sits in the retry journal for the next
   * open), so the command warns rather than fails.
   */
  static final class Opened implements AutoCloseable {
    final NodeStore store;
    private final TierStore tier;
    private final Output output;
    private final Duration wait;

    Opened(NodeStore store, TierStore tier, Output output, Duration wait) {
      this.store = store;
      this.tier = tier;
      this.output = output;
      this.wait = wait;
    }

    @Override
    public void close() {
      try {
        if (tier != null && !tier.awaitBackup(wait)) {
          output.warn(
              "the primary holds every change; the backup is not level after "
                  + wait.toMillis()
                  + " ms ("
                  + tier.backupStatus()
                  + "). A SEMI_SYNC retry journal brings it level at the next open; else run"
                  + " 'lnkv backfill' or check with 'lnkv verify --durable-only'");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        store.close();
      }
    }
  }
}
