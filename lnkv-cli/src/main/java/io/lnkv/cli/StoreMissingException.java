package io.lnkv.cli;

/** A command that reads a store was pointed at a store that does not exist. */
final class StoreMissingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  StoreMissingException(String message) {
    super(message);
  }
}
