package io.lnkv.testkit.disk;

import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** A file or a directory of a {@link SimulatedDisk}. Guarded by the disk's lock. */
abstract sealed class Inode permits FileInode, DirInode {
  final long id;
  FileTime mtime;
  Set<PosixFilePermission> permissions;

  Inode(long id, FileTime mtime, Set<PosixFilePermission> permissions) {
    this.id = id;
    this.mtime = mtime;
    this.permissions =
        permissions.isEmpty()
            ? EnumSet.noneOf(PosixFilePermission.class)
            : EnumSet.copyOf(permissions);
  }

  abstract long size();
}
