package io.lnkv.cli;

import io.lnkv.spi.AbstractKVStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.ParentCommand;

/** What every subcommand shares: the output and how stores are opened. */
abstract class LnkvCommand implements Callable<Integer> {
  @ParentCommand Lnkv lnkv;

  Output output() {
    return lnkv.output();
  }

  /** Opens a store that must already exist (commands that read). */
  AbstractKVStore existing(String uri) {
    return StoreUri.parse(uri).open(lnkv.table, true);
  }

  /** Opens a store, creating it if needed (commands that write). */
  AbstractKVStore createIfMissing(String uri) {
    return StoreUri.parse(uri).open(lnkv.table, false);
  }
}
