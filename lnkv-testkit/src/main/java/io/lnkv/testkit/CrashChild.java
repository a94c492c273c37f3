package io.lnkv.testkit;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The process the crash harness kills. It opens the store, then runs steps forever, announcing each
 * on stdout before it starts ({@code B <step>}) and after it returned ({@code A <step>}). A step is
 * one write or remove, or in batch mode one atomic batch ({@link CrashWorkload}). The parent kills
 * it with SIGKILL at a random moment.
 *
 * <p>Arguments: the {@link CrashTarget} class, the store folder, the mode, the run's seed, the
 * first step number.
 */
public final class CrashChild {
  private CrashChild() {}

  /** Entry point; see the class description. */
  public static void main(String[] args) throws Exception {
    CrashTarget target =
        (CrashTarget) Class.forName(args[0]).getDeclaredConstructor().newInstance();
    Path dir = Path.of(args[1]);
    CrashWorkload.Mode mode = CrashWorkload.Mode.valueOf(args[2]);
    long seed = Long.parseLong(args[3]);
    long step = Long.parseLong(args[4]);
    PrintStream out = System.out;
    KVStore store = target.open(dir);
    out.println("READY");
    out.flush();
    while (true) {
      List<BatchOp> ops = CrashWorkload.step(mode, seed, step);
      out.println("B " + step);
      out.flush();
      if (!CrashWorkload.singleOperation(mode, step)) {
        target.commitBatch(store, ops);
      } else if (ops.get(0) instanceof BatchOp.Write w) {
        store.write(CrashWorkload.PRIMARY, CrashWorkload.SECONDARY, w.key().key(), w.value());
      } else {
        store.remove(CrashWorkload.PRIMARY, CrashWorkload.SECONDARY, ops.get(0).key().key(), false);
      }
      target.afterStep(store);
      out.println("A " + step);
      out.flush();
      step++;
    }
  }
}
