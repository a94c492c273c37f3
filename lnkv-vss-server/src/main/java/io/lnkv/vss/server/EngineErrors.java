package io.lnkv.vss.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The answers Jetty gives by itself (a 503 while the server stops, 400 for a malformed request, 431
 * for headers too large, 408 for a body too slow) in VSS's form: the {@code vss-protocol-version}
 * header, which a strict client requires on every response (without it a retryable 503 would read
 * as an incompatible server), and the status's reason as plain text — no HTML, and nothing of the
 * request or the failure echoed back.
 */
final class EngineErrors extends ErrorHandler {
  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    response.getHeaders().put("vss-protocol-version", VssServer.PROTOCOL_VERSION);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    String reason = HttpStatus.getMessage(code);
    response.write(true, ByteBuffer.wrap(reason.getBytes(StandardCharsets.UTF_8)), callback);
  }
}
