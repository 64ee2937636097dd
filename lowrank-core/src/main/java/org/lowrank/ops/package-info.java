/**
 * ONNX operator semantics, once. {@link org.lowrank.ops.OpRegistry} maps each default-domain op
 * type to its {@link org.lowrank.ops.OpSemantics}: inputs needed, shape rule ({@link
 * org.lowrank.ops.ShapeRules}), output types and evaluation on constant inputs ({@link
 * org.lowrank.ops.ConstantOps}). Typed attribute records are resolved once from a node: {@link
 * org.lowrank.ops.ConvAttributes} (with {@link org.lowrank.ops.AutoPad}) gives the Conv,
 * ConvTranspose and pooling geometry as a {@link org.lowrank.ops.Window}, {@link
 * org.lowrank.ops.GemmAttributes} the transposes and scales of Gemm. In: a graph {@code Node} and
 * its input shapes or values; out: output shapes, types, values and geometry. Used by stage 2
 * (Analyze: shape inference, weight folding, the layer profile), stage 5 (Rewrite) and the DJL
 * executor of lowrank-train, which reads the same records.
 */
package org.lowrank.ops;
