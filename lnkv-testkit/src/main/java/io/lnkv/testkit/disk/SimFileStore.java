package io.lnkv.testkit.disk;

import java.nio.file.FileStore;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;

/** The one file store of a {@link SimulatedDisk}: its space is the disk's capacity. */
final class SimFileStore extends FileStore {
  private final SimulatedDisk disk;

  SimFileStore(SimulatedDisk disk) {
    this.disk = disk;
  }

  @Override
  public String name() {
    return "simulated";
  }

  @Override
  public String type() {
    return "simulated";
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public long getTotalSpace() {
    return disk.usableSpace();
  }

  @Override
  public long getUsableSpace() {
    return disk.usableSpace();
  }

  @Override
  public long getUnallocatedSpace() {
    return disk.usableSpace();
  }

  @Override
  public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
    return type == BasicFileAttributeView.class || type == PosixFileAttributeView.class;
  }

  @Override
  public boolean supportsFileAttributeView(String name) {
    return name.equals("basic") || name.equals("posix");
  }

  @Override
  public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
    return null;
  }

  @Override
  public Object getAttribute(String attribute) {
    throw new UnsupportedOperationException("no file store attribute " + attribute);
  }
}
