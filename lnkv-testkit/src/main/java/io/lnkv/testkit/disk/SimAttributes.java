package io.lnkv.testkit.disk;

import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;

/** A snapshot of an inode's attributes. */
record SimAttributes(
    long id, boolean directory, long size, FileTime mtime, Set<PosixFilePermission> perms)
    implements PosixFileAttributes {
  /** The disk's one user and group. */
  enum Owner implements UserPrincipal, GroupPrincipal {
    OWNER;

    @Override
    public String getName() {
      return "owner";
    }
  }

  static SimAttributes of(Inode inode) {
    return new SimAttributes(
        inode.id,
        inode instanceof DirInode,
        inode.size(),
        inode.mtime,
        Set.copyOf(inode.permissions));
  }

  @Override
  public FileTime lastModifiedTime() {
    return mtime;
  }

  @Override
  public FileTime lastAccessTime() {
    return mtime;
  }

  @Override
  public FileTime creationTime() {
    return mtime;
  }

  @Override
  public boolean isRegularFile() {
    return !directory;
  }

  @Override
  public boolean isDirectory() {
    return directory;
  }

  @Override
  public boolean isSymbolicLink() {
    return false;
  }

  @Override
  public boolean isOther() {
    return false;
  }

  @Override
  public Object fileKey() {
    return id;
  }

  @Override
  public UserPrincipal owner() {
    return Owner.OWNER;
  }

  @Override
  public GroupPrincipal group() {
    return Owner.OWNER;
  }

  @Override
  public Set<PosixFilePermission> permissions() {
    return perms;
  }
}
