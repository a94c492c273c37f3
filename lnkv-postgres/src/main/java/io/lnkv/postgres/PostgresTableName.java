package io.lnkv.postgres;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * A table name as ldk-node's PostgreSQL store reads it: {@code table} or {@code schema.table}, each
 * part any non-empty text without a NUL character, quoted in SQL with every {@code "} doubled. So
 * reserved words ({@code user}, {@code select}), upper case, {@code -} and {@code "} are all table
 * names, and mean exactly what they mean to ldk-node (an unquoted name would be folded to lower
 * case, or be a syntax error). Refused, before any I/O: an empty name or part, a trailing or
 * leading dot, more than two parts, a NUL.
 *
 * <p>The name also gives ldk-node's advisory-lock id, derived from the database and this name as
 * written (so {@code ldk_data} and {@code public.ldk_data} are two locks to ldk-node, as here).
 * Immutable.
 */
final class PostgresTableName {
  private final String raw;
  private final String schema; // null: the first schema of the search_path, as CREATE TABLE picks
  private final String table;

  private PostgresTableName(String raw, String schema, String table) {
    this.raw = raw;
    this.schema = schema;
    this.table = table;
  }

  /**
   * Parses a name as ldk-node does.
   *
   * @throws IllegalArgumentException if ldk-node would refuse it
   */
  static PostgresTableName parse(String name) {
    if (name == null) {
      throw new IllegalArgumentException("Invalid PostgreSQL table name: null");
    }
    List<String> parts = new ArrayList<>();
    int from = 0;
    for (int dot = name.indexOf('.'); ; dot = name.indexOf('.', from)) {
      parts.add(name.substring(from, dot < 0 ? name.length() : dot));
      if (dot < 0) {
        break;
      }
      from = dot + 1;
    }
    if (parts.size() > 2 || parts.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException(
          "Invalid PostgreSQL table name '"
              + printable(name)
              + "': expected a table name or schema.table, each part not empty (as ldk-node"
              + " requires)");
    }
    if (name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "Invalid PostgreSQL table name '"
              + printable(name)
              + "': it contains a NUL character, which no PostgreSQL identifier can");
    }
    return parts.size() == 2
        ? new PostgresTableName(name, parts.get(0), parts.get(1))
        : new PostgresTableName(name, null, parts.get(0));
  }

  /** The name as given, e.g. {@code ldk_data} or {@code node.ldk_data}. */
  String raw() {
    return raw;
  }

  /** The schema part, or null when the name has none. */
  String schema() {
    return schema;
  }

  /** The table part. */
  String table() {
    return table;
  }

  /** The name for SQL text: each part double-quoted, as ldk-node writes it. */
  String sql() {
    return schema == null ? quote(table) : quote(schema) + "." + quote(table);
  }

  /** ldk-node's paginated index: {@code idx_<name as given>_paginated}, one quoted identifier. */
  String indexSql() {
    return quote("idx_" + raw + "_paginated");
  }

  /** An identifier in double quotes, each {@code "} doubled. */
  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /**
   * The id of ldk-node's session-level advisory lock on this table in {@code database}: the first 8
   * bytes, big-endian, of SHA-256 over {@code "ldk-node:postgres-store"} and then, for the database
   * name and this name as given, each one's UTF-8 length as a big-endian u64 followed by its bytes.
   */
  long advisoryLockId(String database) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
    sha.update("ldk-node:postgres-store".getBytes(StandardCharsets.UTF_8));
    for (String part : new String[] {database, raw}) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      sha.update(ByteBuffer.allocate(8).putLong(bytes.length).array());
      sha.update(bytes);
    }
    return ByteBuffer.wrap(sha.digest(), 0, 8).getLong();
  }

  /** The name for a message: control characters shown as {@code \\uXXXX}, never raw. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints()
        .forEach(
            cp -> {
              if (Character.isISOControl(cp)) {
                b.append(String.format("\\u%04x", cp));
              } else {
                b.appendCodePoint(cp);
              }
            });
    return b.toString();
  }

  @Override
  public String toString() {
    return printable(raw);
  }
}
