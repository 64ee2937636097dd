/**
 * Evaluation: top-1 / top-5 accuracy and cross-entropy of a {@link
 * org.lowrank.train.eval.Predictor} (the executor, or an ONNX Runtime session wrapped by the
 * caller) on a labelled dataset, and the agreement of two models without labels.
 */
package org.lowrank.train.eval;
