/**
 * Stage 6 (fine-tune) and rank-selection support: trainable execution of an IR graph on DJL's
 * PyTorch engine. In: an IR {@link org.lowrank.graph.Model}. Out: forward passes (train or eval
 * mode, with autograd), feature maps of chosen tensors, and {@link
 * org.lowrank.train.exec.GraphExecutor#exportWeights()} writing trained weights back into the IR.
 * Next: {@code org.lowrank.train.finetune} and the rank selectors.
 */
package org.lowrank.train.exec;
