package io.lnkv.cli;

import io.lnkv.NodeStore;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code lnkv settle STORE}: opens an existing store for writing and closes it, changing no key.
 * Opening for writing is what completes a store's own recovery: a filesystem store replays the
 * batches waiting in its commit log, syncs them in and removes the log and its marker (after which
 * LDK's own stores can open the folder); SQLite folds a write-ahead log left by a crash into the
 * database, and upgrades an ldk-node schema of version 1 or 2 (announced). Read commands never do
 * any of this.
 */
@Command(
    name = "settle",
    description =
        "Open STORE for writing and close it, changing no key: completes a commit log or a"
            + " write-ahead log left behind, upgrades an old schema (before handing a folder to"
            + " LDK, or when a read command asks for it).")
final class SettleCommand extends LnkvCommand {
  @Parameters(index = "0", paramLabel = "STORE")
  String store;

  @Override
  public Integer call() {
    StoreUri uri = StoreUri.parse(store);
    try (NodeStore s = uri.open(lnkv.table, StoreUri.Access.WRITE_EXISTING)) {
      output().result(Map.of("settled", s.toString()), "settled " + s);
    }
    return ExitCode.OK;
  }
}
