/**
 * The Java API: {@link org.lowrank.pipeline.CompressionPipeline} runs the stages of ARCHITECTURE.md
 * top to bottom, each named by a {@link org.lowrank.pipeline.Stage}: Model ({@code READ}, package
 * {@code graph}, read by {@code onnx}) -> Analyze ({@code ANALYZE}, {@code analysis}) -> Plan
 * ({@code PLAN}, {@code plan}, {@code plan.select}) -> Factorize ({@code FACTORIZE}, {@code
 * decomp}) -> Rewrite (in {@code FACTORIZE}, {@code rewrite}; checked by {@code CHECK} in {@code
 * runtime}) -> Fine-tune ({@code REFIT}, {@code FINE_TUNE}, {@code train.refit}, {@code
 * train.finetune}; measured by {@code EVALUATE} at each {@link org.lowrank.pipeline.Checkpoint}) ->
 * Export ({@code VERIFY} against the original, {@code MEASURE} latency, {@code EXPORT}, {@code
 * runtime}, {@code onnx}) -> Report ({@link org.lowrank.pipeline.Reports} to {@code report}).
 *
 * <p>In: a model file and four spec records, each checked when made: {@link
 * org.lowrank.pipeline.PlanSpec} (methods, layer rules, the selector as a typed {@link
 * org.lowrank.plan.select.SelectorChoice}, budget, plan file, latency pruning), {@link
 * org.lowrank.pipeline.DataSpec} (the {@link org.lowrank.pipeline.DataSource}, images per step,
 * evaluation limit, input shapes), {@link org.lowrank.train.finetune.FineTuneSettings} (shared with
 * {@code lowrank finetune} through {@link org.lowrank.pipeline.FineTuning}) and {@link
 * org.lowrank.pipeline.MeasurementSpec} (threads, latency runs, the {@link
 * org.lowrank.pipeline.FidelityGuard}); the CLI's option mixins and the benchmarks build the same
 * records. Out: a {@link org.lowrank.pipeline.CompressionResult} (models, plan, profiles, accuracy
 * by checkpoint, timings by stage, typed {@link org.lowrank.pipeline.PipelineWarning}s) and the
 * files written atomically. Progress goes to a {@link org.lowrank.pipeline.PipelineListener};
 * nothing here prints.
 */
package org.lowrank.pipeline;
