/**
 * For implementers of stores: {@link io.lnkv.spi.AbstractKVStore}, the base that gives a backend
 * validation, LDK's per-key call order, asynchronous methods and uniform errors. A backend
 * implements the {@code do*} methods; the ordering itself is lnkv's mechanics, not API.
 */
package io.lnkv.spi;
