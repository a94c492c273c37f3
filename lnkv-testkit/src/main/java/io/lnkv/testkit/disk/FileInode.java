package io.lnkv.testkit.disk;

import java.nio.ByteBuffer;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A regular file: what a reader sees now (the page cache), what is on the platter, and the changes
 * in between, in the order they were made. {@link #sync} moves changes from the one to the other; a
 * failed sync drops them (Linux marks the pages clean after a writeback error, so a later fsync
 * that succeeds does not bring them back). Guarded by the disk's lock.
 */
final class FileInode extends Inode {
  /** A change not yet durable. */
  sealed interface Change {}

  record Write(long at, byte[] bytes) implements Change {}

  record Truncate(long size) implements Change {}

  record Times(FileTime mtime) implements Change {}

  private byte[] data = new byte[0];
  private int size;
  private byte[] durable = new byte[0];
  // Bytes once durable past the durable size (a truncation freed them): what a region the file
  // regrows into may show after a power cut, when its size got out and its data did not.
  private byte[] stale = new byte[0];
  private FileTime durableMtime;
  private final List<Change> pending = new ArrayList<>();

  FileInode(long id, FileTime mtime, Set<PosixFilePermission> permissions) {
    super(id, mtime, permissions);
    this.durableMtime = mtime;
  }

  /** A file whose every byte is durable (an image after a power cut). */
  static FileInode durable(long id, byte[] bytes, FileTime mtime, Set<PosixFilePermission> perms) {
    FileInode f = new FileInode(id, mtime, perms);
    f.data = bytes.clone();
    f.size = bytes.length;
    f.durable = bytes.clone();
    return f;
  }

  /** {@link #durable}, keeping the stale blocks of {@code from} and those its image cut off. */
  private FileInode imageOf(long id, byte[] bytes, FileTime time) {
    FileInode f = durable(id, bytes, time, permissions);
    f.stale = freed(stale, durable, bytes.length);
    return f;
  }

  /** {@code stale} with the bytes of {@code contents} past {@code newSize} laid over it. */
  private static byte[] freed(byte[] stale, byte[] contents, int newSize) {
    if (contents.length <= newSize) {
      return stale;
    }
    byte[] out = Arrays.copyOf(stale, Math.max(stale.length, contents.length));
    System.arraycopy(contents, newSize, out, newSize, contents.length - newSize);
    return out;
  }

  @Override
  long size() {
    return size;
  }

  int read(ByteBuffer dst, long at) {
    if (at >= size) {
      return -1;
    }
    int n = (int) Math.min(dst.remaining(), size - at);
    dst.put(data, (int) at, n);
    return n;
  }

  byte[] contents() {
    return Arrays.copyOf(data, size);
  }

  void write(long at, byte[] bytes) {
    data = applyWrite(data, size, at, bytes);
    size = (int) Math.max(size, at + bytes.length);
    pending.add(new Write(at, bytes));
  }

  void truncate(long newSize) {
    if (newSize < size) {
      Arrays.fill(data, (int) newSize, size, (byte) 0);
      size = (int) newSize;
    }
    pending.add(new Truncate(newSize));
  }

  void setMtime(FileTime time) {
    mtime = time;
    pending.add(new Times(time));
  }

  /**
   * fsync ({@code metadata}) or fdatasync: the data changes become durable, and with {@code
   * metadata} the mtime too (fdatasync may leave it behind).
   */
  void sync(boolean metadata) {
    List<Change> left = new ArrayList<>();
    for (Change c : pending) {
      if (c instanceof Times t) {
        if (metadata) {
          durableMtime = t.mtime();
        } else {
          left.add(c);
        }
      } else {
        if (c instanceof Truncate t) {
          stale = freed(stale, durable, (int) Math.min(t.size(), durable.length));
        }
        durable = apply(durable, c);
      }
    }
    pending.clear();
    pending.addAll(left);
  }

  /** A failed fsync: the kernel dropped the dirty pages; they never reach the platter. */
  void dropPending() {
    pending.clear();
  }

  /** The contents after a power cut that kept nothing unsynced. */
  FileInode strictImage(long newId) {
    return imageOf(newId, durable, durableMtime);
  }

  /**
   * The contents after a power cut that kept a random prefix of the unsynced changes, the last
   * write torn at a sector boundary, its remainder absent or (when it extended the file) zeros.
   */
  FileInode randomImage(long newId, SplittableRandom random) {
    byte[] bytes = durable.clone();
    FileTime time = durableMtime;
    int keep = random.nextInt(pending.size() + 1);
    for (int i = 0; i < keep; i++) {
      Change c = pending.get(i);
      if (c instanceof Times t) {
        time = t.mtime();
      } else if (i == keep - 1 && c instanceof Write w && w.bytes().length > 0) {
        bytes = apply(bytes, torn(w, random));
      } else {
        bytes = apply(bytes, c);
      }
    }
    return imageOf(newId, bytes, time);
  }

  /**
   * The contents after a power cut that wrote the unsynced changes back out of order: each sector
   * (or, by the seed, each 4 KiB page) shows its durable bytes or the page cache's, independently;
   * the size is the durable one or the page cache's; and a region past the durable size whose data
   * did not get out reads as zeros or, by the seed, as the stale bytes a truncation freed there.
   */
  FileInode reorderedImage(long newId, SplittableRandom random) {
    if (pending.isEmpty()) {
      return strictImage(newId);
    }
    int unit = random.nextBoolean() ? SimulatedDisk.SECTOR : SimulatedDisk.PAGE;
    int imageSize = random.nextBoolean() ? size : durable.length;
    boolean showStale = random.nextBoolean();
    byte[] bytes = new byte[imageSize];
    for (int from = 0; from < imageSize; from += unit) {
      boolean written = random.nextBoolean();
      for (int i = from, to = Math.min(from + unit, imageSize); i < to; i++) {
        if (written && i < size) {
          bytes[i] = data[i];
        } else if (i < durable.length) {
          bytes[i] = durable[i];
        } else if (showStale && i < stale.length) {
          bytes[i] = stale[i];
        }
      }
    }
    return imageOf(newId, bytes, random.nextBoolean() ? mtime : durableMtime);
  }

  private static Write torn(Write w, SplittableRandom random) {
    long end = w.at() + w.bytes().length;
    List<Long> cuts = new ArrayList<>();
    for (long b = (w.at() / SimulatedDisk.SECTOR + 1) * SimulatedDisk.SECTOR;
        b < end;
        b += SimulatedDisk.SECTOR) {
      cuts.add(b);
    }
    cuts.add(end);
    long cut = cuts.get(random.nextInt(cuts.size()));
    byte[] kept = Arrays.copyOf(w.bytes(), (int) (cut - w.at()));
    if (cut < end && random.nextBoolean()) {
      kept = Arrays.copyOf(kept, w.bytes().length); // the size reached the disk, the data did not
    }
    return new Write(w.at(), kept);
  }

  private static byte[] apply(byte[] bytes, Change c) {
    if (c instanceof Write w) {
      return Arrays.copyOf(
          applyWrite(bytes, bytes.length, w.at(), w.bytes()),
          (int) Math.max(bytes.length, w.at() + w.bytes().length));
    }
    if (c instanceof Truncate t) {
      return t.size() < bytes.length ? Arrays.copyOf(bytes, (int) t.size()) : bytes;
    }
    return bytes;
  }

  private static byte[] applyWrite(byte[] buffer, int size, long at, byte[] bytes) {
    long end = at + bytes.length;
    if (end > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("the simulated disk holds files up to 2 GiB");
    }
    byte[] out = buffer;
    if (end > buffer.length) {
      out = Arrays.copyOf(buffer, (int) Math.max(end, Math.min(Integer.MAX_VALUE - 8, 2L * size)));
    }
    System.arraycopy(bytes, 0, out, (int) at, bytes.length);
    return out;
  }
}
