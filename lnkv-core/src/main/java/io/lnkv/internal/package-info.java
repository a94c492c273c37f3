/**
 * Not API: the mechanics lnkv's own modules share (record logs, the writer lock, durable folder
 * operations, the SQL key-value table, backoff, thread and holder naming). Public only because Java
 * packages cannot be shared between jars otherwise; anything here may change in any release. Write
 * your own store on {@link io.lnkv.spi.AbstractKVStore} instead.
 */
package io.lnkv.internal;
