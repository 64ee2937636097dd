/**
 * Stage 6: one-shot fine-tuning of a whole (compressed) model with optional distillation from the
 * original. In: an IR model, a training {@link org.lowrank.train.data.DataLoader} and a {@link
 * org.lowrank.train.finetune.FineTuneConfig} (built from the {@link
 * org.lowrank.train.finetune.FineTuneSettings} spec the CLI and the pipeline share). Out: a {@link
 * org.lowrank.train.finetune.FineTuneResult} holding the best and last IR models. Next: export with
 * the ONNX writer and check in ONNX Runtime.
 */
package org.lowrank.train.finetune;
