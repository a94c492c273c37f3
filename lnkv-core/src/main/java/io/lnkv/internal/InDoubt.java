package io.lnkv.internal;

import io.lnkv.StoreException;

/**
 * The one rule for whether a failed operation may still have taken effect, used wherever lnkv
 * reports a failed write or commit: only a failure that proves nothing changed may be reported as
 * "nothing was applied". A {@link StoreException} says so itself ({@link
 * StoreException#mayHaveTakenEffect()}); an {@link IllegalArgumentException} or {@link
 * UnsupportedOperationException} is a refusal before any I/O; anything else may have happened
 * anywhere, so its outcome is unknown.
 */
public final class InDoubt {
  private InDoubt() {}

  /** Whether the operation that failed with {@code failure} may have taken effect. */
  public static boolean mayHaveTakenEffect(Throwable failure) {
    if (failure instanceof StoreException se) {
      return se.mayHaveTakenEffect();
    }
    return !(failure instanceof IllegalArgumentException
        || failure instanceof UnsupportedOperationException);
  }
}
