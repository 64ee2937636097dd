/**
 * Stage 7, Export check and measurement: ONNX Runtime sessions over serialized models. In: model
 * bytes (from the ONNX writer) or a file; out: outputs as {@link org.lowrank.graph.TensorValue}s,
 * output differences between two models ({@link org.lowrank.runtime.ExportCheck}) and latency
 * statistics ({@link org.lowrank.runtime.LatencyBenchmark}). The report stage reads these results.
 * Stage 3 uses the same measurements through {@link org.lowrank.runtime.LatencyFilter}, which drops
 * plan candidates that are not faster in ONNX Runtime.
 */
package org.lowrank.runtime;
