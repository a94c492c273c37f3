/**
 * VSS, LDK's Versioned Storage Service. So far: ldk-node's client-side cryptography — {@link
 * io.lnkv.vss.VssKeys} (keys from the node seed), {@link io.lnkv.vss.KeyObfuscator} and {@link
 * io.lnkv.vss.StorableCodec} (value encryption), {@link io.lnkv.vss.VssKeyLayout} (schemas V1 and
 * V0) — byte-compatible with vss-client and ldk-node. The client, the wire protocol and the server
 * are still to come.
 */
package io.lnkv.vss;
