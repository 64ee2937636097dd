package org.lowrank.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.lowrank.analysis.InputShapes;
import org.lowrank.graph.TensorValue;

/**
 * Checks that an exported (rewritten) model computes what a reference model computes: both run in
 * ONNX Runtime on the same inputs, outputs are compared by name.
 */
public final class ExportCheck {
  private ExportCheck() {}

  /**
   * Runs both models on {@code feeds} and compares every output of the reference.
   *
   * @throws IllegalArgumentException when the candidate lacks an output of the reference or an
   *     output shape differs
   */
  public static ExportCheckResult compare(
      OrtRunner reference, OrtRunner candidate, Map<String, TensorValue> feeds) {
    Map<String, TensorValue> expected = reference.run(feeds);
    Map<String, TensorValue> actual = candidate.run(feeds);
    List<OutputDifference> diffs = new ArrayList<>();
    for (Map.Entry<String, TensorValue> e : expected.entrySet()) {
      TensorValue b = actual.get(e.getKey());
      if (b == null) {
        throw new IllegalArgumentException(
            "model '"
                + candidate.source()
                + "' has no output '"
                + e.getKey()
                + "' of reference '"
                + reference.source()
                + "'; its outputs are "
                + candidate.outputNames());
      }
      diffs.add(difference(e.getKey(), e.getValue(), b));
    }
    return new ExportCheckResult(diffs);
  }

  /**
   * Compares two serialized models on seeded standard-normal inputs with batch {@code batchSize}.
   *
   * @param referenceBytes reference model (not modified)
   * @param candidateBytes candidate model (not modified)
   */
  public static ExportCheckResult compare(
      byte[] referenceBytes,
      byte[] candidateBytes,
      int batchSize,
      long seed,
      RuntimeOptions options) {
    try (OrtRunner ref = OrtRunner.open(referenceBytes, "reference", options);
        OrtRunner cand = OrtRunner.open(candidateBytes, "candidate", options)) {
      return compare(ref, cand, ref.randomInputs(batchSize, seed));
    }
  }

  /**
   * Compares two serialized models on seeded standard-normal inputs of the resolved shapes at
   * {@code batchSize} (a model with a fixed batch: pass {@code shapes.batchOr(n)}).
   *
   * @param shapes the reference model's input shapes (the candidate has the same inputs)
   */
  public static ExportCheckResult compare(
      byte[] referenceBytes,
      byte[] candidateBytes,
      InputShapes shapes,
      int batchSize,
      long seed,
      RuntimeOptions options) {
    Map<String, long[]> at = shapes.atBatch(batchSize);
    try (OrtRunner ref = OrtRunner.open(referenceBytes, "reference", options);
        OrtRunner cand = OrtRunner.open(candidateBytes, "candidate", options)) {
      return compare(ref, cand, ref.randomInputs(at, seed));
    }
  }

  /**
   * The difference of {@code actual} from {@code expected} (see {@link OutputDifference}).
   *
   * @throws IllegalArgumentException when the shapes differ
   */
  public static OutputDifference difference(String name, TensorValue expected, TensorValue actual) {
    if (!Arrays.equals(expected.dims(), actual.dims())) {
      throw new IllegalArgumentException(
          "output '"
              + name
              + "': expected shape "
              + Arrays.toString(expected.dims())
              + ", found "
              + Arrays.toString(actual.dims()));
    }
    double maxAbs = 0;
    double refMax = 0;
    int n = (int) expected.elementCount();
    for (int i = 0; i < n; i++) {
      double a = expected.floatAt(i);
      double b = actual.floatAt(i);
      double d = Math.abs(a - b);
      if (Double.isNaN(d)) {
        d = Double.POSITIVE_INFINITY;
      }
      maxAbs = Math.max(maxAbs, d);
      refMax = Math.max(refMax, Math.abs(a));
    }
    double rel = refMax > 0 ? maxAbs / refMax : maxAbs;
    return new OutputDifference(name, maxAbs, rel, refMax, n);
  }

  /**
   * Fraction of rows whose argmax agrees, for classifier logits [N, classes] (1.0 when every
   * prediction matches).
   *
   * @throws IllegalArgumentException when the shapes differ or are not 2-D
   */
  public static double top1Agreement(TensorValue expected, TensorValue actual) {
    if (expected.rank() != 2 || !Arrays.equals(expected.dims(), actual.dims())) {
      throw new IllegalArgumentException(
          "top-1 agreement needs two [N, classes] tensors, found "
              + Arrays.toString(expected.dims())
              + " and "
              + Arrays.toString(actual.dims()));
    }
    int n = (int) expected.dim(0);
    int c = (int) expected.dim(1);
    int agree = 0;
    for (int i = 0; i < n; i++) {
      if (argmax(expected, i * c, c) == argmax(actual, i * c, c)) {
        agree++;
      }
    }
    return n == 0 ? 1.0 : (double) agree / n;
  }

  private static int argmax(TensorValue t, int off, int len) {
    int best = 0;
    for (int j = 1; j < len; j++) {
      if (t.floatAt(off + j) > t.floatAt(off + best)) {
        best = j;
      }
    }
    return best;
  }
}
