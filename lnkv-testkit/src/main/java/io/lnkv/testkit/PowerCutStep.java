package io.lnkv.testkit;

import io.lnkv.BatchOp;
import java.util.List;

/** One step of a {@link PowerCutHarness} round: a single operation, or a batch. */
record PowerCutStep(BatchOp single, boolean lazy, List<BatchOp> batch) {
  static final PowerCutStep CLOSE = new PowerCutStep(null, false, List.of());

  static PowerCutStep single(BatchOp op, boolean lazy) {
    return new PowerCutStep(op, lazy, null);
  }

  static PowerCutStep batch(List<BatchOp> ops) {
    return new PowerCutStep(null, false, ops);
  }

  List<BatchOp> ops() {
    return batch != null ? batch : single == null ? List.of() : List.of(single);
  }
}
