/**
 * The conformance suite every {@link io.lnkv.KVStore} runs, the crash and power-cut harnesses and
 * the simulated disk. Open, because JUnit and jqwik find the suite's tests by reflection.
 */
open module io.lnkv.testkit {
  requires transitive io.lnkv.core;
  requires transitive org.junit.jupiter.api;
  requires transitive org.junit.jupiter.params;
  requires org.slf4j;
  requires transitive org.assertj.core;
  requires transitive net.jqwik.api;

  exports io.lnkv.testkit;
  exports io.lnkv.testkit.disk;
}
