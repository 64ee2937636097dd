/**
 * Rank selectors and the planner. Weight-only baselines live here (energy threshold, fixed ratio,
 * EVBMF); the feature-map similarity and data-free selectors, which run the network, plug in through
 * {@link org.lowrank.plan.select.RankSelector.Scored}. {@link org.lowrank.plan.select.Planner} turns
 * selected layers, a selector and a budget into a {@link org.lowrank.plan.Plan}.
 */
package org.lowrank.plan.select;
