/**
 * Feature-map similarity design-space exploration (method B of MISSION.md): {@link
 * org.lowrank.train.dse.SimilaritySelector} scores candidate ranks of each layer by comparing the
 * layer's output with a reconstructed weight ({@link org.lowrank.train.dse.WeightApproximation}) to
 * its original output on a cached calibration batch ({@link
 * org.lowrank.train.dse.SimilarityMetric}: cosine or linear CKA), for {@link
 * org.lowrank.plan.select.Planner} (stage 3, Plan). Offered as the "similarity" selector by {@link
 * org.lowrank.train.dse.SimilaritySelectorProvider}; lowrank-bench times the search.
 */
package org.lowrank.train.dse;
