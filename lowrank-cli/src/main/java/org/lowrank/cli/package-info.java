/**
 * The command line: one picocli verb per stage or group of stages ({@code inspect} = Model +
 * Analyze, {@code plan} = + Plan, {@code compress} = the whole pipeline through Report, {@code
 * finetune} = Fine-tune, {@code evaluate} and {@code bench} = measurements of Export, {@code demo}
 * = all of it on a model trained by {@code lowrank-demo}). Shared options are mixins, and a concept
 * has one option name on every verb (checked by OptionVocabularyTest); results go to stdout,
 * progress (stage names from {@link org.lowrank.pipeline.Stage}) and messages to stderr, failures
 * to a named exit code ({@link org.lowrank.cli.ExitCodes}).
 */
package org.lowrank.cli;
