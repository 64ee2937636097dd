/**
 * ONNX operator semantics, once (stage 2, Analyze, and everything that runs or rewrites a node):
 * typed attribute records resolved from a node ({@link org.lowrank.ops.ConvAttributes} with its
 * {@link org.lowrank.ops.AutoPad} and resolved {@link org.lowrank.ops.Window}). In: a graph
 * {@code Node}; out: the attribute values and the geometry they imply. Used by shape inference and
 * the layer profile (analysis), the rewriter (rewrite) and the DJL executor (lowrank-train).
 */
package org.lowrank.ops;
