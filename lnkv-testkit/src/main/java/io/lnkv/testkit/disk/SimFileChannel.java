package io.lnkv.testkit.disk;

import io.lnkv.testkit.disk.SimulatedDisk.Operation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A channel to a file or (read-only, for {@link #force}) a directory of a {@link SimulatedDisk}.
 * Every call takes the disk's lock.
 */
final class SimFileChannel extends FileChannel {
  private final SimulatedDisk disk;
  private final Inode inode;
  private final Path path;
  private final boolean readable;
  private final boolean writable;
  private final boolean append;
  private final boolean syncEachWrite;
  private long position;

  SimFileChannel(
      SimulatedDisk disk,
      Inode inode,
      Path path,
      boolean readable,
      boolean writable,
      boolean append,
      boolean syncEachWrite) {
    this.disk = disk;
    this.inode = inode;
    this.path = path;
    this.readable = readable;
    this.writable = writable;
    this.append = append;
    this.syncEachWrite = syncEachWrite;
  }

  private FileInode file() throws IOException {
    if (inode instanceof FileInode f) {
      return f;
    }
    throw new FileSystemException(path.toString(), null, "Is a directory");
  }

  private void checkOpen() throws IOException {
    if (!isOpen()) {
      throw new java.nio.channels.ClosedChannelException();
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    synchronized (disk) {
      int n = read(dst, position);
      if (n > 0) {
        position += n;
      }
      return n;
    }
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      int n = read(dsts[i]);
      if (n < 0) {
        return total == 0 ? -1 : total;
      }
      total += n;
      if (dsts[i].hasRemaining()) {
        break;
      }
    }
    return total;
  }

  @Override
  public int read(ByteBuffer dst, long at) throws IOException {
    synchronized (disk) {
      checkOpen();
      disk.checkOn();
      if (!readable) {
        throw new NonReadableChannelException();
      }
      if (!dst.hasRemaining()) {
        return 0;
      }
      return file().read(dst, at);
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    synchronized (disk) {
      long at = append ? file().size() : position;
      int n = write(src, at);
      position = at + n;
      return n;
    }
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      total += write(srcs[i]);
    }
    return total;
  }

  @Override
  public int write(ByteBuffer src, long at) throws IOException {
    synchronized (disk) {
      checkOpen();
      if (!writable) {
        throw new NonWritableChannelException();
      }
      FileInode f = file();
      byte[] bytes = new byte[src.remaining()];
      disk.step(Operation.WRITE, path);
      disk.checkSpace(at + bytes.length - f.size());
      src.get(bytes);
      f.write(at, bytes);
      if (syncEachWrite) {
        disk.step(Operation.FSYNC, path);
        f.sync(true);
      }
      return bytes.length;
    }
  }

  @Override
  public long position() throws IOException {
    synchronized (disk) {
      checkOpen();
      return position;
    }
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    synchronized (disk) {
      checkOpen();
      position = newPosition;
      return this;
    }
  }

  @Override
  public long size() throws IOException {
    synchronized (disk) {
      checkOpen();
      disk.checkOn();
      return inode.size();
    }
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    synchronized (disk) {
      checkOpen();
      if (!writable) {
        throw new NonWritableChannelException();
      }
      FileInode f = file();
      disk.step(Operation.TRUNCATE, path);
      if (size < f.size()) {
        f.truncate(size);
      }
      position = Math.min(position, size);
      return this;
    }
  }

  @Override
  public void force(boolean metaData) throws IOException {
    synchronized (disk) {
      checkOpen();
      try {
        disk.step(Operation.FSYNC, path);
      } catch (IOException e) {
        if (!disk.poweredOff()) {
          // a failed fsync: the kernel has dropped the dirty pages (see the class comment)
          if (inode instanceof FileInode f) {
            f.dropPending();
          } else {
            ((DirInode) inode).dropPending();
            disk.directorySyncFailed(path);
          }
        }
        throw e;
      }
      if (disk.fsyncIgnored(path)) {
        return;
      }
      if (inode instanceof FileInode f) {
        f.sync(metaData);
      } else {
        ((DirInode) inode).sync();
      }
    }
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(count, 1 << 20));
    int n = read(buf, position);
    if (n <= 0) {
      return 0;
    }
    buf.flip();
    return target.write(buf);
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(count, 1 << 20));
    int n = src.read(buf);
    if (n <= 0) {
      return 0;
    }
    buf.flip();
    return write(buf, position);
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) {
    throw new UnsupportedOperationException("the simulated disk does not map files");
  }

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    FileLock lock = tryLock(position, size, shared);
    if (lock == null) {
      throw new IOException("the simulated disk does not block on locks: " + path + " is locked");
    }
    return lock;
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    synchronized (disk) {
      checkOpen();
      disk.checkOn();
      synchronized (disk) {
        List<FileLock> held = disk.locks.computeIfAbsent(inode, i -> new ArrayList<>());
        for (FileLock l : held) {
          if (l.isValid() && l.overlaps(position, size) && !(shared && l.isShared())) {
            return null; // another holder: as another process, tryLock says no
          }
        }
        SimLock lock = new SimLock(this, position, size, shared);
        held.add(lock);
        return lock;
      }
    }
  }

  @Override
  protected void implCloseChannel() {
    synchronized (disk) {
      List<FileLock> held = disk.locks.get(inode);
      if (held != null) {
        held.removeIf(l -> l.channel() == this);
        if (held.isEmpty()) {
          disk.locks.remove(inode);
        }
      }
    }
  }

  private final class SimLock extends FileLock {
    private boolean valid = true;

    SimLock(FileChannel channel, long position, long size, boolean shared) {
      super(channel, position, size, shared);
    }

    @Override
    public boolean isValid() {
      synchronized (disk) {
        return valid && channel().isOpen();
      }
    }

    @Override
    public void release() {
      synchronized (disk) {
        valid = false;
        List<FileLock> held = disk.locks.get(inode);
        if (held != null) {
          held.remove(this);
        }
      }
    }
  }
}
