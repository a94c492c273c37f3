package io.lnkv.cli;

import io.lnkv.ConflictException;
import io.lnkv.IncompatibleStoreException;
import io.lnkv.InvalidKeyException;
import io.lnkv.KeyNotFoundException;
import io.lnkv.StoreLockedException;
import io.lnkv.StoreNotFoundException;

/** The exit codes scripts can rely on; listed in {@code lnkv --help}. */
final class ExitCode {
  static final int OK = 0;

  /** verify found drift. */
  static final int DRIFT = 1;

  /** bad arguments: unknown option, bad store URI, invalid key. */
  static final int USAGE = 2;

  /** the key or the store does not exist. */
  static final int NOT_FOUND = 3;

  /**
   * refused: locked by another process, wrong layout, non-empty target, lease taken, a link or a
   * foreign file where lnkv writes.
   */
  static final int REFUSED = 4;

  /** the operation failed (I/O, damaged data, unreachable server). */
  static final int FAILED = 5;

  static final String HELP =
      "Exit codes: 0 done; 1 verify found drift; 2 bad arguments (option, store URI, key);"
          + " 3 no such key or store; 4 refused (locked, wrong layout, non-empty target);"
          + " 5 failed (I/O, damaged data, server).";

  private ExitCode() {}

  /** The exit code for a failure. */
  static int of(Throwable t) {
    if (t instanceof InvalidKeyException || t instanceof IllegalArgumentException) {
      return USAGE;
    }
    if (t instanceof KeyNotFoundException || t instanceof StoreNotFoundException) {
      return NOT_FOUND;
    }
    if (t instanceof StoreLockedException
        || t instanceof IncompatibleStoreException
        || t instanceof ConflictException
        || t instanceof io.lnkv.UnsafeFileException
        || t instanceof IllegalStateException) {
      return REFUSED;
    }
    return FAILED;
  }
}
