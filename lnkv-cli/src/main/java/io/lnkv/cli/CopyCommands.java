package io.lnkv.cli;

import io.lnkv.ConflictException;
import io.lnkv.NodeStore;
import io.lnkv.migrate.Migration;
import io.lnkv.tier.BackupMode;
import io.lnkv.tier.DriftReport;
import io.lnkv.tier.Restore;
import io.lnkv.tier.TierStore;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands that copy or compare whole stores. */
final class CopyCommands {
  private CopyCommands() {}

  static Map<String, Object> drift(DriftReport r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("clean", r.isClean());
    m.put("compared", r.compared());
    m.put("missing", r.missing().stream().map(Address::of).toList());
    m.put("extra", r.extra().stream().map(Address::of).toList());
    m.put("different", r.different().stream().map(Address::of).toList());
    return m;
  }

  static String seconds(long startNanos) {
    return String.format(java.util.Locale.ROOT, "%.2f s", (System.nanoTime() - startNanos) / 1e9);
  }

  @Command(
      name = "migrate",
      description = "Copy every key of SRC into the empty DST, then verify the copy.")
  static final class Migrate extends LnkvCommand {
    @Parameters(index = "0", paramLabel = "SRC")
    String source;

    @Parameters(index = "1", paramLabel = "DST")
    String target;

    @Option(names = "--allow-non-empty", description = "Copy into a target that holds keys.")
    boolean allowNonEmpty;

    @Option(names = "--no-verify", description = "Skip the comparison after copying.")
    boolean noVerify;

    @Override
    public Integer call() {
      StoreUri.parse(source);
      StoreUri.parse(target);
      long start = System.nanoTime();
      try (NodeStore src = reading(source);
          NodeStore dst = createIfMissing(target)) {
        Migration m = Migration.from(src).to(dst);
        if (allowNonEmpty) {
          m.allowNonEmptyTarget();
        }
        Migration.Result result;
        try (Output.Progress p = output().progress("migrate")) {
          result = m.onProgress(p).run();
        }
        DriftReport check = null;
        if (!noVerify) {
          try (Output.Progress p = output().progress("verify")) {
            check = DriftReport.compare(src, dst, p);
          }
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("keys", result.keys());
        data.put("bytes", result.bytes());
        data.put("verification", check == null ? null : drift(check));
        output()
            .result(
                data,
                "migrated "
                    + result.keys()
                    + " keys ("
                    + result.bytes()
                    + " bytes) from "
                    + StoreUri.redact(source)
                    + " to "
                    + StoreUri.redact(target)
                    + " in "
                    + seconds(start)
                    + (check == null ? "" : "; verify: " + check));
        return check == null || allowNonEmpty || check.isClean() ? ExitCode.OK : ExitCode.DRIFT;
      }
    }
  }

  @Command(
      name = "verify",
      description = "Compare COPY with SOURCE: keys missing, extra or different. Exit 1 on drift.")
  static final class Verify extends LnkvCommand {
    @Parameters(index = "0", paramLabel = "SOURCE")
    String source;

    @Parameters(index = "1", paramLabel = "COPY")
    String copy;

    @Option(
        names = "--durable-only",
        description =
            "Leave LDK's caches and --ephemeral-namespace data out: a primary against its backup.")
    boolean durableOnly;

    @Override
    public Integer call() {
      StoreUri.parse(source);
      StoreUri.parse(copy);
      try (NodeStore a = reading(source);
          NodeStore b = reading(copy)) {
        DriftReport r;
        try (Output.Progress p = output().progress("verify")) {
          r =
              durableOnly
                  ? DriftReport.compareDurable(a, b, routing(), p)
                  : DriftReport.compare(a, b, p);
        }
        output().result(drift(r), r.toString());
        return r.isClean() ? ExitCode.OK : ExitCode.DRIFT;
      }
    }
  }

  @Command(
      name = "backfill",
      description =
          "Copy the durable keys BACKUP lacks from PRIMARY (resumable; LDK's caches are skipped).")
  static final class Backfill extends LnkvCommand {
    @Parameters(index = "0", paramLabel = "PRIMARY")
    String primary;

    @Parameters(index = "1", paramLabel = "BACKUP")
    String backup;

    @Override
    public Integer call() {
      StoreUri.parse(primary);
      StoreUri.parse(backup);
      long start = System.nanoTime();
      try (NodeStore p = reading(primary);
          NodeStore b = createIfMissing(backup);
          TierStore tier =
              TierStore.builder(p).backup(b, BackupMode.SYNC).routing(routing()).build()) {
        TierStore.RepairResult r;
        try (Output.Progress bar = output().progress("backfill")) {
          r = tier.backfill(bar);
        }
        output()
            .result(
                Map.of("durableKeys", r.compared(), "copied", r.copied()),
                "backfilled "
                    + r.copied()
                    + " of "
                    + r.compared()
                    + " durable keys into "
                    + backup
                    + " in "
                    + seconds(start));
      }
      return ExitCode.OK;
    }
  }

  @Command(
      name = "restore",
      description =
          "Copy the durable keys of BACKUP into the empty PRIMARY, then verify. Refuses a PRIMARY"
              + " holding durable keys unless --force.")
  static final class RestoreCommand extends LnkvCommand {
    @Parameters(index = "0", paramLabel = "BACKUP")
    String backup;

    @Parameters(index = "1", paramLabel = "PRIMARY")
    String primary;

    @Option(names = "--dry-run", description = "Report what would be copied; write nothing.")
    boolean dryRun;

    @Option(
        names = "--force",
        description =
            "Restore into a PRIMARY that holds durable keys (only for a stopped node whose state is"
                + " older than the backup's).")
    boolean force;

    @Override
    public Integer call() {
      StoreUri.parse(backup);
      StoreUri.parse(primary);
      long start = System.nanoTime();
      try (NodeStore b = reading(backup);
          NodeStore p = createIfMissing(primary)) {
        Restore restore = Restore.from(b).into(p).routing(routing());
        if (dryRun) {
          restore.dryRun();
        }
        if (force) {
          restore.force();
        }
        Restore.Result r;
        try (Output.Progress bar = output().progress("restore")) {
          r = restore.onProgress(bar).run();
        } catch (ConflictException e) {
          throw new ConflictException(e.getMessage().replace("use force()", "use --force"), e);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("dryRun", r.dryRun());
        data.put("keys", r.keys());
        data.put("bytes", r.bytes());
        data.put("ephemeralSkipped", r.ephemeralSkipped());
        data.put("durableKeysInPrimaryBefore", r.durableKeysInPrimaryBefore());
        data.put("verification", r.verification() == null ? null : drift(r.verification()));
        output()
            .result(
                data,
                (r.dryRun() ? "would restore " : "restored ")
                    + r.keys()
                    + " durable keys ("
                    + r.bytes()
                    + " bytes) from "
                    + backup
                    + " into "
                    + primary
                    + "; "
                    + r.ephemeralSkipped()
                    + " ephemeral keys skipped"
                    + (r.dryRun() && r.durableKeysInPrimaryBefore() > 0
                        ? "; the target holds "
                            + r.durableKeysInPrimaryBefore()
                            + " durable keys, so a real run needs --force"
                        : "")
                    + (r.verification() == null ? "" : "; verify: " + r.verification())
                    + " ("
                    + seconds(start)
                    + ")");
      }
      return ExitCode.OK;
    }
  }
}
