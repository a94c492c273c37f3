package io.lnkv.testkit.disk;

import io.lnkv.testkit.disk.SimulatedDisk.Operation;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

// Why this file is long (~490 lines): it implements the JDK's FileSystemProvider, whose every
// method a store may call (channels, directories, moves, attributes) must behave as a real file
// system's; the inodes, channels and the power-cut model are in their own classes.
/**
 * The file operations of a {@link SimulatedDisk}, each under the disk's lock.
 *
 * <p>Long because java.nio's {@code FileSystemProvider} is a wide interface, and each of its
 * methods must follow the disk model's rules for what is cached and what is durable.
 */
final class SimFileSystemProvider extends FileSystemProvider {
  static final String SCHEME = "lnkvsim";

  private final SimFileSystem fs;
  private final SimulatedDisk disk;

  SimFileSystemProvider(SimFileSystem fs) {
    this.fs = fs;
    this.disk = fs.disk();
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
    throw new UnsupportedOperationException("create a disk with SimulatedDisk.create()");
  }

  @Override
  public FileSystem getFileSystem(URI uri) {
    return fs;
  }

  @Override
  public Path getPath(URI uri) {
    return fs.getPath(uri.getPath());
  }

  // ---- lookups (under the disk's lock) ----

  private List<String> namesOf(Path path) {
    return SimPath.of(path).toAbsolutePath().normalize() instanceof SimPath p
        ? p.names()
        : List.of();
  }

  /** The inode at {@code path}, or null. */
  private Inode lookup(Path path) {
    Inode at = disk.root;
    for (String name : namesOf(path)) {
      if (!(at instanceof DirInode d)) {
        return null;
      }
      at = d.get(name);
      if (at == null) {
        return null;
      }
    }
    return at;
  }

  private Inode existing(Path path) throws IOException {
    disk.checkOn();
    Inode inode = lookup(path);
    if (inode == null) {
      throw new NoSuchFileException(path.toString());
    }
    return inode;
  }

  /** The directory that holds {@code path}'s name. */
  private DirInode parentOf(Path path) throws IOException {
    List<String> names = namesOf(path);
    if (names.isEmpty()) {
      throw new FileSystemException(path.toString(), null, "the root has no parent");
    }
    Inode parent = lookup(fs.getPath("/" + String.join("/", names.subList(0, names.size() - 1))));
    if (parent == null) {
      throw new NoSuchFileException(path.toString());
    }
    if (!(parent instanceof DirInode d)) {
      throw new FileSystemException(path.toString(), null, "Not a directory");
    }
    return d;
  }

  private String nameOf(Path path) {
    List<String> names = namesOf(path);
    return names.get(names.size() - 1);
  }

  private static Set<PosixFilePermission> permissions(
      FileAttribute<?>[] attrs, Set<PosixFilePermission> defaults) {
    Set<PosixFilePermission> perms = defaults;
    for (FileAttribute<?> a : attrs) {
      if (!a.name().equals("posix:permissions")) {
        throw new UnsupportedOperationException("attribute " + a.name() + " is not supported");
      }
      @SuppressWarnings("unchecked")
      Set<PosixFilePermission> given = (Set<PosixFilePermission>) a.value();
      perms = given;
    }
    return perms;
  }

  private static FileTime now() {
    return FileTime.fromMillis(System.currentTimeMillis());
  }

  // ---- channels ----

