package io.lnkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.lnkv.testkit.TestPostgres;
import io.lnkv.vss.wire.GetObjectRequest;
import io.lnkv.vss.wire.GetObjectResponse;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.ListKeyVersionsRequest;
import io.lnkv.vss.wire.ListKeyVersionsResponse;
import io.lnkv.vss.wire.PutObjectRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code lnkv serve} processes on one PostgreSQL database, clients spread over them at
 * random: compare-and-set, all-or-nothing puts of two keys and {@code global_version} must hold
 * across the processes as within one (real processes, real HTTP, a real database).
 */
class ServeScaleOutTest {
  private static final int INSTANCES = 3;
  private static final int CLIENTS = 12;
  private static final int ROUNDS = 40;

  @TempDir Path tmp;
  private final List<ServeProcess> servers = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws Exception {
    for (ServeProcess p : servers) {
      p.close();
    }
  }

  private void startServers(String storage) throws Exception {
    for (int i = 0; i < INSTANCES; i++) {
      servers.add(
          ServeProcess.start(
              List.of(), List.of("--storage", storage), tmp.resolve("serve-" + i + ".log")));
    }
  }

  private URI anyInstance(String endpoint) {
    return servers
        .get(ThreadLocalRandom.current().nextInt(INSTANCES))
        .base
        .resolve("/vss/" + endpoint);
  }

  private HttpResponse<byte[]> post(String endpoint, byte[] body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(anyInstance(endpoint))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private KeyValue get(String store, String key) throws Exception {
    HttpResponse<byte[]> r =
        post(
            "getObject",
            GetObjectRequest.newBuilder().setStoreId(store).setKey(key).build().toByteArray());
    if (r.statusCode() == 404) {
      return KeyValue.newBuilder().setKey(key).setVersion(0).build();
    }
    assertThat(r.statusCode()).isEqualTo(200);
    return GetObjectResponse.parseFrom(r.body()).getValue();
  }

  private static long number(KeyValue kv) {
    return kv.getValue().isEmpty() ? 0 : ByteBuffer.wrap(kv.getValue().toByteArray()).getLong();
  }

  private static ByteString bytes(long n) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(n).array());
  }

  private long globalVersion(String store) throws Exception {
    HttpResponse<byte[]> r =
        post(
            "listKeyVersions",
            ListKeyVersionsRequest.newBuilder()
                .setStoreId(store)
                .setKeyPrefix("none")
                .setPageSize(1)
                .build()
                .toByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return ListKeyVersionsResponse.parseFrom(r.body()).getGlobalVersion();
  }

  @Test
  void threeInstancesOnOneDatabase_keepCompareAndSetAtomicityAndGlobalVersion() throws Exception {
    startServers(TestPostgres.url());
    String store = "scale-out-" + System.nanoTime();
    AtomicLong increments = new AtomicLong();
    AtomicLong conflicts = new AtomicLong();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      done.add(
          clients.submit(
              () -> {
                for (int round = 0; round < ROUNDS; round++) {
                  while (true) { // read a, b and global_version; write a+1, b+1 and gv together
                    KeyValue a = get(store, "a");
                    KeyValue b = get(store, "b");
                    long gv = globalVersion(store);
                    byte[] put =
                        PutObjectRequest.newBuilder()
                            .setStoreId(store)
                            .setGlobalVersion(gv)
                            .addTransactionItems(
                                KeyValue.newBuilder()
                                    .setKey("a")
                                    .setVersion(a.getVersion())
                                    .setValue(bytes(number(a) + 1)))
                            .addTransactionItems(
                                KeyValue.newBuilder()
                                    .setKey("b")
                                    .setVersion(b.getVersion())
                                    .setValue(bytes(number(b) + 1)))
                            .build()
                            .toByteArray();
                    int status = post("putObjects", put).statusCode();
                    if (status == 200) {
                      increments.incrementAndGet();
                      break;
                    }
                    assertThat(status).as("a conflict, nothing else").isEqualTo(409);
                    conflicts.incrementAndGet();
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get(5, TimeUnit.MINUTES);
    }
    clients.shutdown();
    long total = (long) CLIENTS * ROUNDS;
    assertThat(increments.get()).isEqualTo(total);
    assertThat(conflicts.get()).as("the clients did race").isPositive();
    KeyValue a = get(store, "a");
    KeyValue b = get(store, "b");
    // every successful put applied both items and the global version, none was lost or doubled
    assertThat(number(a)).isEqualTo(total);
    assertThat(number(b)).isEqualTo(total);
    assertThat(a.getVersion()).isEqualTo(total);
    assertThat(globalVersion(store)).isEqualTo(total);
  }
}
