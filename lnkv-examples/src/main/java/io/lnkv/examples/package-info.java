/** Runnable examples of lnkv's API. */
package io.lnkv.examples;
