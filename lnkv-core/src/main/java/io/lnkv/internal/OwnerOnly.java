package io.lnkv.internal;

import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The permissions every file and folder lnkv creates gets: readable by its owner only, as node
 * state must be, whatever the umask. On a file system without POSIX permissions, none are asked for
 * (the attributes are empty), so that lnkv runs on any {@code java.nio.file} file system.
 */
public final class OwnerOnly {
  private static final FileAttribute<?>[] FILE = {
    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
  };
  private static final FileAttribute<?>[] DIRECTORY = {
    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))
  };
  private static final FileAttribute<?>[] NONE = {};

  private OwnerOnly() {}

  /** The attributes to create a file at {@code where} with. */
  public static FileAttribute<?>[] file(Path where) {
    return posix(where) ? FILE.clone() : NONE;
  }

  /** The attributes to create a directory at {@code where} with. */
  public static FileAttribute<?>[] directory(Path where) {
    return posix(where) ? DIRECTORY.clone() : NONE;
  }

  private static boolean posix(Path where) {
    return where.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
