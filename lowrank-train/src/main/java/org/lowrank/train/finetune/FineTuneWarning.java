package org.lowrank.train.finetune;

import java.util.Objects;

/**
 * Something the caller of a fine-tuning run should know about, e.g. to show it in a report.
 *
 * @param kind what happened
 * @param message a human-readable sentence with the numbers (steps, rates, accuracies)
 */
public record FineTuneWarning(Kind kind, String message) {

  /** What went wrong. */
  public enum Kind {
    /**
     * A run diverged: its loss stayed non-finite or exploded, or its validation top-1 collapsed
     * (the message says which).
     */
    DIVERGED,
    /** A diverged run was started again from the pre-fine-tune weights at a lower learning rate. */
    RETRIED,
    /** The pre-fine-tune model was returned: fine-tuning diverged or did not help on validation. */
    KEPT_ORIGINAL
  }

  public FineTuneWarning {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return kind + ": " + message;
  }
}
