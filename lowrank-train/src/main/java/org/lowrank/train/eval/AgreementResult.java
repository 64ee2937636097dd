package org.lowrank.train.eval;

/**
 * How often two models agree, without labels.
 *
 * @param examples number of examples compared
 * @param top1Agreement fraction of examples with the same arg-max class
 * @param meanKl mean KL(softmax(reference) || softmax(candidate)) in nats
 */
public record AgreementResult(long examples, double top1Agreement, double meanKl) {}
