package io.lnkv.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reading a file an operator names that holds something small (a seed, a key): a little more than
 * the largest such file is read, whatever the path is ({@code /dev/zero}, a huge file, a pipe), and
 * a larger one is refused rather than read whole or cut.
 */
final class SmallFile {
  private SmallFile() {}

  /**
   * @param role what the file should hold, for messages, e.g. "seed file"
   * @param max the most bytes such a file holds
   * @param expected what it should hold, for the refusal, e.g. "a 64-byte seed"
   * @throws UncheckedIOException if it cannot be read (naming the path once, and the reason)
   * @throws IllegalArgumentException if it holds more than {@code max} bytes
   */
  static byte[] read(Path file, String role, int max, String expected) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(max + 1);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read the " + role + " " + file + ": " + Errors.reason(e), e);
    }
    if (bytes.length > max) {
      throw new IllegalArgumentException(
          "The "
              + role
              + " "
              + file
              + " holds more than "
              + max
              + " bytes; expected "
              + expected
              + ". Check the path");
    }
    return bytes;
  }
}
