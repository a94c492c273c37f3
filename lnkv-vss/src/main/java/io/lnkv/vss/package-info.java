/**
 * VSS, LDK's Versioned Storage Service: {@link io.lnkv.vss.VssStore}, a store on a VSS server laid
 * out as ldk-node lays it out — {@link io.lnkv.vss.VssKeys} (keys from the node seed), {@link
 * io.lnkv.vss.KeyObfuscator} and {@link io.lnkv.vss.StorableCodec} (value encryption), {@link
 * io.lnkv.vss.VssKeyLayout} (schemas V1 and V0), byte-compatible with vss-client and ldk-node —
 * with authentication by {@link io.lnkv.vss.VssHeaderProvider} ({@link io.lnkv.vss.VssSignatures}
 * for VSS's signature scheme). The server is in the module {@code lnkv-vss-server}; the wire
 * messages, generated from {@code vss.proto}, in {@code io.lnkv.vss.wire}.
 */
package io.lnkv.vss;
