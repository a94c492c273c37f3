/** {@link io.lnkv.memory.InMemoryStore}: every capability of the contract, nothing durable. */
package io.lnkv.memory;
