package io.lnkv.modules;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * lnkv's library modules as a user's modular application sees them: each descriptor exports the API
 * packages and nothing else; code outside lnkv that reaches an internal package does not compile;
 * and an application on the module path opens every backend (JNA's flock, SQLite's native driver,
 * protobuf and the HTTP server) with no --add-opens or --add-reads.
 *
 * <p>The rest of the suite runs on the class path, where descriptors are ignored; this is where
 * they are proved.
 */
class ModuleDescriptorsTest {
  /** Module -> the packages it exports to everyone (the API). */
  private static final Map<String, Set<String>> API =
      Map.of(
          "io.lnkv.core",
          Set.of(
              "io.lnkv",
              "io.lnkv.fs",
              "io.lnkv.ldk",
              "io.lnkv.memory",
              "io.lnkv.migrate",
              "io.lnkv.queue",
              "io.lnkv.spi",
              "io.lnkv.tier"),
          "io.lnkv.sqlite",
          Set.of("io.lnkv.sqlite"),
          "io.lnkv.postgres",
          Set.of("io.lnkv.postgres"),
          "io.lnkv.vss",
          Set.of("io.lnkv.vss"),
          "io.lnkv.vss.server",
          Set.of("io.lnkv.vss.server"),
          "io.lnkv.testkit",
          Set.of("io.lnkv.testkit", "io.lnkv.testkit.disk"));

  /** A class of each module, to find where the build put it (a jar, or target/classes). */
  private static final Map<String, String> LNKV_MODULES =
      Map.of(
          "io.lnkv.core", "io.lnkv.KVStore",
          "io.lnkv.sqlite", "io.lnkv.sqlite.SqliteStore",
          "io.lnkv.postgres", "io.lnkv.postgres.PostgresStore",
          "io.lnkv.vss", "io.lnkv.vss.VssStore",
          "io.lnkv.vss.server", "io.lnkv.vss.server.VssServer",
          "io.lnkv.testkit", "io.lnkv.testkit.KVStoreConformance");

  /** A class of each third-party module the library modules need at run time. */
  private static final List<String> THIRD_PARTY =
      List.of(
          "org.slf4j.Logger",
          "org.slf4j.simple.SimpleLogger", // so that the application's warnings are seen
          "io.micrometer.core.instrument.MeterRegistry",
          "io.micrometer.common.KeyValue",
          "io.micrometer.observation.Observation",
          "com.sun.jna.Native",
          "org.sqlite.JDBC",
          "com.zaxxer.hikari.HikariConfig",
          "org.postgresql.Driver",
          "com.google.protobuf.Message",
          "org.bouncycastle.jce.provider.BouncyCastleProvider",
          "org.bouncycastle.openssl.PEMParser", // bcpkix: TLS keys
          "org.bouncycastle.asn1.cmc.BodyPartID", // bcutil, which bcpkix requires
          "org.eclipse.jetty.server.Server",
          "com.nimbusds.jwt.JWT",
          "io.micrometer.prometheusmetrics.PrometheusMeterRegistry",
          "io.prometheus.metrics.core.datapoints.CounterDataPoint",
          "io.prometheus.metrics.model.registry.Collector",
          "io.prometheus.metrics.config.EscapingScheme",
          "io.prometheus.metrics.tracer.common.SpanContext",
          "io.prometheus.metrics.expositionformats.generated.Metrics",
          "io.prometheus.metrics.expositionformats.ExpositionFormatWriter",
          "org.HdrHistogram.Histogram",
          "org.eclipse.jetty.http.HttpField",
          "org.eclipse.jetty.io.Content",
          "org.eclipse.jetty.util.Callback",
          "org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory",
          "org.eclipse.jetty.http2.WindowRateControl",
          "org.eclipse.jetty.http2.hpack.HpackEncoder",
          "org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory",
          "org.eclipse.jetty.alpn.java.server.JDK9ServerALPNProcessor",
          "com.fasterxml.jackson.databind.ObjectMapper",
          "com.fasterxml.jackson.core.JsonFactory",
          "com.fasterxml.jackson.annotation.JsonProperty");

  private static String modulePath;

  @TempDir Path dir;

  @BeforeAll
  static void locateModules() throws Exception {
    List<String> entries = new ArrayList<>();
    for (String cls : LNKV_MODULES.values()) {
      if (!cls.startsWith("io.lnkv.testkit")) { // the application does not need the test kit
        entries.add(locationOf(cls).toString());
      }
    }
    for (String cls : THIRD_PARTY) {
      entries.add(locationOf(cls).toString());
    }
    modulePath = String.join(File.pathSeparator, entries);
  }

  @Test
  void eachModuleExportsItsApiAndQualifiesEverythingElseToLnkvModules() throws Exception {
    Map<String, ModuleDescriptor> found = new LinkedHashMap<>();
    for (Map.Entry<String, String> m : LNKV_MODULES.entrySet()) {
      Path where = locationOf(m.getValue());
      ModuleDescriptor d =
          ModuleFinder.of(where).findAll().iterator().next().descriptor(); // the only module there
      assertThat(d.name()).as(where.toString()).isEqualTo(m.getKey());
      assertThat(d.isAutomatic()).as(m.getKey() + " has a module-info").isFalse();
      found.put(d.name(), d);
    }
    for (ModuleDescriptor d : found.values()) {
      Set<String> unqualified =
          d.exports().stream()
              .filter(e -> !e.isQualified())
              .map(Exports::source)
              .collect(Collectors.toCollection(TreeSet::new));
      assertThat(unqualified).as(d.name() + " exports to everyone").isEqualTo(API.get(d.name()));
      for (Exports e : d.exports()) {
        if (e.isQualified()) {
          assertThat(found.keySet())
              .as(d.name() + " exports " + e.source() + " only to lnkv's modules")
              .containsAll(e.targets());
        }
      }
      assertThat(d.packages())
          .as(d.name() + ": every package that is not API is named internal or wire")
          .allMatch(
              p -> API.get(d.name()).contains(p) || p.endsWith(".internal") || p.endsWith(".wire"));
    }
  }

