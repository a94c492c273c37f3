package io.lnkv.cli;

import io.lnkv.NodeStore;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import io.lnkv.postgres.PostgresStore;
import io.lnkv.sqlite.SqliteStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands that read and change single keys and scopes. */
final class DataCommands {
  private DataCommands() {}

  private static final Comparator<ScopedKey> BY_ADDRESS = Comparator.comparing(Address::of);

  /** A command on one scope of a store. */
  abstract static class ScopeCommand extends LnkvCommand {
    @Parameters(index = "0", paramLabel = "STORE")
    String store;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "SCOPE",
        description = "primary[/secondary]; the root if left out")
    String scope;
  }

  /** A command on one key of a store. */
  abstract static class KeyCommand extends LnkvCommand {
    @Parameters(index = "0", paramLabel = "STORE")
    String store;

    @Parameters(index = "1", paramLabel = "KEY")
    String key;
  }

  @Command(name = "ls", description = "List the keys of one scope, sorted.")
  static final class Ls extends ScopeCommand {
    @Override
    public Integer call() {
      String[] s = Address.scope(scope);
      try (Opened o = tieredForReading(store)) {
        List<String> keys = new ArrayList<>(o.store.list(s[0], s[1]));
        keys.sort(null);
        output().result(Map.of("keys", keys), String.join("\n", keys));
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "get", description = "Print a value (raw bytes), or write it to a file.")
  static final class Get extends KeyCommand {
    @Option(
        names = {"-o", "--output"},
        paramLabel = "FILE",
        description = "Write the value here.")
    Path file;

    @Override
    public Integer call() throws IOException {
      ScopedKey k = Address.key(key);
      byte[] value;
      try (Opened o = tieredForReading(store)) {
        value = o.store.read(k.primaryNamespace(), k.secondaryNamespace(), k.key());
      }
      if (output().json()) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("key", Address.of(k));
        data.put("size", value.length);
        data.put("base64", Base64.getEncoder().encodeToString(value));
        output().result(data, "");
      } else if (file != null) {
        try {
          writeOwnerOnly(file, value);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(
              "Cannot write the value of "
                  + Address.of(k)
                  + " to "
                  + file
                  + ": "
                  + Errors.reason(e),
              e);
        }
      } else {
        System.out.write(value);
        System.out.flush();
      }
      return ExitCode.OK;
    }

    /**
     * A new file is created readable by its owner only, whatever the umask: it holds node state.
     */
    private static void writeOwnerOnly(Path file, byte[] value) throws IOException {
      try (java.nio.channels.FileChannel ch =
          io.lnkv.internal.OwnFiles.openForWriting(
              file,
              "the output file",
              java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(value);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
      }
    }
  }

  /** Where {@code put} takes the value from: exactly one. */
  static final class ValueSource {
    @Option(names = "--value", paramLabel = "TEXT", description = "The value, as UTF-8 text.")
    String text;

    @Option(names = "--file", paramLabel = "FILE", description = "Read the value from a file.")
    Path file;

    @Option(names = "--stdin", description = "Read the value from standard input.")
    boolean stdin;

    /**
     * The value, read up to {@code maxBytes}: a value from an endless source ({@code /dev/zero}, a
     * pipe that never closes) ends in a clear error instead of exhausting the heap.
     */
    byte[] read(long maxBytes) {
      if (text != null) {
        byte[] value = text.getBytes(StandardCharsets.UTF_8);
        checkSize(value.length, maxBytes, "--value");
        return value;
      }
      String from = file != null ? file.toString() : "standard input";
      try (InputStream in = file != null ? Files.newInputStream(file) : System.in) {
        byte[] value = in.readNBytes((int) Math.min(MAX_VALUE_BYTES + 1, maxBytes + 1));
        checkSize(value.length, maxBytes, from);
        return value;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(
            "Cannot read the value from " + from + ": " + Errors.reason(e), e);
      }
    }

    private static void checkSize(long size, long maxBytes, String from) {
      if (size > maxBytes) {
        throw new IllegalArgumentException(
            "The value from "
                + from
                + " is larger than "
                + maxBytes
                + " bytes, the limit; raise it with --max-size if it is meant to be (e.g."
                + " --max-size 512M)");
      }
    }
  }

  /** The largest value {@code put} can read: one Java array, with one byte to spare. */
  static final long MAX_VALUE_BYTES = Integer.MAX_VALUE - 9;

  @Command(name = "put", description = "Write a value (creates the store if needed).")
  static final class Put extends KeyCommand {
    @ArgGroup(multiplicity = "1")
    ValueSource source;

    @Option(
        names = "--max-size",
        paramLabel = "SIZE",
        description =
            "The largest value accepted, in bytes or with K, M or G (default 64M, at most"
                + " 2147483638): reading stops there, with an error.",
        converter = Sizes.class)
    long maxSize = 64L << 20;

    @Override
    public Integer call() throws IOException {
      ScopedKey k = Address.key(key);
      if (maxSize > MAX_VALUE_BYTES) {
        // a larger limit would let a larger input be cut to what one array holds, silently
        throw new IllegalArgumentException(
            "--max-size "
                + maxSize
                + " is more than one value can be ("
                + MAX_VALUE_BYTES
                + " bytes, the largest array the JVM makes); lower it");
      }
      byte[] value = source.read(maxSize);
      try (Opened o = tiered(store, false)) {
        o.store.write(k.primaryNamespace(), k.secondaryNamespace(), k.key(), value);
      }
      output()
          .result(
              Map.of("key", Address.of(k), "size", value.length),
              "wrote " + Address.of(k) + " (" + value.length + " bytes)");
      return ExitCode.OK;
    }
  }

  @Command(name = "rm", description = "Remove a key (nothing to do if it is absent).")
  static final class Rm extends KeyCommand {
    @Option(names = "--lazy", description = "Allow the store to defer the removal.")
    boolean lazy;

    @Override
    public Integer call() {
      ScopedKey k = Address.key(key);
      try (Opened o = tiered(store, true)) {
        o.store.remove(k.primaryNamespace(), k.secondaryNamespace(), k.key(), lazy);
      }
      output().result(Map.of("removed", Address.of(k)), "removed " + Address.of(k));
      return ExitCode.OK;
    }
  }

  @Command(name = "page", description = "List a scope page by page, newest created first.")
  static final class PageCommand extends ScopeCommand {
    @Option(names = "--token", paramLabel = "TOKEN", description = "Continue after this page.")
    String token;

    @Option(names = "--all", description = "Every page, one after the other.")
    boolean all;

    @Override
    public Integer call() {
      String[] s = Address.scope(scope);
      List<Map<String, Object>> pages = new ArrayList<>();
      StringBuilder text = new StringBuilder();
      try (Opened o = tieredForReading(store)) {
        PageToken next = token == null ? null : new PageToken(token);
        do {
          Page page = o.store.listPaginated(s[0], s[1], next);
          next = page.nextPageToken().orElse(null);
          Map<String, Object> p = new LinkedHashMap<>();
          p.put("keys", page.keys());
          p.put("next", next == null ? null : next.value());
          pages.add(p);
          text.append("# page ")
              .append(pages.size())
              .append(", ")
              .append(page.keys().size())
              .append(" keys\n");
          page.keys().forEach(k -> text.append(k).append('\n'));
          if (next != null && !all) {
            text.append("# next: ").append(next.value()).append('\n');
          }
        } while (all && next != null);
      }
      output().result(all ? Map.of("pages", pages) : pages.get(0), text.toString().stripTrailing());
      return ExitCode.OK;
    }
  }

  @Command(name = "keys", description = "Every key of the store, as [primary/[secondary/]]key.")
  static final class Keys extends LnkvCommand {
    @Parameters(index = "0", paramLabel = "STORE")
    String store;

    @Override
    public Integer call() {
      List<ScopedKey> keys;
      try (Opened o = tieredForReading(store)) {
        keys = new ArrayList<>(o.store.listAllKeys());
      }
      keys.sort(BY_ADDRESS);
      List<String> addresses = keys.stream().map(Address::of).toList();
      output().result(Map.of("keys", addresses), String.join("\n", addresses));
      return ExitCode.OK;
    }
  }

  @Command(
      name = "stat",
      description = "The store's kind, schema, and keys and bytes per namespace.")
  static final class Stat extends LnkvCommand {
    @Parameters(index = "0", paramLabel = "STORE")
    String store;

    @Override
    public Integer call() {
      StoreUri uri = StoreUri.parse(store);
      Map<String, long[]> perNamespace = new TreeMap<>();
      long keys = 0;
      long bytes = 0;
      String schema;
      String description;
      try (NodeStore kv = reading(store)) {
        description = kv.toString();
        schema = schemaOf(uri, kv);
        for (ScopedKey k : kv.listAllKeys()) {
          int size = kv.read(k.primaryNamespace(), k.secondaryNamespace(), k.key()).length;
          long[] n = perNamespace.computeIfAbsent(k.primaryNamespace(), x -> new long[2]);
          n[0]++;
          n[1] += size;
          keys++;
          bytes += size;
        }
      }
      List<Map<String, Object>> namespaces = new ArrayList<>();
      StringBuilder text = new StringBuilder();
      text.append("store    ").append(description).append('\n');
      text.append("schema   ").append(schema).append('\n');
      text.append(String.format("%-40s %10s %14s%n", "namespace", "keys", "bytes"));
      perNamespace.forEach(
          (ns, n) -> {
            namespaces.add(Map.of("namespace", ns, "keys", n[0], "bytes", n[1]));
            text.append(
                String.format("%-40s %10d %14d%n", ns.isEmpty() ? "(root)" : ns, n[0], n[1]));
          });
      text.append(String.format("%-40s %10d %14d", "total", keys, bytes));
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("store", description);
      data.put("kind", uri.kind().name().toLowerCase(java.util.Locale.ROOT));
      data.put("schema", schema);
      data.put("keys", keys);
      data.put("bytes", bytes);
      data.put("namespaces", namespaces);
      output().result(data, text.toString());
      return ExitCode.OK;
    }

    private static String schemaOf(StoreUri uri, NodeStore kv) {
      return switch (uri.kind()) {
        case MEM -> "in memory";
        case FS -> "LDK FilesystemStore v1 layout";
        case FS2 -> "LDK FilesystemStoreV2 layout";
        case SQLITE -> "ldk-node SQLite, user_version " + ((SqliteStore) kv).schemaVersion();
        case POSTGRES -> "ldk-node PostgreSQL, schema version " + PostgresStore.SCHEMA_VERSION;
        case VSS -> "ldk-node VSS, key schema " + ((io.lnkv.vss.VssStore) kv).schema();
      };
    }
  }
}
