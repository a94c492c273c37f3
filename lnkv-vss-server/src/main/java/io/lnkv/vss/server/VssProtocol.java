package io.lnkv.vss.server;

import com.google.protobuf.MessageLite;
import io.lnkv.ConflictException;
import io.lnkv.vss.wire.DeleteObjectRequest;
import io.lnkv.vss.wire.DeleteObjectResponse;
import io.lnkv.vss.wire.ErrorCode;
import io.lnkv.vss.wire.ErrorResponse;
import io.lnkv.vss.wire.GetObjectRequest;
import io.lnkv.vss.wire.GetObjectResponse;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.ListKeyVersionsRequest;
import io.lnkv.vss.wire.PutObjectRequest;
import io.lnkv.vss.wire.PutObjectResponse;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VSS operations, without HTTP: a request body in, a reply out, as the Rust vss-server answers
 * (reference §1–2): protobuf {@code ErrorResponse}s with its codes, plain text where it answers
 * plain text (an unparsable body), 409 for any version conflict with nothing applied. Thread-safe.
 */
final class VssProtocol {
  /** The four endpoints, under {@code /vss/}. */
  static final Set<String> ENDPOINTS =
      Set.of("getObject", "putObjects", "deleteObject", "listKeyVersions");

  private static final Logger log = LoggerFactory.getLogger(VssServer.class);
  private static final int MAX_PAGE_SIZE = 100;

  /** What to answer, and what the access log says about the request (never keys or values). */
  record Reply(int status, String contentType, byte[] body, String storeId, int items) {
    static Reply plain(int status, String text) {
      return new Reply(
          status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), "-", 0);
    }

    static Reply error(int status, ErrorCode code, String message) {
      return new Reply(
          status,
          "application/octet-stream",
          ErrorResponse.newBuilder().setErrorCode(code).setMessage(message).build().toByteArray(),
          "-",
          0);
    }

