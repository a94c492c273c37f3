package io.lnkv;

import java.util.Objects;

/**
 * An opaque position in a paginated listing, valid for the (primary, secondary) scope that produced
 * it. Its format belongs to the store that issued it and may change between versions; hand it back
 * unchanged.
 */
public record PageToken(String value) {
  public PageToken {
    Objects.requireNonNull(value, "value");
  }

  @Override
  public String toString() {
    return value;
  }
}