  @Test
  void anApplicationOnTheModulePathRunsEveryBackendWithTheApiAlone() throws Exception {
    Path src = dir.resolve("src");
    writeApp(
        src,
        """
        import io.lnkv.KVStore;
        import io.lnkv.fs.FilesystemStoreV2;
        import io.lnkv.sqlite.SqliteStore;
        import io.lnkv.vss.VssKeys;
        import io.lnkv.vss.VssStore;
        import io.lnkv.vss.server.Authorizer;
        import io.lnkv.vss.server.VssServer;
        import io.lnkv.vss.server.VssStorage;
        import java.nio.charset.StandardCharsets;
        import java.nio.file.Path;

        public class Main {
          public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            try (KVStore fs = FilesystemStoreV2.open(dir.resolve("fs"))) {
              check(fs, "filesystem");
            }
            try (KVStore sqlite = SqliteStore.open(dir.resolve("node.sqlite"))) {
              check(sqlite, "sqlite");
            }
            try (VssServer server =
                    VssServer.builder(VssStorage.sqlite(dir.resolve("vss.sqlite")))
                        .port(0)
                        .authorizer(Authorizer.none())
                        .start();
                KVStore vss =
                    VssStore.builder(server.baseUrl().toString(), "app")
                        .keys(VssKeys.fromNodeSeed(new byte[64]))
                        .build()) {
              check(vss, "vss");
            }
            System.out.println("all backends ok");
          }

          static void check(KVStore store, String name) {
            store.write("p", "s", "k", name.getBytes(StandardCharsets.UTF_8));
            String back = new String(store.read("p", "s", "k"), StandardCharsets.UTF_8);
            if (!back.equals(name)) {
              throw new AssertionError(name + " read back " + back);
            }
          }
        }
        """);
    Path classes = dir.resolve("classes");
    assertThat(compile(src, classes)).as("compiler output").isEmpty();

    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "--module-path",
                modulePath + File.pathSeparator + classes,
                "--module",
                "com.example.app/com.example.app.Main",
                dir.resolve("data").toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    // InodeLock logs this and carries on without flock when JNA cannot reach the C library
    assertThat(out)
        .contains("all backends ok")
        .doesNotContain("IllegalAccess")
        .doesNotContain("flock(2) is not available");
    assertThat(out.lines().filter(l -> l.contains("WARN")))
        .as("warnings other than the server's expected one about running without authentication")
        .allMatch(l -> l.contains("without authentication"));
  }

  /** Each of these is reachable on the class path, and must not be from a module. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "io.lnkv.internal.WriterLock", // core's shared mechanics
        "io.lnkv.internal.RecordLog",
        "io.lnkv.postgres.internal.PostgresPools",
        "io.lnkv.vss.wire.KeyValue", // the VSS wire messages
        "io.lnkv.vss.StorableCodec", // the encryption and key obfuscation
        "io.lnkv.vss.KeyObfuscator"
      })
  void internalsDoNotCompileFromOutsideLnkv(String internal) throws Exception {
    Path src = dir.resolve("src");
    writeApp(
        src,
        "public class Main {\n  static Class<?> reach() { return " + internal + ".class; }\n}\n");
    String errors = compile(src, dir.resolve("classes"));
    assertThat(errors)
        .as("compiling a reference to " + internal)
        .containsAnyOf("is not visible", "is not public", "does not export");
  }

  private static void writeApp(Path src, String mainClass) throws IOException {
    Path pkg = src.resolve("com/example/app");
    Files.createDirectories(pkg);
    Files.writeString(
        src.resolve("module-info.java"),
        "module com.example.app {\n"
            + "  requires io.lnkv.core;\n"
            + "  requires io.lnkv.sqlite;\n"
            + "  requires io.lnkv.postgres;\n"
            + "  requires io.lnkv.vss.server;\n"
            + "}\n");
    Files.writeString(pkg.resolve("Main.java"), "package com.example.app;\n\n" + mainClass);
  }

  /** Compiles the application on the module path; returns the compiler's diagnostics. */
  private static String compile(Path src, Path classes) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> options =
        List.of("--release", "17", "-d", classes.toString(), "--module-path", modulePath);
    List<File> sources;
    try (var files = Files.walk(src)) {
      sources = files.filter(f -> f.toString().endsWith(".java")).map(Path::toFile).toList();
    }
    StringWriter out = new StringWriter();
    try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
      javac.getTask(out, fm, null, options, null, fm.getJavaFileObjectsFromFiles(sources)).call();
    }
    return out.toString();
  }

  private static Path locationOf(String className)
      throws ClassNotFoundException, URISyntaxException {
    Class<?> c = Class.forName(className, false, ModuleDescriptorsTest.class.getClassLoader());
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
