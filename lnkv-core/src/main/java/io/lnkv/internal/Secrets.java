package io.lnkv.internal;

/**
 * The one masking rule for a URI or a connection string that reaches a message, a log line or JSON
 * output ({@code postgres://user:password@host/db}, {@code jdbc:postgresql://host/db?password=...},
 * {@code http://user:password@host/vss}): the password of the user information and the value of
 * every parameter whose name ends in {@code password} become {@code ***}; the rest is kept, so the
 * message still says where.
 *
 * <p>The user information is everything between {@code ://} and the last {@code @} before the
 * query, so a password holding {@code @}, {@code /}, {@code :} or {@code %} (written raw or
 * percent-encoded) is masked whole; the user name before the first {@code :} is kept.
 */
public final class Secrets {
  private Secrets() {}

  /** {@code text} with its passwords replaced by {@code ***}; null stays null. */
  public static String mask(String text) {
    if (text == null) {
      return null;
    }
    String out = text;
    int scheme = out.indexOf("://");
    if (scheme >= 0) {
      int start = scheme + 3;
      int query = out.indexOf('?', start);
      int end = query < 0 ? out.length() : query;
      int at = out.lastIndexOf('@', end - 1);
      if (at >= start) {
        int colon = out.indexOf(':', start);
        if (colon >= 0 && colon < at) {
          out = out.substring(0, colon + 1) + "***" + out.substring(at);
        }
      }
    }
    return out.replaceAll("(?i)(password=)[^&;\\s]*", "$1***");
  }
}
