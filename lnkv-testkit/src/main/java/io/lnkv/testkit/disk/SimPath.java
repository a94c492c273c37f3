package io.lnkv.testkit.disk;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A path of a {@link SimulatedDisk}: names separated by {@code /}; no symbolic links exist. */
final class SimPath implements Path {
  private final SimFileSystem fs;
  private final boolean absolute;
  private final List<String> names;

  SimPath(SimFileSystem fs, boolean absolute, List<String> names) {
    this.fs = fs;
    this.absolute = absolute;
    this.names = List.copyOf(names);
  }

  static SimPath parse(SimFileSystem fs, String path) {
    List<String> names = new ArrayList<>();
    for (String part : path.split("/")) {
      if (!part.isEmpty()) {
        names.add(part);
      }
    }
    return new SimPath(fs, path.startsWith("/"), names);
  }

  static SimPath of(Path path) {
    if (!(path instanceof SimPath p)) {
      throw new ProviderMismatchException("not a path of a simulated disk: " + path);
    }
    return p;
  }

  List<String> names() {
    return names;
  }

  @Override
  public FileSystem getFileSystem() {
    return fs;
  }

  SimFileSystem simFileSystem() {
    return fs;
  }

  @Override
  public boolean isAbsolute() {
    return absolute;
  }

  @Override
  public Path getRoot() {
    return absolute ? new SimPath(fs, true, List.of()) : null;
  }

  @Override
  public Path getFileName() {
    return names.isEmpty() ? null : new SimPath(fs, false, List.of(names.get(names.size() - 1)));
  }

  @Override
  public Path getParent() {
    if (names.isEmpty() || (names.size() == 1 && !absolute)) {
      return null;
    }
    return new SimPath(fs, absolute, names.subList(0, names.size() - 1));
  }

  @Override
  public int getNameCount() {
    return names.size();
  }

  @Override
  public Path getName(int index) {
    return new SimPath(fs, false, List.of(names.get(index)));
  }

  @Override
  public Path subpath(int beginIndex, int endIndex) {
    return new SimPath(fs, false, names.subList(beginIndex, endIndex));
  }

  @Override
  public boolean startsWith(Path other) {
    if (!(other instanceof SimPath o) || o.fs != fs || o.absolute != absolute) {
      return false;
    }
    return o.names.size() <= names.size() && names.subList(0, o.names.size()).equals(o.names);
  }

  @Override
  public boolean endsWith(Path other) {
    if (!(other instanceof SimPath o) || o.fs != fs) {
      return false;
    }
    if (o.absolute) {
      return equals(o);
    }
    int n = names.size();
    int m = o.names.size();
    return m <= n && names.subList(n - m, n).equals(o.names);
  }

  @Override
  public Path normalize() {
    List<String> out = new ArrayList<>();
    for (String name : names) {
      if (name.equals(".")) {
        continue;
      }
      if (name.equals("..")) {
        if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
          out.remove(out.size() - 1);
          continue;
        }
        if (absolute) {
          continue; // /.. is /
        }
      }
      out.add(name);
    }
    return new SimPath(fs, absolute, out);
  }

  @Override
  public Path resolve(Path other) {
    SimPath o = of(other);
    if (o.absolute) {
      return o;
    }
    List<String> joined = new ArrayList<>(names);
    joined.addAll(o.names);
    return new SimPath(fs, absolute, joined);
  }

  @Override
  public Path relativize(Path other) {
    SimPath o = of(other);
    if (o.absolute != absolute) {
      throw new IllegalArgumentException("'other' is different type of Path");
    }
    int common = 0;
    while (common < names.size()
        && common < o.names.size()
        && names.get(common).equals(o.names.get(common))) {
      common++;
    }
    List<String> out = new ArrayList<>(Collections.nCopies(names.size() - common, ".."));
    out.addAll(o.names.subList(common, o.names.size()));
    return new SimPath(fs, false, out);
  }

  @Override
  public URI toUri() {
    try {
      return new URI(SimFileSystemProvider.SCHEME, fs.id(), toAbsolutePath().toString(), null);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Path toAbsolutePath() {
    return absolute ? this : new SimPath(fs, true, names);
  }

  @Override
  public Path toRealPath(LinkOption... options) throws IOException {
    Path real = toAbsolutePath().normalize();
    fs.provider().checkAccess(real);
    return real;
  }

  @Override
  public WatchKey register(
      WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
    throw new UnsupportedOperationException("the simulated disk has no watch service");
  }

  @Override
  public int compareTo(Path other) {
    return toString().compareTo(other.toString());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SimPath p && p.fs == fs && p.absolute == absolute && p.names.equals(names);
  }

  @Override
  public int hashCode() {
    return names.hashCode() * 31 + (absolute ? 1 : 0);
  }

  @Override
  public String toString() {
    return (absolute ? "/" : "") + String.join("/", names);
  }
}
