/**
 * Stage 3, Plan (gradient-based selector): data-free continuous rank search, method A of MISSION.md
 * (RENE, arXiv 2409.03555). In: the selected layers' weights, geometries and a factorization
 * method; out: per layer the chosen ranks, the final rank probabilities and scored candidates
 * ({@link org.lowrank.plan.Candidate}) from which the planner builds a {@link
 * org.lowrank.plan.Plan}. Entry point: {@link org.lowrank.train.search.DataFreeRankSearch}.
 * Gradients come from DJL autograd on the PyTorch engine. {@link
 * org.lowrank.train.search.DataFreeSelector} runs it for the planner, offered as the "datafree"
 * selector by {@link org.lowrank.train.search.DataFreeSelectorProvider}.
 */
package org.lowrank.train.search;
