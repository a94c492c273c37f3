package io.lnkv.vss.server;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * Reads one request body into memory without holding a thread (a client that trickles its body
 * costs a buffer, not a thread), within the per-request limit and the server's {@link BodyBudget}.
 *
 * <p>A body whose length was declared had it reserved before the first byte was read (see {@code
 * VssHandler}); a body of unknown length (chunked HTTP/1.1, or HTTP/2 without content-length) takes
 * its first {@link VssHandler#SMALL_BODY} bytes free, as small declared bodies do, and reserves the
 * rest as it arrives, doubling, so that it is refused as soon as it would not fit instead of
 * reserving the per-request maximum up front (which made a few empty HTTP/2 requests look like as
 * many maximum uploads). The buffer grows with what arrives, never ahead of it.
 *
 * <p>Not thread-safe: Jetty calls {@link #run} for one demand at a time.
 */
final class BodyReader implements Invocable.Task {
  /** What ends a read: the body, or why there is none. */
  interface Outcome {
    /**
     * @param body the whole body, or null
     * @param failure null with a body; else {@link TooLarge}, {@link OverBudget}, or the engine's
     *     failure (client gone, idle, under the minimum data rate)
     * @param reserved the bytes the body holds in the budget: release them once answered
     */
    void done(byte[] body, Throwable failure, long reserved);
  }

  /** The body grew past the per-request limit (or past its declared length). */
  static final class TooLarge extends Exception {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super("body over the per-request limit", null, false, false);
    }
  }

  /** The body of unknown length grew past what the budget could still give. */
  static final class OverBudget extends Exception {
    private static final long serialVersionUID = 1L;

    OverBudget() {
      super("body over the bytes the server can hold now", null, false, false);
    }
  }

  private final Request request;
  private final long limit;
  private final long expected; // the declared length, or the limit: the buffer never grows past it
  private final BodyBudget budget;
  private final Outcome outcome;
  private long reserved;
  private byte[] buffer;
  private int size;
  private boolean ended;

  /**
   * @param reserved what the declared length already reserved (0 for a small or undeclared body)
   */
  BodyReader(Request request, long limit, BodyBudget budget, long reserved, Outcome outcome) {
    this.request = request;
    this.limit = Math.min(limit, Integer.MAX_VALUE - 8);
    this.budget = budget;
    this.reserved = reserved;
    this.outcome = outcome;
    long declared = request.getLength();
    this.expected = declared >= 0 ? Math.min(declared, this.limit) : this.limit;
    this.buffer = new byte[(int) Math.min(declared >= 0 ? expected : 8192, 64 * 1024)];
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING; // copies bytes; the outcome hands blocking work on
  }

  /** Reads what has arrived; asks to be called again when more does. */
  @Override
  public void run() {
    while (!ended) {
      Content.Chunk chunk = request.read();
      if (chunk == null) {
        request.demand(this);
        return;
      }
      if (Content.Chunk.isFailure(chunk)) {
        end(null, chunk.getFailure());
        return;
      }
      boolean last = chunk.isLast();
      try {
        ByteBuffer bytes = chunk.getByteBuffer();
        int n = bytes.remaining();
        if (size + (long) n > expected) { // over the limit, or longer than declared
          end(null, new TooLarge());
          return;
        }
        if (!reserveFor(size + n)) {
          end(null, new OverBudget());
          return;
        }
        if (size + n > buffer.length) {
          buffer =
              Arrays.copyOf(
                  buffer, (int) Math.min(expected, Math.max(size + n, 2L * buffer.length)));
        }
        bytes.get(buffer, size, n);
        size += n;
      } finally {
        chunk.release();
      }
      if (last) {
        end(size == buffer.length ? buffer : Arrays.copyOf(buffer, size), null);
      }
    }
  }

  /** Whether {@code total} bytes are covered: free up to SMALL_BODY, else by the reservation. */
  private boolean reserveFor(long total) {
    if (total <= VssHandler.SMALL_BODY || total <= reserved) {
      return true;
    }
    long target = Math.min(limit, Math.max(total, 2 * Math.max(reserved, VssHandler.SMALL_BODY)));
    target = Math.min(target, budget.capacity());
    if (target < total || !budget.tryReserve(target - reserved)) {
      return false;
    }
    reserved = target;
    return true;
  }

  private void end(byte[] body, Throwable failure) {
    ended = true;
    buffer = null;
    outcome.done(body, failure, reserved);
  }
}
