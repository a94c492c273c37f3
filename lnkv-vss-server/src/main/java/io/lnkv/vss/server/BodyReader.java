package io.lnkv.vss.server;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * Reads one request body into memory without holding a thread (a client that trickles its body
 * costs what it sent, not a thread), within the per-request limit and the server's {@link
 * BodyBudget}.
 *
 * <p>Nothing is held before the first byte of the body arrives: a client that sends headers and
 * stops holds no buffer and no budget. The buffer then grows with the bytes (doubling, up to the
 * declared length or the limit). The budget is taken when the body starts: a body that declares
 * more than {@link BodyBudget#SMALL_BODY} takes its whole declared length at its first byte, or is
 * refused at once (so that many large uploads at once are admitted whole or not at all, instead of
 * all reserving part of what they need and none finishing); a smaller body, or one of unknown
 * length, takes its bytes as they arrive. A body must keep arriving at the minimum rate after a
 * grace period of {@link #GRACE_NANOS}: one that falls behind is failed ({@link TooSlow}) at its
 * next chunk, or by the {@link ConnectionGuard}'s sweep if no chunk comes, within half a second. An
 * {@link Error} while reading (out of memory) ends the read as a failure, with the buffer dropped.
 *
 * <p>Not thread-safe: Jetty calls {@link #run} for one demand at a time.
 */
final class BodyReader implements Invocable.Task {
  /** How long a body may take before the minimum rate applies: 2 s. */
  static final long GRACE_NANOS = 2_000_000_000L;

  /** What ends a read: the body, or why there is none. */
  interface Outcome {
    /**
     * @param body the whole body, or null
     * @param failure null with a body; else {@link TooLarge}, {@link OverBudget}, {@link TooSlow},
     *     an {@link Error}, or the engine's failure (client gone, idle)
     */
    void done(byte[] body, Throwable failure);
  }

  /** The body grew past the per-request limit (or past its declared length). */
  static final class TooLarge extends Exception {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super("body over the per-request limit", null, false, false);
    }
  }

  /** The body grew past what the budget could still give. */
  static final class OverBudget extends Exception {
    private static final long serialVersionUID = 1L;

    OverBudget() {
      super("body over the bytes the server can hold now", null, false, false);
    }
  }

  /** The body arrived more slowly than the minimum rate. */
  static final class TooSlow extends Exception {
    private static final long serialVersionUID = 1L;

    TooSlow(long bytes, long millis, long minBytesPerSecond) {
      super(
          bytes
              + " bytes in "
              + millis
              + " ms, below the minimum of "
              + minBytesPerSecond
              + " bytes a second",
          null,
          false,
          false);
    }
  }

  private final Request request;
  private final long expected; // the declared length, or the limit: the buffer never grows past it
  private final BodyBudget.Reservation reservation;
  private final long minBytesPerSecond;
  private final Outcome outcome;
  private final ConnectionGuard guard; // watches the body's rate while it is read
  private final int copies; // how many times the body is held once read (a put's values: twice)
  private final long startNanos = System.nanoTime();
  private final boolean declaredLarge;
  private byte[] buffer = new byte[0];
  private volatile int size; // read by the guard's sweep
  private volatile boolean expired; // failed by the sweep
  private volatile boolean ended; // read by the guard's sweep too

  /**
   * @param copies how many times the body will be held while it is handled: a large declared body
   *     reserves its length that many times at its first byte
   * @param minBytesPerSecond the slowest body accepted after the grace period; 0 for no minimum
   */
  BodyReader(
      Request request,
      long limit,
      BodyBudget.Reservation reservation,
      int copies,
      long minBytesPerSecond,
      ConnectionGuard guard,
      Outcome outcome) {
    this.request = request;
    this.copies = copies;
    this.guard = guard;
    long max = Math.min(limit, Integer.MAX_VALUE - 8);
    long declared = request.getLength();
    this.expected = declared >= 0 ? Math.min(declared, max) : max;
    this.declaredLarge = declared > BodyBudget.SMALL_BODY;
    this.reservation = reservation;
    this.minBytesPerSecond = minBytesPerSecond;
    this.outcome = outcome;
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING; // copies bytes; the outcome hands blocking work on
  }

  /** Starts reading: registers the body with the guard, then reads what has arrived. */
  void start() {
    guard.watch(this);
    run();
  }

  /** Reads what has arrived; asks to be called again when more does. */
  @Override
  public void run() {
    try {
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
          if (!take(chunk.getByteBuffer()) || (!last && tooSlow())) {
            return;
          }
        } finally {
          chunk.release();
        }
        if (last) {
          end(size == buffer.length ? buffer : Arrays.copyOf(buffer, size), null);
        }
      }
    } catch (Error e) {
      if (!ended) {
        end(null, e); // the buffer goes first: the answer needs memory
      }
    }
  }

  /** Copies the bytes in, within the limit and the budget; false if the read ended instead. */
  private boolean take(ByteBuffer bytes) {
    int n = bytes.remaining();
    if (size + (long) n > expected) { // over the limit, or longer than declared
      end(null, new TooLarge());
      return false;
    }
    // a large declared body takes its whole length at its first byte: admitted whole or refused
    if (!reservation.cover(
        declaredLarge ? expected * copies : size + (long) n, expected * copies)) {
      end(null, new OverBudget());
      return false;
    }
    if (size + n > buffer.length) {
      long grown = Math.max(size + (long) n, Math.max(2L * buffer.length, 4096));
      buffer = Arrays.copyOf(buffer, (int) Math.min(expected, grown));
    }
    bytes.get(buffer, size, n);
    size += n;
    return true;
  }

  /** Whether the body is behind the minimum rate (then the read has ended). */
  private boolean tooSlow() {
    TooSlow behind = behind(System.nanoTime());
    if (behind == null) {
      return false;
    }
    end(null, behind);
    return true;
  }

  /** Why the body is behind the minimum rate at {@code now}, or null if it is not. */
  private TooSlow behind(long now) {
    if (minBytesPerSecond <= 0) {
      return null;
    }
    long elapsed = now - startNanos;
    int arrived = size;
    if (elapsed <= GRACE_NANOS
        || arrived >= (double) minBytesPerSecond * (elapsed - GRACE_NANOS) / 1e9) {
      return null;
    }
    return new TooSlow(arrived, elapsed / 1_000_000, minBytesPerSecond);
  }

  /**
   * Fails the body if it is behind the minimum rate, from the {@link ConnectionGuard}'s sweep: a
   * client that sent a few bytes and went silent sends no chunk that would be checked. The read
   * then ends with the failure (a 408), as if the engine had failed it. Thread-safe.
   *
   * @return whether it was failed
   */
  boolean expireIfBehind(long now) {
    TooSlow behind = expired || ended ? null : behind(now);
    if (behind == null) {
      return false;
    }
    expired = true;
    request.fail(behind);
    return true;
  }

  private void end(byte[] body, Throwable failure) {
    ended = true;
    buffer = null;
    guard.unwatch(this);
    outcome.done(body, failure);
  }
}
