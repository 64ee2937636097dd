package org.lowrank.pipeline;

/**
 * The stages of a {@link CompressionPipeline} run, in the order they run (ARCHITECTURE.md: Model ->
 * Analyze -> Plan -> Factorize -> Rewrite -> Fine-tune -> Export -> Report). {@link #label()} is
 * the name listeners show and the report's {@code timings_seconds} keys.
 */
public enum Stage {
  /** Read the ONNX model into the graph IR and check its weights are finite. */
  READ("read"),
  /** Per-layer shapes, parameters and MACs; which layers are candidates. */
  ANALYZE("analyze"),
  /** Method and rank per layer under the budget, by the rank selector (or a plan file). */
  PLAN("plan"),
  /** Weights to factors, and the graph rewritten with factor layers. */
  FACTORIZE("factorize"),
  /** ONNX Runtime: the rewritten graph against the dense reconstruction of its factors. */
  CHECK("check"),
  /** Top-1/top-5 on the test split at a {@link Checkpoint}. */
  EVALUATE("evaluate"),
  /** Output reconstruction: each factorized layer's last factor refit by least squares. */
  REFIT("refit"),
  /** Label-free distillation on the data-aware fit images ({@code --factorize data-distill}). */
  DISTILL("distill"),
  /** One-shot fine-tuning of the whole compressed model. */
  FINE_TUNE("fine-tune"),
  /** The fidelity check of the final model against the original, judged by the guard. */
  VERIFY("verify"),
  /** Latency of the original and the compressed model in ONNX Runtime. */
  MEASURE("measure"),
  /**
   * The model serialized (the time recorded), then written atomically with its companion reports,
   * which are rendered from the finished result.
   */
  EXPORT("export");

  private final String label;

  Stage(String label) {
    this.label = label;
  }

  /** The stage's name in progress output and in the report's timings (e.g. "fine-tune"). */
  public String label() {
    return label;
  }

  @Override
  public String toString() {
    return label;
  }
}
