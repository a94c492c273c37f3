package io.lnkv;

/**
 * Thrown when a file lnkv is about to create or write (a lock file, a commit log, a retry journal,
 * a marker, a value file, an output file) is a symbolic link, a hard link to another file, or not a
 * regular file. lnkv never writes through such a name: someone who can write the folder could
 * otherwise have node state written into a file of their choosing. Nothing was written. The message
 * names the file and what is there; remove it (lnkv creates these files itself).
 */
public final class UnsafeFileException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** A refusal described by {@code message}; nothing was written. */
  public UnsafeFileException(String message) {
    super(message, null, false);
  }
}
