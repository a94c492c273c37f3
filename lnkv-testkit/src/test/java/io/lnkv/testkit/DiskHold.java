package io.lnkv.testkit;

import io.lnkv.testkit.disk.SimulatedDisk;
import io.lnkv.testkit.disk.SimulatedDisk.Operation;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;

/**
 * Holds one thread inside a disk operation, before it runs, until {@link #release}: to put another
 * thread's work exactly there. The disk's fault hook runs with the disk's monitor held; the held
 * thread waits on it, which releases the monitor, so every other thread's disk calls go on.
 */
final class DiskHold {
  private final SimulatedDisk disk;
  private final CountDownLatch held = new CountDownLatch(1);
  private boolean released; // guarded by the disk's monitor
  private volatile Thread holder;

  /**
   * Holds the thread later given to {@link #of} at the first operation {@code where} accepts (it
   * sees only that thread's operations, in order, and may keep state).
   */
  private DiskHold(SimulatedDisk disk, BiPredicate<Operation, Path> where) {
    this.disk = disk;
    disk.injectFault(
        (op, path, index) -> {
          if (Thread.currentThread() != holder || held.getCount() == 0 || !where.test(op, path)) {
            return null;
          }
          held.countDown();
          while (!released) {
            try {
              disk.wait();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return null;
            }
          }
          return null;
        });
  }

  /**
   * Starts {@code work} on a new thread, which is held at the first operation {@code where}
   * accepts.
   */
  static DiskHold of(SimulatedDisk disk, BiPredicate<Operation, Path> where, Runnable work) {
    DiskHold hold = new DiskHold(disk, where);
    Thread t = new Thread(work, "held");
    hold.holder = t;
    t.start();
    return hold;
  }

  /** Waits until the thread is held. */
  void awaitHeld() throws InterruptedException {
    if (!held.await(20, TimeUnit.SECONDS)) {
      throw new AssertionError("the thread never reached the operation to hold it at");
    }
  }

  /** Lets the thread go on, and waits for it to end. */
  void releaseAndJoin() throws InterruptedException {
    synchronized (disk) {
      released = true;
      disk.notifyAll();
    }
    holder.join(20_000);
  }
}
