package io.lnkv.testkit.disk;

import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** The {@code java.nio.file} face of a {@link SimulatedDisk}. */
final class SimFileSystem extends FileSystem {
  private static final AtomicLong IDS = new AtomicLong();

  private final SimulatedDisk disk;
  private final SimFileSystemProvider provider;
  private final SimFileStore store;
  private final String id = "disk" + IDS.incrementAndGet();

  SimFileSystem(SimulatedDisk disk) {
    this.disk = disk;
    this.provider = new SimFileSystemProvider(this);
    this.store = new SimFileStore(disk);
  }

  SimulatedDisk disk() {
    return disk;
  }

  String id() {
    return id;
  }

  SimFileStore store() {
    return store;
  }

  @Override
  public FileSystemProvider provider() {
    return provider;
  }

  @Override
  public void close() {
    // nothing to release: the disk lives as long as it is referenced
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public String getSeparator() {
    return "/";
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    return List.of(getPath("/"));
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    return List.of(store);
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return Set.of("basic", "posix");
  }

  @Override
  public Path getPath(String first, String... more) {
    StringBuilder s = new StringBuilder(first);
    for (String m : more) {
      if (!m.isEmpty()) {
        s.append('/').append(m);
      }
    }
    return SimPath.parse(this, s.toString());
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    PathMatcher onDefault = FileSystems.getDefault().getPathMatcher(syntaxAndPattern);
    return path -> onDefault.matches(java.nio.file.Path.of(path.toString()));
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    throw new UnsupportedOperationException("the simulated disk has one user");
  }

  @Override
  public WatchService newWatchService() {
    throw new UnsupportedOperationException("the simulated disk has no watch service");
  }

  @Override
  public String toString() {
    return "simulated disk " + id;
  }
}
