package io.lnkv.vss.server;

/**
 * Client-supplied text (a JWT subject, a store id) made safe for a log line: no character can end
 * the line or forge another one. Control characters, line and paragraph separators and the
 * backslash are written as {@code \\uXXXX}; the text is cut at 200 characters.
 */
final class LogText {
  private static final int MAX = 200;

  private LogText() {}

  static String printable(String text) {
    if (text == null) {
      return "-";
    }
    StringBuilder b = null;
    int n = Math.min(text.length(), MAX);
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      boolean unsafe =
          c < 0x20
              || c == 0x7f
              || c == '\\'
              || (c >= 0x80 && c < 0xa0)
              || c == 0x2028
              || c == 0x2029;
      if (unsafe && b == null) {
        b = new StringBuilder(n + 16).append(text, 0, i);
      }
      if (unsafe) {
        b.append(String.format("\\u%04x", (int) c));
      } else if (b != null) {
        b.append(c);
      }
    }
    String safe = b == null ? text.substring(0, n) : b.toString();
    return text.length() > MAX ? safe + "..." : safe;
  }
}
