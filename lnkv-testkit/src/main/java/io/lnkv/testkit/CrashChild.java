package io.lnkv.testkit;

import io.lnkv.KVStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Random;

/**
 * The process the crash harness kills. It opens the store, then writes and removes forever, one
 * operation at a time, announcing each on stdout before it starts ({@code B <W|R> <key> <seq>}) and
 * after it returned ({@code A <seq>}). The parent kills it with SIGKILL at a random moment.
 *
 * <p>Arguments: the {@link CrashTarget} class, the store folder, a random seed, the first sequence
 * number.
 */
public final class CrashChild {
  private CrashChild() {}

  /** Entry point; see the class description. */
  public static void main(String[] args) throws Exception {
    CrashTarget target =
        (CrashTarget) Class.forName(args[0]).getDeclaredConstructor().newInstance();
    Path dir = Path.of(args[1]);
    Random random = new Random(Long.parseLong(args[2]));
    long seq = Long.parseLong(args[3]);
    PrintStream out = System.out;
    KVStore store = target.open(dir);
    out.println("READY");
    out.flush();
    while (true) {
      String key = CrashWorkload.key(random.nextInt(CrashWorkload.KEYS));
      boolean remove = random.nextInt(8) == 0;
      out.println("B " + (remove ? "R" : "W") + " " + key + " " + seq);
      out.flush();
      if (remove) {
        store.remove(CrashWorkload.PRIMARY, CrashWorkload.SECONDARY, key, false);
      } else {
        store.write(
            CrashWorkload.PRIMARY, CrashWorkload.SECONDARY, key, CrashWorkload.value(key, seq));
      }
      out.println("A " + seq);
      out.flush();
      seq++;
    }
  }
}
