package org.lowrank.progress;

/**
 * Receives progress of a long step (search, factorization, fine-tuning, evaluation). Library code
 * reports through this interface and never prints; the CLI draws it as a progress bar on stderr.
 * Calls come from the thread doing the work.
 */
public interface ProgressListener {

  /** A listener that ignores everything. */
  ProgressListener NONE = new ProgressListener() {};

  /**
   * A step starts.
   *
   * @param task short human-readable name, e.g. "factorize" or "epoch 1/3"
   * @param total number of work units, or -1 when unknown
   */
  default void start(String task, long total) {}

  /**
   * Work units done so far in the current step, with an optional status text (e.g. "loss 0.41").
   */
  default void progress(long done, String status) {}

  /** The current step is over; {@code summary} may be empty. */
  default void finish(String summary) {}
}
