package org.lowrank.pipeline;

/**
 * Where in a {@link CompressionPipeline} run a model is evaluated on the test split; {@link
 * CompressionResult#accuracy()} is keyed by it. {@link #label()} is the name in logs and results.
 */
public enum Checkpoint {
  /** The model as read. */
  ORIGINAL("original"),
  /** Factorized, before the output reconstruction (only when the refit runs). */
  FACTORIZED("factorized"),
  /** Factorized (and refit), before fine-tuning. */
  COMPRESSED("compressed"),
  /** After fine-tuning, in the training executor. */
  FINE_TUNED("fine-tuned"),
  /** The final model as exported, in ONNX Runtime. */
  FINAL_ORT("final (onnxruntime)");

  private final String label;

  Checkpoint(String label) {
    this.label = label;
  }

  /** The checkpoint's name in logs and results (e.g. "final (onnxruntime)"). */
  public String label() {
    return label;
  }

  @Override
  public String toString() {
    return label;
  }
}
