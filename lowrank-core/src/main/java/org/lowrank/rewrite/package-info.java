/**
 * Stage 5, Rewrite: replaces one Conv, ConvTranspose, Gemm or MatMul node of a {@link
 * org.lowrank.graph.Model} by a chain of standard ONNX operators that computes the factorized
 * layer. In: a model, a layer name and a {@link org.lowrank.rewrite.FactorizedLayer} (factor
 * tensors from the decompositions, via {@link org.lowrank.rewrite.Factorizer}); out: a new model,
 * the rest of the graph untouched. Next: fine-tuning and export, checked in ONNX Runtime.
 */
package org.lowrank.rewrite;
