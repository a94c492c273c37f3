package io.lnkv.internal;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Runs the file I/O of a durable write to its end whatever interrupts the calling thread receives.
 *
 * <p>A {@link java.nio.channels.FileChannel} is interruptible: an interrupt before or during a
 * write or a {@code force} closes the channel ({@link ClosedByInterruptException}). A durable write
 * abandoned there leaves a log that cannot append or undo (every later write fails until a
 * restart), or a batch logged but not applied. So the I/O here runs with the thread's interrupt
 * status cleared; an interrupt that arrives during it closes the channel, and the action runs again
 * from the start (actions are written to be repeatable: positional writes, truncations, fsyncs,
 * files opened anew); the interrupt status is set again when the action is done, so the caller
 * still sees the interrupt at its next blocking call.
 */
public final class Uninterruptible {
  // Interrupts arriving faster than an action completes, this many times in a row, are a bug in
  // the caller; the action then fails rather than spin.
  private static final int MAX_ATTEMPTS = 100;

  private Uninterruptible() {}

  /** File I/O that can run again from its start after an interrupt closed its channel. */
  @FunctionalInterface
  public interface Action {
    void run() throws IOException;
  }

  /**
   * Runs {@code action} to its end: again from its start when an interrupt closed its channel.
   *
   * @throws IOException the action's own failure (or the last interrupt's, after {@value
   *     #MAX_ATTEMPTS} attempts in a row)
   */
  public static void run(Action action) throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      for (int attempt = 1; ; attempt++) {
        try {
          action.run();
          return;
        } catch (ClosedByInterruptException e) {
          interrupted |= Thread.interrupted();
          if (attempt == MAX_ATTEMPTS) {
            throw e;
          }
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Waits for {@code future} whatever interrupts arrive, restoring the interrupt status after. */
  public static <T> T get(Future<T> future) throws ExecutionException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return future.get();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
