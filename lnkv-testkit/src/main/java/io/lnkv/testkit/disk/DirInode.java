package io.lnkv.testkit.disk;

import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A directory: the names a reader sees now, the names on the platter, and the name changes in
 * between (creates, unlinks, either half of a rename), in order. An fsync of the directory makes
 * its changes durable; nothing else does. Guarded by the disk's lock.
 */
final class DirInode extends Inode {
  /**
   * One change of a name in this directory, part of {@code op}: a rename is one op with a change in
   * each directory it touches, so a random image applies both halves or neither.
   */
  record NameChange(long op, String name, Inode target) {}

  final TreeMap<String, Inode> entries = new TreeMap<>();
  private TreeMap<String, Inode> durable = new TreeMap<>();
  private final List<NameChange> pending = new ArrayList<>();

  DirInode(long id, FileTime mtime, Set<PosixFilePermission> permissions) {
    super(id, mtime, permissions);
  }

  @Override
  long size() {
    return 4096;
  }

  Inode get(String name) {
    return entries.get(name);
  }

  void link(long op, String name, Inode target) {
    entries.put(name, target);
    pending.add(new NameChange(op, name, target));
  }

  void unlink(long op, String name) {
    entries.remove(name);
    pending.add(new NameChange(op, name, null));
  }

  void sync() {
    for (NameChange c : pending) {
      applyTo(durable, c);
    }
    pending.clear();
  }

  void dropPending() {
    pending.clear();
  }

  /** The names after a power cut: the durable ones, plus the pending changes of chosen ops. */
  Map<String, Inode> imageEntries(Predicate<Long> opSurvives) {
    TreeMap<String, Inode> out = new TreeMap<>(durable);
    for (NameChange c : pending) {
      if (opSurvives.test(c.op())) {
        applyTo(out, c);
      }
    }
    return out;
  }

  /** Makes every current name durable (a directory of an image after a power cut). */
  void markAllDurable() {
    durable = new TreeMap<>(entries);
    pending.clear();
  }

  private static void applyTo(Map<String, Inode> names, NameChange c) {
    if (c.target() == null) {
      names.remove(c.name());
    } else {
      names.put(c.name(), c.target());
    }
  }
}
