/**
 * Runnable examples of lnkv's API: {@code Quickstart} ({@code ./quickstart}). The story {@code lnkv
 * demo} runs, a whole node's state on a tiered store, is {@code io.lnkv.cli.NodeDemo} in lnkv-cli.
 */
package io.lnkv.examples;
