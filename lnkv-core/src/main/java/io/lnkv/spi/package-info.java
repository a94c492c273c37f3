/**
 * For implementers of stores: {@link io.lnkv.spi.WriteOrdering}, the per-key call-order component
 * every lnkv store uses, and {@link io.lnkv.spi.AbstractKVStore}, the base that gives a backend
 * validation, ordering, asynchronous methods and uniform errors.
 */
package io.lnkv.spi;
