/**
 * Stage 3, Plan: from a model's layer profile (stage 2) to a method and ranks per layer under a
 * global budget. {@link org.lowrank.cost.CostModel} (package cost, shared with analysis) costs a
 * choice in closed form; selectors ({@code plan.select}) score candidates; {@link
 * org.lowrank.plan.BudgetAllocator} trades quality across layers to meet the budget; the result is
 * a {@link org.lowrank.plan.Plan}, which the factorize and rewrite stages apply.
 */
package org.lowrank.plan;
