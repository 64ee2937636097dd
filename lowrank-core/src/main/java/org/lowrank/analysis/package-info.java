/**
 * Stage 2, Analyze. In: a {@link org.lowrank.graph.Model} as read. {@link
 * org.lowrank.analysis.InputShapes} resolves the shapes its inputs run at (fixed batch, free
 * height/width from {@code --input-shape}), for this stage and every later one that feeds it.
 * {@link org.lowrank.analysis.WeightFolding} turns constant chains into initializers, {@link
 * org.lowrank.analysis.ShapeInference} gives every value a static shape (operator rules from {@link
 * org.lowrank.ops.OpRegistry}), {@link org.lowrank.analysis.ModelProfile} lists the
 * Conv/ConvTranspose/Gemm/MatMul layers with shapes, parameters, MACs and the factorization methods
 * that apply. Out: the profile the planner (stage 3) chooses ranks from.
 */
package org.lowrank.analysis;
