/**
 * Closed-form costs shared by stage 2 (Analyze) and stage 3 (Plan): which factorization {@link
 * org.lowrank.cost.Method}s apply to a layer's {@link org.lowrank.cost.LayerGeometry}, and what a
 * {@link org.lowrank.cost.Choice} (method + ranks) costs in parameters and MACs ({@link
 * org.lowrank.cost.CostModel}, {@link org.lowrank.cost.Cost}). Depends on nothing else in lowrank;
 * analysis and plan both build on it.
 */
package org.lowrank.cost;
