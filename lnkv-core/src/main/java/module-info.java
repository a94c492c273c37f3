/**
 * lnkv's contract and its embedded stores: the {@link io.lnkv.KVStore} API, key rules, the
 * in-memory and filesystem stores, tiered storage, the write queue and migration.
 *
 * <p>{@code io.lnkv.internal} holds the mechanics lnkv's own modules share (record logs, writer
 * locks, the SQL table) and is exported only to them; on the class path nothing stops a user from
 * reaching it, and nothing in it is API.
 */
module io.lnkv.core {
  requires static micrometer.core; // optional: whoever calls TierStore.Builder#meterRegistry has it
  requires org.slf4j;
  requires static com.sun.jna; // optional: flock(2) on the store itself (InodeLock)
  requires java.sql; // the SQL key-value table the SQLite and PostgreSQL stores share

  exports io.lnkv;
  exports io.lnkv.fs;
  exports io.lnkv.ldk;
  exports io.lnkv.memory;
  exports io.lnkv.migrate;
  exports io.lnkv.queue;
  exports io.lnkv.spi;
  exports io.lnkv.tier;
  exports io.lnkv.internal to
      io.lnkv.sqlite,
      io.lnkv.postgres,
      io.lnkv.vss,
      io.lnkv.vss.server;
}
