package io.lnkv.testkit;

/** The harnesses' run-length settings: a system property, else an environment variable. */
final class TestSettings {
  private TestSettings() {}

  static int integer(String property, String environmentVariable, int fallback) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      value = System.getenv(environmentVariable);
    }
    return value == null || value.isBlank() ? fallback : Integer.parseInt(value.trim());
  }
}