    Reply about(String storeId, int items) {
      return new Reply(status, contentType, body, storeId, items);
    }
  }

  private final KeyVersionStorage storage;
  private final int maxItems;
  private final KeyVersionStorage.Quota quota;
  private final ServerMetrics metrics;

  VssProtocol(
      KeyVersionStorage storage,
      int maxItems,
      KeyVersionStorage.Quota quota,
      ServerMetrics metrics) {
    this.storage = storage;
    this.maxItems = maxItems;
    this.quota = quota;
    this.metrics = metrics;
  }

  /** Runs {@code endpoint} (one of {@link #ENDPOINTS}) for {@code user}. */
  Reply handle(String endpoint, String user, byte[] body) {
    String storeId = "-";
    int items = 0;
    try {
      switch (endpoint) {
        case "getObject" -> {
          GetObjectRequest r = GetObjectRequest.parseFrom(aliasing(body));
          storeId = r.getStoreId();
          return get(user, r).about(storeId, 0);
        }
        case "putObjects" -> {
          PutObjectRequest r = PutObjectRequest.parseFrom(aliasing(body));
          storeId = r.getStoreId();
          items = r.getTransactionItemsCount() + r.getDeleteItemsCount();
          return put(user, r).about(storeId, items);
        }
        case "deleteObject" -> {
          DeleteObjectRequest r = DeleteObjectRequest.parseFrom(aliasing(body));
          storeId = r.getStoreId();
          items = 1;
          return delete(user, r).about(storeId, items);
        }
        case "listKeyVersions" -> {
          ListKeyVersionsRequest r = ListKeyVersionsRequest.parseFrom(aliasing(body));
          storeId = r.getStoreId();
          return list(user, r).about(storeId, 0);
        }
        default -> throw new IllegalArgumentException("not an endpoint: " + endpoint);
      }
    } catch (java.io.IOException e) { // InvalidProtocolBufferException: not a request
      return Reply.plain(400, "Error parsing request");
    } catch (Invalid e) {
      return Reply.error(400, ErrorCode.INVALID_REQUEST_EXCEPTION, e.getMessage())
          .about(storeId, items);
    } catch (ConflictException e) {
      return Reply.error(409, ErrorCode.CONFLICT_EXCEPTION, "Version conflict: " + e.getMessage())
          .about(storeId, items);
    } catch (KeyVersionStorage.QuotaExceededException e) {
      metrics.refused(ServerMetrics.Refusal.QUOTA);
      return Reply.error(400, ErrorCode.INVALID_REQUEST_EXCEPTION, e.getMessage())
          .about(storeId, items);
    } catch (RuntimeException e) {
      // No stack trace and no driver message as is: SQL drivers quote the failed statement with
      // its parameters, which are the client's (encrypted) values.
      log.error(
          "VSS {} for store '{}' failed in {}: {}",
          endpoint,
          storeId,
          storage.describe(),
          withoutValues(e));
      return Reply.error(500, ErrorCode.INTERNAL_SERVER_EXCEPTION, "Unknown Server Error occurred.")
          .about(storeId, items);
    }
  }

  /**
   * The body for parsing without copying its bytes fields: a put's values stay slices of the body,
   * which the body budget already counts, instead of a second copy of every value.
   */
  private static com.google.protobuf.CodedInputStream aliasing(byte[] body) {
    com.google.protobuf.CodedInputStream in =
        com.google.protobuf.CodedInputStream.newInstance(body);
    in.enableAliasing(true);
    return in;
  }

  /** A request that breaks a rule of the protocol: 400 INVALID_REQUEST_EXCEPTION. */
  private static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  private Reply get(String user, GetObjectRequest r) {
    checkStoreAndKey(r.getStoreId(), null);
    if (r.getKey().isEmpty() || r.getKey().length() > 600) {
      throw new Invalid("key must be 1 to 600 characters");
    }
    var kv = storage.get(user, r.getStoreId(), r.getKey());
    if (kv.isEmpty()) {
      return Reply.error(404, ErrorCode.NO_SUCH_KEY_EXCEPTION, "Requested key not found.");
    }
    return ok(GetObjectResponse.newBuilder().setValue(kv.get()).build());
  }

  private Reply put(String user, PutObjectRequest r) {
    int count = r.getTransactionItemsCount() + r.getDeleteItemsCount();
    if (count > maxItems) {
      throw new Invalid("Too many items in one request: " + count + ", at most " + maxItems);
    }
    checkStoreAndKey(r.getStoreId(), null);
    for (KeyValue kv : r.getTransactionItemsList()) {
      checkStoreAndKey(r.getStoreId(), kv.getKey());
    }
    for (KeyValue kv : r.getDeleteItemsList()) {
      checkStoreAndKey(r.getStoreId(), kv.getKey());
    }
    storage.put(
        user,
        r.getStoreId(),
        r.hasGlobalVersion() ? r.getGlobalVersion() : null,
        r.getTransactionItemsList(),
        r.getDeleteItemsList(),
        quota);
    return ok(PutObjectResponse.getDefaultInstance());
  }

  private Reply delete(String user, DeleteObjectRequest r) {
    if (!r.hasKeyValue()) {
      throw new Invalid("DeleteObjectRequest without key_value");
    }
    checkStoreAndKey(r.getStoreId(), r.getKeyValue().getKey());
    storage.delete(user, r.getStoreId(), r.getKeyValue());
    return ok(DeleteObjectResponse.getDefaultInstance());
  }

  private Reply list(String user, ListKeyVersionsRequest r) {
    checkStoreAndKey(r.getStoreId(), null);
    int pageSize = r.hasPageSize() ? r.getPageSize() : MAX_PAGE_SIZE;
    if (pageSize < 0) {
      throw new Invalid("page_size must not be negative");
    }
    try {
      return ok(
          storage.list(
              user,
              r.getStoreId(),
              r.hasKeyPrefix() ? r.getKeyPrefix() : null,
              Math.min(pageSize, MAX_PAGE_SIZE),
              r.hasPageToken() ? r.getPageToken() : null));
    } catch (IllegalArgumentException e) {
      throw new Invalid("Invalid page_token: " + e.getMessage());
    }
  }

  private static void checkStoreAndKey(String storeId, String key) {
    if (storeId.length() > 120) {
      throw new Invalid("store_id longer than 120 characters");
    }
    if (key != null && (key.isEmpty() || key.length() > 600)) {
      throw new Invalid("key must be 1 to 600 characters");
    }
    if (VssStorage.GLOBAL_VERSION_KEY.equals(key)) {
      throw new Invalid("key '" + key + "' is reserved (it holds the store's global_version)");
    }
  }

  private static Reply ok(MessageLite response) {
    return new Reply(200, "application/octet-stream", response.toByteArray(), "-", 0);
  }

  /**
   * What went wrong inside the storage, for the log: the exception types, the SQL state and the
   * database's own error, cut short. A batch's own message (which quotes the statement and its
   * values) is replaced by the error of the entry that failed.
   */
  static String withoutValues(Throwable e) {
    StringBuilder out = new StringBuilder(e.getClass().getSimpleName());
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    if (cause instanceof java.sql.SQLException sql) {
      java.sql.SQLException reported =
          sql instanceof java.sql.BatchUpdateException && sql.getNextException() != null
              ? sql.getNextException()
              : sql;
      String message = String.valueOf(reported.getMessage());
      out.append(" (")
          .append(reported.getClass().getSimpleName())
          .append(", SQLState ")
          .append(reported.getSQLState())
          .append("): ")
          .append(message, 0, Math.min(message.length(), 200));
    } else if (cause != e) {
      out.append(" (").append(cause.getClass().getSimpleName()).append(')');
    }
    return out.toString();
  }
}
