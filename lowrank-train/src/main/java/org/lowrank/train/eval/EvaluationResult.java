package org.lowrank.train.eval;

/**
 * Accuracy and loss of a model on a labelled dataset.
 *
 * @param examples number of examples evaluated
 * @param top1 fraction of examples whose highest score is the label
 * @param top5 fraction whose label is among the 5 highest scores (top-K for K < 5 classes)
 * @param meanLoss mean cross-entropy of softmax(logits) against the labels, in nats (NaN or
 *     infinite when some scores were)
 * @param nonFinite examples whose scores hold a NaN or an infinity; they count as wrong in top-1
 *     and top-5 (a diverged model predicts nothing)
 */
public record EvaluationResult(
    long examples, double top1, double top5, double meanLoss, long nonFinite) {

  /** A result where every score was finite. */
  public EvaluationResult(long examples, double top1, double top5, double meanLoss) {
    this(examples, top1, top5, meanLoss, 0);
  }
}
