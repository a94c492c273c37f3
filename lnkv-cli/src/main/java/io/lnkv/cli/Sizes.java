package io.lnkv.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;

/** A size on the command line: bytes, or a number with K, M or G (powers of 1024). */
final class Sizes implements ITypeConverter<Long> {
  @Override
  public Long convert(String text) {
    String t = text.strip().toUpperCase(Locale.ROOT);
    long unit = 1;
    if (t.endsWith("K") || t.endsWith("M") || t.endsWith("G")) {
      unit = 1L << (10 * ("KMG".indexOf(t.charAt(t.length() - 1)) + 1));
      t = t.substring(0, t.length() - 1);
    }
    try {
      long n = Long.parseLong(t);
      if (n < 0 || n > Long.MAX_VALUE / unit) {
        throw new NumberFormatException();
      }
      return n * unit;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size: write bytes, or a number with K, M or G (e.g. 512M)");
    }
  }
}
