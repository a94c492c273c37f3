package io.lnkv.cli;

import io.lnkv.NodeStore;
import io.lnkv.StoreNotFoundException;
import io.lnkv.fs.FilesystemStore;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.memory.InMemoryStore;
import io.lnkv.postgres.PostgresStore;
import io.lnkv.sqlite.SqliteStore;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A store named on the command line: {@code mem:}, {@code fs:PATH} (LDK's v1 layout), {@code
 * fs2:PATH} (v2), {@code sqlite:PATH}, {@code postgres://[user[:password]@]host[:port]/db} (or a
 * {@code jdbc:postgresql:} URL). The SQL table comes from {@code --table}, or for PostgreSQL a
 * {@code table=NAME} query parameter; for SQLite without it, the file's own ldk-node ({@code
 * ldk_node_data}) or LDK ({@code ldk_data}) table is used.
 *
 * <p>{@code vss:http(s)://host[:port]/vss?store=ID&seed=FILE} is a VSS server, laid out as ldk-node
 * lays it out for the node whose 64-byte seed (ldk-node's {@code keys_seed} file, raw or hex) is in
 * FILE. Options: {@code auth=signature} (ldk-node's signature key from the seed) or {@code
 * auth=bearer} (the token in {@code LNKV_VSS_TOKEN}); {@code protocol=lenient} for servers that
 * send no {@code vss-protocol-version}.
 */
record StoreUri(Kind kind, String location, String text) {
  static final String FORMS =
      "mem:, fs:PATH, fs2:PATH, sqlite:PATH, postgres://[user[:password]@]host[:port]/db or"
          + " vss:http://host:port/vss?store=ID&seed=FILE";

  enum Kind {
    MEM,
    FS,
    FS2,
    SQLITE,
    POSTGRES,
    VSS
  }

  /**
   * Parses a store URI.
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  static StoreUri parse(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.equals("mem:")) {
      return new StoreUri(Kind.MEM, "", text);
    }
    for (Kind k : List.of(Kind.FS2, Kind.FS, Kind.SQLITE)) {
      String prefix = k.name().toLowerCase(Locale.ROOT) + ":";
      if (lower.startsWith(prefix)) {
        String path = text.substring(prefix.length());
        if (path.isEmpty()) {
          throw new IllegalArgumentException(
              "Store URI '" + text + "' has no path; write " + prefix + "PATH");
        }
        return new StoreUri(k, path, text);
      }
    }
    if (lower.startsWith("vss:")) {
      return new StoreUri(Kind.VSS, text.substring("vss:".length()), text);
    }
    if (lower.startsWith("postgres://")
        || lower.startsWith("postgresql://")
        || lower.startsWith("jdbc:postgresql://")) {
      return new StoreUri(Kind.POSTGRES, text, text);
    }
    throw new IllegalArgumentException("Unknown store URI '" + redact(text) + "': use " + FORMS);
  }

  /** How a command opens a store. */
  enum Access {
    /** Read-only: the store must exist; no lock or lease, nothing changed or created. */
    READ,
    /** For writing; the store must exist (rm). */
    WRITE_EXISTING,
    /** For writing, created if missing (put, migrate's target, restore's primary). */
    CREATE
  }

  /**
   * Opens the store.
   *
   * @param table the SQL table, or null for the default
   * @throws StoreNotFoundException if the access needs an existing store and there is none
   */
  NodeStore open(String table, Access access) {
    boolean read = access == Access.READ;
    switch (kind) {
      case MEM:
        return InMemoryStore.create();
      case FS:
      case FS2:
        Path folder = Path.of(location);
        if (access == Access.WRITE_EXISTING && !Files.isDirectory(folder)) {
          throw missing(folder, "folder");
        }
        if (kind == Kind.FS) {
          FilesystemStore.Builder fs = FilesystemStore.builder(folder);
          return read ? fs.readOnly().build() : fs.build();
        }
        FilesystemStoreV2.Builder fs2 = FilesystemStoreV2.builder(folder);
        return read ? fs2.readOnly().build() : fs2.build();
      case SQLITE:
        Path file = Path.of(location);
        if (access == Access.WRITE_EXISTING && !Files.isRegularFile(file)) {
          throw missing(file, "file");
        }
        SqliteStore.Builder sqlite =
            SqliteStore.builder(file).table(table != null ? table : sqliteTable(file));
        return read ? sqlite.readOnly().build() : sqlite.build();
      case POSTGRES:
        PostgresStore.Builder pg = postgres(table);
        return read ? pg.readOnly().build() : pg.build();
      case VSS:
        return VssUri.open(location, text, read);
      default:
        throw new IllegalStateException("unknown kind " + kind);
    }
  }

  private StoreNotFoundException missing(Path where, String what) {
    return new StoreNotFoundException(
        "No store at "
            + where.toAbsolutePath()
            + ": the "
            + what
            + " does not exist; check the path (put, migrate and restore create stores)");
  }

  /**
   * The table an existing SQLite file uses: ldk-node's or LDK's; LDK's for a new file. Reads the
   * file without changing it.
   */
  private static String sqliteTable(Path file) {
    if (!Files.isRegularFile(file)) {
      return SqliteStore.DEFAULT_TABLE_NAME;
    }
    List<String> found;
    try {
      found = SqliteStore.ldkTablesIn(file);
    } catch (RuntimeException e) {
      return SqliteStore.DEFAULT_TABLE_NAME; // opening the store reports what is wrong
    }
    if (found.size() > 1) {
      throw new IllegalArgumentException(
          file + " holds both " + found + "; choose one with --table");
    }
    return found.isEmpty() ? SqliteStore.DEFAULT_TABLE_NAME : found.get(0);
  }

  private PostgresStore.Builder postgres(String tableOption) {
    // a table=NAME query parameter names the table; it is not passed on to the driver
    String url = location;
    String table = tableOption;
    int q = url.indexOf('?');
    if (q >= 0) {
      List<String> kept = new ArrayList<>();
      for (String param : url.substring(q + 1).split("&")) {
        if (param.startsWith("table=")) {
          if (table == null) {
            table = decode(param.substring("table=".length()));
          }
        } else if (!param.isEmpty()) {
          kept.add(param);
        }
      }
      url = url.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    }
    PostgresStore.Builder b;
    if (url.toLowerCase(Locale.ROOT).startsWith("jdbc:")) {
      b = PostgresStore.builder(url);
    } else {
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        // not e.getMessage(): it quotes the input, password and all
        throw new IllegalArgumentException(
            "Bad PostgreSQL URI '"
                + redact(text)
                + "': "
                + e.getReason()
                + " at character "
                + e.getIndex());
      }
      if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() < 2) {
        throw new IllegalArgumentException(
            "Bad PostgreSQL URI '" + redact(text) + "': write postgres://user@host:port/database");
      }
      String jdbc =
          "jdbc:postgresql://"
              + uri.getHost()
              + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
              + uri.getPath()
              + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      b = PostgresStore.builder(jdbc);
      String info = uri.getRawUserInfo();
      if (info != null) {
        int colon = info.indexOf(':');
        b.user(decode(colon < 0 ? info : info.substring(0, colon)));
        if (colon >= 0) {
          b.password(decode(info.substring(colon + 1)));
        }
      }
      String password = System.getenv("PGPASSWORD");
      if ((info == null || info.indexOf(':') < 0) && password != null) {
        b.password(password);
      }
    }
    if (table != null) {
      b.table(table);
    }
    return b;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /**
   * A store URI fit for a message: a password in {@code user:password@} or a {@code password=}
   * parameter is replaced by {@code ***}.
   */
  static String redact(String text) {
    return io.lnkv.internal.Secrets.mask(text);
  }

  @Override
  public String toString() {
    return redact(text);
  }
}
