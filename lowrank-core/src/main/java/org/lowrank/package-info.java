/**
 * lowrank: compresses trained CNNs in ONNX by low-rank factorization, in the stages Model ({@code
 * graph}, read by lowrank-onnx) -> Analyze ({@code analysis}, {@code ops}, {@code cost}) -> Plan
 * ({@code plan}, {@code plan.select}) -> Factorize ({@code decomp}) -> Rewrite ({@code rewrite}) ->
 * Fine-tune ({@code train.refit}, {@code train.finetune} in lowrank-train) -> Export (lowrank-onnx,
 * checked by lowrank-runtime) -> Report ({@code report}); {@code
 * org.lowrank.pipeline.CompressionPipeline} runs them in that order. Every failure is a {@link
 * org.lowrank.LowrankException} whose {@link org.lowrank.LowrankException.Kind} the command line
 * maps to an exit code.
 */
package org.lowrank;
