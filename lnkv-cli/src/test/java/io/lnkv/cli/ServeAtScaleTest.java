package io.lnkv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.lnkv.testkit.TestPostgres;
import io.lnkv.vss.wire.GetObjectRequest;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.PutObjectRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code lnkv serve} at a host's scale, behind a switch ({@code -Dlnkv.scale=true}; not in the
 * default run, it takes minutes and a gigabyte of database): three instances on one PostgreSQL
 * database of 10,000 users x 3 stores x 33 keys (990,000 rows of 256-byte values), JWT
 * authentication, 64 connections reading and writing. The p50 and p99 of reads and of writes when
 * the requests spread over all 10,000 users are compared with the same when they come from 100
 * (goal: p99 within 1.5x), and logged. {@code -Dlnkv.scale.seconds=N} sets each phase's length (20
 * s by default). The servers' resident memory is sampled every {@link #RSS_EVERY_SECONDS} seconds
 * and logged; a soak run ({@code -Dlnkv.scale.seconds=600}, 20 minutes of load in all) also
 * requires it to stay flat: no server's largest sample in the second half of the load may exceed
 * its largest in the first half by more than {@link #RSS_GROWTH_ALLOWED}, which a leak of a few
 * hundred bytes per request would.
 */
class ServeAtScaleTest {
  private static final int USERS = 10_000;
  private static final int STORES = 3;
  private static final int KEYS = 33;
  private static final int CONNECTIONS = 64;
  private static final int RSS_EVERY_SECONDS = 10;
  private static final double RSS_GROWTH_ALLOWED = 1.10;
  private static final int SOAK_SECONDS = 600;

  @TempDir Path tmp;

  @Test
  void tenThousandUsers_costNoMoreThanAHundred() throws Exception {
    assumeTrue(Boolean.getBoolean("lnkv.scale"), "the scale run is behind -Dlnkv.scale=true");
    String base = TestPostgres.url();
    String url = base.replaceFirst("/[^/?]+(\\?|$)", "/lnkv_scale$1");
    try (Connection c = DriverManager.getConnection(base);
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS lnkv_scale");
      s.execute("CREATE DATABASE lnkv_scale");
    }
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair keys = g.generateKeyPair();
    Path pem = tmp.resolve("jwt.pem");
    Files.writeString(
        pem,
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(keys.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n");
    List<ServeProcess> servers = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        servers.add(
            ServeProcess.start(
                List.of("-Xmx512m"),
                List.of("--storage", url, "--auth", "jwt", "--jwt-public-key", pem.toString()),
                tmp.resolve("serve-" + i + ".log")));
      }
      fill(url);
      String[] tokens = new String[USERS];
      for (int u = 0; u < USERS; u++) {
        tokens[u] = token(keys, "u" + u);
      }
      int seconds = Integer.getInteger("lnkv.scale.seconds", 20);
      RssSamples rss = new RssSamples(servers);
      long[][] hundred;
      long[][] all;
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      try {
        sampler.scheduleAtFixedRate(rss::sample, 0, RSS_EVERY_SECONDS, TimeUnit.SECONDS);
        hundred = load(servers, tokens, 100, seconds);
        all = load(servers, tokens, USERS, seconds);
      } finally {
        sampler.shutdownNow();
      }
      String report =
          String.format(
              "lnkv serve x3 on PostgreSQL, %,d rows, %d connections: reads p50/p99 %s (100 users)"
                  + " vs %s (10,000); writes %s vs %s; peak RSS %s; RSS (MiB) every %d s: %s",
              USERS * STORES * KEYS,
              CONNECTIONS,
              percentiles(hundred[0]),
              percentiles(all[0]),
              percentiles(hundred[1]),
              percentiles(all[1]),
              servers.stream().map(p -> peakRss(p.process.pid())).toList(),
              RSS_EVERY_SECONDS,
              rss);
      LoggerFactory.getLogger(ServeAtScaleTest.class).info(report);
      if (seconds >= SOAK_SECONDS) {
        for (int i = 0; i < servers.size(); i++) {
          assertThat(rss.secondHalfPeak(i))
              .as("server %d's RSS grew over the soak: %s", i, report)
              .isLessThanOrEqualTo((long) (rss.firstHalfPeak(i) * RSS_GROWTH_ALLOWED));
        }
      }
      assertThat(p(all[0], 0.99)).as(report).isLessThanOrEqualTo(p(hundred[0], 0.99) * 3 / 2);
      assertThat(p(all[1], 0.99)).as(report).isLessThanOrEqualTo(p(hundred[1], 0.99) * 3 / 2);
    } finally {
      for (ServeProcess p : servers) {
        p.close();
      }
      try (Connection c = DriverManager.getConnection(base);
          Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS lnkv_scale");
      }
    }
  }

  /** The rows, straight into the table, and the usage they make. */
  private static void fill(String url) throws Exception {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO vss_db (user_token, store_id, key, value, version)"
              + " SELECT 'u' || u, 's' || st, 'k' || k, decode(repeat('ab', 256), 'hex'), 1"
              + " FROM generate_series(0, "
              + (USERS - 1)
              + ") u, generate_series(0, "
              + (STORES - 1)
              + ") st, generate_series(0, "
              + (KEYS - 1)
              + ") k");
      s.execute("DELETE FROM vss_user_usage");
      s.execute(
          "INSERT INTO vss_user_usage (user_token, bytes, keys, stores) SELECT user_token,"
              + " SUM(LENGTH(value)), COUNT(*), COUNT(DISTINCT store_id) FROM vss_db"
              + " GROUP BY user_token");
      s.execute("ANALYZE vss_db");
    }
  }

  private static String token(KeyPair keys, String sub) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader(JWSAlgorithm.RS256),
            new JWTClaimsSet.Builder()
                .subject(sub)
                .expirationTime(Date.from(Instant.now().plusSeconds(7200)))
                .build());
    jwt.sign(new RSASSASigner(keys.getPrivate()));
    return jwt.serialize();
  }

  /**
   * {@link #CONNECTIONS} clients for {@code seconds} (after 5 s of warm-up), each alternating a
   * read and a write of a random key of a random store of one of the first {@code users} users, at
   * a random instance. Returns the reads' and the writes' latencies in microseconds.
   */
  private static long[][] load(List<ServeProcess> servers, String[] tokens, int users, int seconds)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
    long warm = System.nanoTime() + 5_000_000_000L;
    long end = warm + seconds * 1_000_000_000L;
    List<Future<long[][]>> clients = new ArrayList<>();
    for (int c = 0; c < CONNECTIONS; c++) {
      clients.add(
          pool.submit(
              () -> {
                HttpClient http =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                List<Long> reads = new ArrayList<>();
                List<Long> writes = new ArrayList<>();
                ThreadLocalRandom random = ThreadLocalRandom.current();
                byte[] value = new byte[256];
                for (long now = System.nanoTime(); now < end; now = System.nanoTime()) {
                  int u = random.nextInt(users);
                  String store = "s" + random.nextInt(STORES);
                  String key = "k" + random.nextInt(KEYS);
                  boolean read = random.nextBoolean();
                  byte[] body =
                      read
                          ? GetObjectRequest.newBuilder()
                              .setStoreId(store)
                              .setKey(key)
                              .build()
                              .toByteArray()
                          : PutObjectRequest.newBuilder()
                              .setStoreId(store)
                              .addTransactionItems(
                                  KeyValue.newBuilder()
                                      .setKey(key)
                                      .setVersion(-1)
                                      .setValue(ByteString.copyFrom(value)))
                              .build()
                              .toByteArray();
                  URI at =
                      servers
                          .get(random.nextInt(servers.size()))
                          .base
                          .resolve(read ? "/vss/getObject" : "/vss/putObjects");
                  long start = System.nanoTime();
                  HttpResponse<byte[]> r =
                      http.send(
                          HttpRequest.newBuilder(at)
                              .header("Authorization", "Bearer " + tokens[u])
                              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                              .build(),
                          HttpResponse.BodyHandlers.ofByteArray());
                  long micros = (System.nanoTime() - start) / 1000;
                  assertThat(r.statusCode()).isEqualTo(200);
                  if (start > warm) {
                    (read ? reads : writes).add(micros);
                  }
                }
                return new long[][] {
                  reads.stream().mapToLong(Long::longValue).toArray(),
                  writes.stream().mapToLong(Long::longValue).toArray()
                };
              }));
    }
    List<long[]> reads = new ArrayList<>();
    List<long[]> writes = new ArrayList<>();
    for (Future<long[][]> f : clients) {
      long[][] r = f.get();
      reads.add(r[0]);
      writes.add(r[1]);
    }
    pool.shutdown();
    return new long[][] {concat(reads), concat(writes)};
  }

  private static long[] concat(List<long[]> parts) {
    long[] all = parts.stream().flatMapToLong(Arrays::stream).toArray();
    Arrays.sort(all);
    return all;
  }

  private static long p(long[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

  private static String percentiles(long[] sorted) {
    return String.format(
        "%.1f/%.1f ms (%,d)", p(sorted, 0.5) / 1000.0, p(sorted, 0.99) / 1000.0, sorted.length);
  }

  private static String peakRss(long pid) {
    return status(pid, "VmHWM").map(kib -> kib / 1024 + " MiB").orElse("?");
  }

  /** A {@code kB} field of {@code /proc/PID/status}, in KiB. */
  private static Optional<Long> status(long pid, String field) {
    try {
      return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
          .filter(l -> l.startsWith(field + ":"))
          .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
          .findFirst();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** Each server's resident set over the run, one sample per tick. Thread-safe. */
  private static final class RssSamples {
    private final List<ServeProcess> servers;
    private final List<List<Long>> kib = new ArrayList<>();

    RssSamples(List<ServeProcess> servers) {
      this.servers = servers;
      servers.forEach(s -> kib.add(new ArrayList<>()));
    }

    synchronized void sample() {
      for (int i = 0; i < servers.size(); i++) {
        status(servers.get(i).process.pid(), "VmRSS").ifPresent(kib.get(i)::add);
      }
    }

    synchronized long firstHalfPeak(int server) {
      List<Long> s = kib.get(server);
      return s.subList(0, s.size() / 2).stream().mapToLong(Long::longValue).max().orElse(0);
    }

    synchronized long secondHalfPeak(int server) {
      List<Long> s = kib.get(server);
      return s.subList(s.size() / 2, s.size()).stream().mapToLong(Long::longValue).max().orElse(0);
    }

    @Override
    public synchronized String toString() {
      return kib.stream()
          .map(s -> s.stream().map(k -> String.valueOf(k / 1024)).toList().toString())
          .toList()
          .toString();
    }
  }
}
