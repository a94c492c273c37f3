/** What LDK and ldk-node store where, and which of it is ephemeral: {@link io.lnkv.ldk.LdkKeys}. */
package io.lnkv.ldk;
