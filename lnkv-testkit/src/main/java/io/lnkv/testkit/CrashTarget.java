package io.lnkv.testkit;

import io.lnkv.KVStore;
import java.nio.file.Path;

/**
 * How the crash harness opens the store under test, in the child process it kills and in the parent
 * that checks what survived. Implementations need a public no-argument constructor: the child
 * creates one by class name.
 */
public interface CrashTarget {
  /** Opens (creating if needed) the store kept in {@code dir}. */
  KVStore open(Path dir);
}
