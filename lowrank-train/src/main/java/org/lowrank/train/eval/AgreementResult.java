package org.lowrank.train.eval;

/**
 * How often two models agree, without labels.
 *
 * @param examples number of examples compared
 * @param top1Agreement fraction of examples with the same arg-max class; an example where either
 *     model's scores hold a NaN or an infinity counts as a disagreement
 * @param meanKl mean KL(softmax(reference) || softmax(candidate)) in nats
 * @param nonFinite examples where either model's scores were not all finite
 */
public record AgreementResult(long examples, double top1Agreement, double meanKl, long nonFinite) {

  /** A result where every score was finite. */
  public AgreementResult(long examples, double top1Agreement, double meanKl) {
    this(examples, top1Agreement, meanKl, 0);
  }
}