  @Override
  public SeekableByteChannel newByteChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
    return newFileChannel(path, options, attrs);
  }

  @Override
  public FileChannel newFileChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
    boolean append = options.contains(StandardOpenOption.APPEND);
    boolean write = append || options.contains(StandardOpenOption.WRITE);
    boolean read = options.contains(StandardOpenOption.READ) || !write;
    boolean createNew = write && options.contains(StandardOpenOption.CREATE_NEW);
    boolean create = write && (createNew || options.contains(StandardOpenOption.CREATE));
    boolean sync =
        options.contains(StandardOpenOption.SYNC) || options.contains(StandardOpenOption.DSYNC);
    if (options.contains(StandardOpenOption.DELETE_ON_CLOSE)) {
      throw new UnsupportedOperationException("DELETE_ON_CLOSE");
    }
    synchronized (disk) {
      disk.checkOn();
      Inode inode = lookup(path);
      if (inode != null && createNew) {
        throw new FileAlreadyExistsException(path.toString());
      }
      if (inode == null) {
        if (!create) {
          throw new NoSuchFileException(path.toString());
        }
        DirInode parent = parentOf(path);
        disk.step(Operation.CREATE, path);
        inode = new FileInode(disk.newId(), now(), permissions(attrs, SimulatedDisk.DEFAULT_FILE));
        parent.link(disk.newOp(), nameOf(path), inode);
      } else if (inode instanceof DirInode) {
        if (write) {
          throw new FileSystemException(path.toString(), null, "Is a directory");
        }
      } else {
        if (write && !inode.permissions.contains(PosixFilePermission.OWNER_WRITE)) {
          throw new AccessDeniedException(path.toString());
        }
        if (read && !inode.permissions.contains(PosixFilePermission.OWNER_READ)) {
          throw new AccessDeniedException(path.toString());
        }
        if (write && options.contains(StandardOpenOption.TRUNCATE_EXISTING) && inode.size() > 0) {
          disk.step(Operation.TRUNCATE, path);
          ((FileInode) inode).truncate(0);
        }
      }
      return new SimFileChannel(disk, inode, path, read, write, append, sync);
    }
  }

  // ---- directories ----

  @Override
  public DirectoryStream<Path> newDirectoryStream(
      Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
    List<Path> children = new ArrayList<>();
    synchronized (disk) {
      Inode inode = existing(dir);
      if (!(inode instanceof DirInode d)) {
        throw new NotDirectoryException(dir.toString());
      }
      for (String name : d.entries.keySet()) {
        children.add(dir.resolve(name));
      }
    }
    List<Path> accepted = new ArrayList<>();
    for (Path p : children) {
      if (filter.accept(p)) {
        accepted.add(p);
      }
    }
    return new DirectoryStream<>() {
      @Override
      public Iterator<Path> iterator() {
        return accepted.iterator();
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
    synchronized (disk) {
      disk.checkOn();
      if (lookup(dir) != null) {
        throw new FileAlreadyExistsException(dir.toString());
      }
      DirInode parent = parentOf(dir);
      disk.step(Operation.MKDIR, dir);
      parent.link(
          disk.newOp(),
          nameOf(dir),
          new DirInode(disk.newId(), now(), permissions(attrs, SimulatedDisk.DEFAULT_DIR)));
    }
  }

  @Override
  public void delete(Path path) throws IOException {
    synchronized (disk) {
      Inode inode = existing(path);
      if (inode instanceof DirInode d && !d.entries.isEmpty()) {
        throw new DirectoryNotEmptyException(path.toString());
      }
      DirInode parent = parentOf(path);
      disk.step(Operation.DELETE, path);
      parent.unlink(disk.newOp(), nameOf(path));
    }
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    byte[] bytes;
    synchronized (disk) {
      Inode inode = existing(source);
      if (!(inode instanceof FileInode f)) {
        throw new FileSystemException(source.toString(), null, "copying folders is not supported");
      }
      bytes = f.contents();
    }
    Set<OpenOption> open = new java.util.HashSet<>(List.of(StandardOpenOption.WRITE));
    open.add(
        List.of(options).contains(StandardCopyOption.REPLACE_EXISTING)
            ? StandardOpenOption.CREATE
            : StandardOpenOption.CREATE_NEW);
    open.add(StandardOpenOption.TRUNCATE_EXISTING);
    try (FileChannel ch = newFileChannel(target, open)) {
      ch.write(java.nio.ByteBuffer.wrap(bytes), 0);
    }
  }

  @Override
  public void move(Path source, Path target, CopyOption... options) throws IOException {
    boolean replace = List.of(options).contains(StandardCopyOption.REPLACE_EXISTING);
    synchronized (disk) {
      Inode moving = existing(source);
      Inode there = lookup(target);
      if (there == moving) {
        return;
      }
      List<String> from = namesOf(source);
      List<String> to = namesOf(target);
      if (to.size() > from.size() && to.subList(0, from.size()).equals(from)) {
        throw new FileSystemException(
            source.toString(), target.toString(), "Invalid argument: a folder into itself");
      }
      if (there != null) {
        if (!replace) {
          throw new FileAlreadyExistsException(target.toString());
        }
        if (there instanceof DirInode d && !d.entries.isEmpty()) {
          throw new DirectoryNotEmptyException(target.toString());
        }
        if ((there instanceof DirInode) != (moving instanceof DirInode)) {
          throw new FileSystemException(
              source.toString(),
              target.toString(),
              there instanceof DirInode ? "Is a directory" : "Not a directory");
        }
      }
      DirInode fromDir = parentOf(source);
      DirInode toDir = parentOf(target);
      disk.step(Operation.RENAME, target);
      long op = disk.newOp(); // one op: a random image applies both halves or neither
      fromDir.unlink(op, nameOf(source));
      toDir.link(op, nameOf(target), moving);
    }
  }

  @Override
  public boolean isSameFile(Path path, Path path2) throws IOException {
    synchronized (disk) {
      return existing(path) == existing(path2);
    }
  }

  @Override
  public boolean isHidden(Path path) {
    Path name = path.getFileName();
    return name != null && name.toString().startsWith(".");
  }

  @Override
  public FileStore getFileStore(Path path) throws IOException {
    synchronized (disk) {
      existing(path);
    }
    return fs.store();
  }

  @Override
  public void checkAccess(Path path, AccessMode... modes) throws IOException {
    synchronized (disk) {
      Inode inode = existing(path);
      for (AccessMode m : modes) {
        PosixFilePermission needed =
            switch (m) {
              case READ -> PosixFilePermission.OWNER_READ;
              case WRITE -> PosixFilePermission.OWNER_WRITE;
              case EXECUTE -> PosixFilePermission.OWNER_EXECUTE;
            };
        if (!inode.permissions.contains(needed)) {
          throw new AccessDeniedException(path.toString());
        }
      }
    }
  }

  // ---- attributes ----

  @Override
  public <V extends FileAttributeView> V getFileAttributeView(
      Path path, Class<V> type, LinkOption... options) {
    if (type != BasicFileAttributeView.class && type != PosixFileAttributeView.class) {
      return null;
    }
    return type.cast(new View(path));
  }

  @Override
  public <A extends BasicFileAttributes> A readAttributes(
      Path path, Class<A> type, LinkOption... options) throws IOException {
    if (type != BasicFileAttributes.class && type != PosixFileAttributes.class) {
      throw new UnsupportedOperationException("attributes " + type.getName());
    }
    synchronized (disk) {
      return type.cast(SimAttributes.of(existing(path)));
    }
  }

  @Override
  public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
      throws IOException {
    SimAttributes a = (SimAttributes) readAttributes(path, PosixFileAttributes.class, options);
    Map<String, Object> all = new HashMap<>();
    all.put("size", a.size());
    all.put("lastModifiedTime", a.lastModifiedTime());
    all.put("lastAccessTime", a.lastAccessTime());
    all.put("creationTime", a.creationTime());
    all.put("isRegularFile", a.isRegularFile());
    all.put("isDirectory", a.isDirectory());
    all.put("isSymbolicLink", false);
    all.put("isOther", false);
    all.put("fileKey", a.fileKey());
    all.put("permissions", a.permissions());
    String wanted =
        attributes.contains(":") ? attributes.substring(attributes.indexOf(':') + 1) : attributes;
    if (wanted.equals("*")) {
      return all;
    }
    Map<String, Object> out = new HashMap<>();
    for (String name : wanted.split(",")) {
      if (!all.containsKey(name)) {
        throw new IllegalArgumentException("unknown attribute " + name);
      }
      out.put(name, all.get(name));
    }
    return out;
  }

  @Override
  public void setAttribute(Path path, String attribute, Object value, LinkOption... options)
      throws IOException {
    View view = new View(path);
    switch (attribute) {
      case "lastModifiedTime", "basic:lastModifiedTime", "posix:lastModifiedTime" ->
          view.setTimes((FileTime) value, null, null);
      case "posix:permissions" -> {
        @SuppressWarnings("unchecked")
        Set<PosixFilePermission> perms = (Set<PosixFilePermission>) value;
        view.setPermissions(perms);
      }
      default -> throw new UnsupportedOperationException("attribute " + attribute);
    }
  }

  /** The attribute view of one path. */
  private final class View implements PosixFileAttributeView {
    private final Path path;

    View(Path path) {
      this.path = path;
    }

    @Override
    public String name() {
      return "posix";
    }

    @Override
    public PosixFileAttributes readAttributes() throws IOException {
      return SimFileSystemProvider.this.readAttributes(path, PosixFileAttributes.class);
    }

    @Override
    public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime)
        throws IOException {
      if (lastModifiedTime == null) {
        return;
      }
      synchronized (disk) {
        Inode inode = existing(path);
        disk.step(Operation.SET_TIMES, path);
        if (inode instanceof FileInode f) {
          f.setMtime(lastModifiedTime);
        } else {
          inode.mtime = lastModifiedTime;
        }
      }
    }

    @Override
    public void setPermissions(Set<PosixFilePermission> perms) throws IOException {
      synchronized (disk) {
        Inode inode = existing(path);
        disk.step(Operation.SET_PERMISSIONS, path);
        inode.permissions =
            perms.isEmpty()
                ? java.util.EnumSet.noneOf(PosixFilePermission.class)
                : java.util.EnumSet.copyOf(perms);
      }
    }

    @Override
    public UserPrincipal getOwner() {
      return SimAttributes.Owner.OWNER;
    }

    @Override
    public void setOwner(UserPrincipal owner) {
      throw new UnsupportedOperationException("the simulated disk has one user");
    }

    @Override
    public void setGroup(GroupPrincipal group) {
      throw new UnsupportedOperationException("the simulated disk has one group");
    }
  }
}
