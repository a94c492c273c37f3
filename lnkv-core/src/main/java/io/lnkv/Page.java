package io.lnkv;

import java.util.List;
import java.util.Optional;

/**
 * One page of a paginated listing: keys newest-created first, and the token of the next page,
 * absent on the last page.
 */
public record Page(List<String> keys, Optional<PageToken> nextPageToken) {
  public Page {
    keys = List.copyOf(keys);
  }

  /** A page with no further pages. */
  public static Page last(List<String> keys) {
    return new Page(keys, Optional.empty());
  }
}
