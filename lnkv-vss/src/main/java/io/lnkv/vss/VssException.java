package io.lnkv.vss;

import io.lnkv.StoreException;
import io.lnkv.vss.wire.ErrorCode;
import java.util.Optional;

/**
 * A VSS server refused or failed a request, or could not be reached: after the retries the client's
 * policy allows, or at once for errors a retry cannot fix (invalid request, authentication). Says
 * which server, which call, the HTTP status and the server's message. Version conflicts are {@link
 * io.lnkv.ConflictException}s instead, and a missing key a {@link io.lnkv.KeyNotFoundException}.
 */
public final class VssException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** The HTTP status of the last attempt, or 0 if no response came. */
  private final int httpStatus;

  private final transient ErrorCode errorCode;

  /**
   * A failure that may have taken effect when no answer came or the server failed (0 or 5xx: the
   * request may have been applied before the failure); a refusal (4xx) changed nothing.
   */
  VssException(String message, int httpStatus, ErrorCode errorCode, Throwable cause) {
    super(message, cause, httpStatus == 0 || httpStatus >= 500);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  /** The HTTP status of the last attempt, or 0 if no response came (timeout, connection lost). */
  public int httpStatus() {
    return httpStatus;
  }

  /**
   * The name of the server's error code when its body was an {@code ErrorResponse}: one of the VSS
   * protocol's {@code ErrorCode} values ({@code CONFLICT_EXCEPTION}, {@code
   * INVALID_REQUEST_EXCEPTION}, {@code AUTH_EXCEPTION}, {@code NO_SUCH_KEY_EXCEPTION}, {@code
   * INTERNAL_SERVER_EXCEPTION}, ...), or empty when the server sent none or could not be reached.
   */
  public Optional<String> serverErrorCode() {
    return errorCode().map(Enum::name);
  }

  /** The wire enum behind {@link #serverErrorCode()}; the wire messages are not API. */
  Optional<ErrorCode> errorCode() {
    return Optional.ofNullable(errorCode);
  }
}
