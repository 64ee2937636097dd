/**
 * Stage 4 and 6 with data, Factorize and refit: fitting factors to what the layers see on training
 * images, run in the DJL executor. {@link org.lowrank.train.refit.InputMoments} collects each
 * layer's input second moment for the data-aware factorization ({@code decomp}); {@link
 * org.lowrank.train.refit.SequentialFactorization} factorizes the layers one by one in graph order,
 * each fitted to the inputs of the model compressed so far; {@link
 * org.lowrank.train.refit.OutputReconstruction} refits each factorized layer's last factor by least
 * squares to the original layer's output. In: the original and the rewritten {@link
 * org.lowrank.graph.Model} and a batch of images; out: a refitted model and per-layer errors. Next:
 * fine-tuning ({@code train.finetune}) and export.
 */
package org.lowrank.train.refit;
