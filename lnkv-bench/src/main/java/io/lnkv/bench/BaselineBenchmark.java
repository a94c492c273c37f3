package io.lnkv.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What a durable write costs this machine with no store at all: rewriting 256 bytes and fdatasync
 * ({@code fdatasync}), or a new file, fsync, rename and directory fsync ({@code fsync-rename}, the
 * filesystem stores' sequence). Every store's figure is read against these.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class BaselineBenchmark {
  /** Which durable write: {@code fdatasync} or {@code fsync-rename} (see the class comment). */
  @Param({"fdatasync", "fsync-rename"})
  public String kind;

  private Path dir;
  private FileChannel channel;
  private final ByteBuffer value = ByteBuffer.allocate(256);
  private long n;

  /** Opens the data file in a fresh temporary folder. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = BenchStores.tempDir();
    channel =
        FileChannel.open(
            dir.resolve("data"),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.READ);
  }

  /** Closes the file and deletes the folder. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    channel.close();
    BenchStores.delete(dir);
  }

  /** One durable write of 256 bytes, as {@link #kind} says. */
  @Benchmark
  public void durableWrite() throws IOException {
    value.clear();
    if (kind.equals("fdatasync")) {
      channel.write(value, 0);
      channel.force(false);
      return;
    }
    Path tmp = dir.resolve("value." + (n++) + ".tmp");
    try (FileChannel ch =
        FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(value);
      ch.force(true);
    }
    Files.move(tmp, dir.resolve("value"), StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
