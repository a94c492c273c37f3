/**
 * VSS, LDK's Versioned Storage Service: {@link io.lnkv.vss.VssStore}, a store on a VSS server laid
 * out as ldk-node lays it out (keys obfuscated, values encrypted, key schema {@link
 * io.lnkv.vss.VssKeySchema} V1 or V0), byte-compatible with vss-client and ldk-node; {@link
 * io.lnkv.vss.VssKeys} derives the keys from the node seed; authentication by {@link
 * io.lnkv.vss.VssHeaderProvider} ({@link io.lnkv.vss.VssSignatures} for VSS's signature scheme).
 * The obfuscation, encryption and key layout are package-private; the wire messages, generated from
 * {@code vss.proto} into {@code io.lnkv.vss.wire}, are exported only to lnkv's server (module
 * {@code lnkv-vss-server}).
 *
 * <p>Where things live: opening is {@code VssOpening}; HTTP, retries and the mapping of answers to
 * exceptions are {@code VssClient}; ldk-node's data format is {@code KeyObfuscator}, {@code
 * StorableCodec} (over {@code Crypto}) and {@code VssKeyLayout}, values are sealed and opened by
 * {@code VssValues}, and the schema found at open is {@code SchemaDetection}; listings are {@code
 * VssListing}; the single writer is {@code VssWriterLease} (kept in {@code VssLeaseRecord}),
 * checked before every write attempt by {@code VssWriterGuard}, and fenced by {@code
 * GlobalVersionFence}, which also sends concurrent fenced writes in groups.
 */
package io.lnkv.vss;
