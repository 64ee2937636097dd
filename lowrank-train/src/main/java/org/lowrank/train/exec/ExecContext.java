package org.lowrank.train.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Per-forward-pass context handed to kernels: the batch manager that owns every array of this pass,
 * the mode (train or eval) and write access to non-trainable state (BatchNormalization running
 * statistics).
 */
final class ExecContext {
  private final NDManager manager;
  private final boolean training;
  private final GraphExecutor executor;

  ExecContext(NDManager manager, boolean training, GraphExecutor executor) {
    this.manager = manager;
    this.training = training;
    this.executor = executor;
  }

  /** The manager that owns the arrays of this pass; freed by the caller after the batch. */
  NDManager manager() {
    return manager;
  }

  /** True in training mode (batch statistics in BatchNormalization, active Dropout). */
  boolean training() {
    return training;
  }

  /** Moves {@code array} under this pass's manager and returns it. */
  NDArray own(NDArray array) {
    array.attach(manager);
    return array;
  }

  /** True if {@code tensorName} is a state tensor (a running statistic) of the executor. */
  boolean isState(String tensorName) {
    return executor.isState(tensorName);
  }

  /** Replaces the value of a state tensor by a detached copy of {@code value}. */
  void updateState(String tensorName, NDArray value) {
    executor.updateState(tensorName, value);
  }
}
