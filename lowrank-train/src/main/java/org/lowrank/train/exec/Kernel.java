package org.lowrank.train.exec;

import ai.djl.ndarray.NDArray;

/**
 * The computation of one IR node, prepared once at construction ("compiled") and applied on every
 * forward pass. Inputs are in node order; an omitted optional input is {@code null}. Every array
 * the kernel creates must belong to {@link ExecContext#manager()} (use arrays of the inputs as the
 * receivers of operations, or {@link ExecContext#own}).
 */
@FunctionalInterface
interface Kernel {
  /** Computes the node's outputs (one array per declared output; null for unused ones). */
  NDArray[] apply(ExecContext ctx, NDArray[] inputs);
}
