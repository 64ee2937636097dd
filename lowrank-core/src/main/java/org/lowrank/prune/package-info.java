/**
 * Structured filter pruning (FBP). In: a {@code Model}. {@link
 * org.lowrank.prune.ChannelDependencies} walks the graph once and groups coupled channels: a conv's
 * (or Gemm's) output channels with every consumer's input channels, through BatchNormalization,
 * elementwise ops, residual Add, Concat offsets, channel Pad, Flatten into a Gemm and depthwise
 * convs; what it cannot follow makes a {@link org.lowrank.prune.ChannelGroup} unprunable with a
 * reason. A {@link org.lowrank.prune.PruneCriterion} scores a group's channels, {@link
 * org.lowrank.prune.ChannelSelection} picks the ones to remove for a fixed fraction (block-aligned
 * counts) and {@link org.lowrank.prune.ChannelPruner} emits the smaller model; under a budget,
 * {@link org.lowrank.prune.PlannedPruning} lets the planner's budget allocator choose the counts,
 * alone or together with the factorizations. Next: planning and factorization of the pruned model.
 */
package org.lowrank.prune;
