/**
 * The {@code lnkv} command line: {@link io.lnkv.cli.Lnkv} and its subcommands.
 *
 * <p>Where things live: {@code Lnkv} is the entry point and help; {@code LnkvCommand} what every
 * subcommand shares (output, opening stores); store URIs are parsed by {@code StoreUri} and {@code
 * VssUri}, keys and scopes by {@code Address}, sizes and durations by {@code Sizes} and {@code
 * Durations}. Commands: {@code DataCommands} (get, put, rm, ls, page, keys, stat), {@code
 * CopyCommands} (migrate, backfill, restore, verify), {@code SettleCommand}, {@code ServeCommand}
 * ({@code lnkv serve}), {@code DemoCommand} (running {@code NodeDemo}, the quickstart story) and
 * {@code BenchCommand} (which runs {@code lnkv-bench.jar}). Output and progress bars are {@code
 * Output}; exit codes {@code ExitCode}; readable I/O errors {@code Errors}; small secret files
 * (seeds, keys) {@code SmallFile}.
 */
package io.lnkv.cli;
