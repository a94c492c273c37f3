/** The {@code lnkv} command line: {@link io.lnkv.cli.Lnkv} and its subcommands. */
package io.lnkv.cli;
