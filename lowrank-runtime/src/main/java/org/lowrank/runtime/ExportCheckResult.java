package org.lowrank.runtime;

import java.util.List;

/**
 * Per-output differences between a reference and a candidate model run on the same inputs.
 *
 * @param outputs one entry per output, in model order
 */
public record ExportCheckResult(List<OutputDifference> outputs) {

  public ExportCheckResult {
    outputs = List.copyOf(outputs);
  }

  /** The largest absolute difference over all outputs. */
  public double maxAbsDifference() {
    return outputs.stream().mapToDouble(OutputDifference::maxAbsDifference).max().orElse(0);
  }

  /** The largest relative difference over all outputs (see {@link OutputDifference}). */
  public double maxRelativeDifference() {
    return outputs.stream().mapToDouble(OutputDifference::maxRelativeDifference).max().orElse(0);
  }

  /** True when every output's relative difference is at most {@code relativeTolerance}. */
  public boolean passes(double relativeTolerance) {
    return maxRelativeDifference() <= relativeTolerance;
  }

  @Override
  public String toString() {
    return String.format(
        "max abs diff %.3g, max rel diff %.3g over %d output(s)",
        maxAbsDifference(), maxRelativeDifference(), outputs.size());
  }
}
