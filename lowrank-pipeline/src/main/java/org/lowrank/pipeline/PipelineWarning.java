package org.lowrank.pipeline;

import java.util.Objects;

/**
 * Something a pipeline run did that its user should know about; listed by {@link
 * CompressionResult#warnings()} and written to the report as {@link #text()}.
 *
 * @param kind what happened
 * @param subject what it is about: a layer's name for {@link Kind#COST_NOT_LOWERED}, else empty
 * @param message a sentence with the numbers
 */
public record PipelineWarning(Kind kind, String subject, String message) {

  /** What happened. */
  public enum Kind {
    /** Latency was timed at other batch sizes than asked (the model fixes its batch). */
    LATENCY_BATCH,
    /** A factorized layer does not lower its cost (ranks from a plan file). */
    COST_NOT_LOWERED,
    /** Fine-tuning diverged, was retried, or kept the model as it was (see FineTuneWarning). */
    FINE_TUNING,
    /** The rewritten graph differs from the dense reconstruction of its factors beyond 1e-3. */
    REWRITE_CHECK,
    /** The compressed model measured slower than the original in ONNX Runtime at some batch. */
    SLOWER
  }

  public PipelineWarning {
    Objects.requireNonNull(kind, "kind");
    subject = subject == null ? "" : subject;
    Objects.requireNonNull(message, "message");
  }

  /** A warning about no particular layer. */
  public static PipelineWarning of(Kind kind, String message) {
    return new PipelineWarning(kind, "", message);
  }

  /** The report's line: "conv2: ...", "fine-tuning: ...", "rewrite check: ..." or the message. */
  public String text() {
    return switch (kind) {
      case LATENCY_BATCH -> message;
      case COST_NOT_LOWERED -> subject + ": " + message;
      case FINE_TUNING -> "fine-tuning: " + message;
      case REWRITE_CHECK -> "rewrite check: " + message;
      case SLOWER -> "SLOWER: " + message;
    };
  }

  @Override
  public String toString() {
    return text();
  }
}
