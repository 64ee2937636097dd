/**
 * Stage 3, Plan: layer selection, rank selectors and the planner. In: an analyzed model ({@link
 * org.lowrank.analysis.ModelProfile}); {@link org.lowrank.plan.select.LayerSelection} picks the
 * layers to factorize, a {@link org.lowrank.plan.select.RankSelector} made from a {@link
 * org.lowrank.plan.select.SelectorContext} scores their candidates, and {@link
 * org.lowrank.plan.select.Planner} meets the budget; out: a {@link org.lowrank.plan.Plan}, which
 * the factorize and rewrite stages apply.
 *
 * <p>Selectors plug in through the {@link org.lowrank.plan.select.SelectorProvider} SPI (name,
 * typed options, factory, score label), found by {@link org.lowrank.plan.select.SelectorRegistry}
 * with {@link java.util.ServiceLoader}: a new selector is one package with its provider and a line
 * in {@code META-INF/services/org.lowrank.plan.select.SelectorProvider}; the CLI offers its name
 * and options. A chosen selector is a {@link org.lowrank.plan.select.SelectorChoice} (provider +
 * typed options); "auto" is resolved by {@link org.lowrank.plan.select.SelectorRegistry#resolve}
 * from whether the run has data, for the CLI and the benchmarks alike. The weight-only selectors
 * (energy threshold, fixed ratio, EVBMF) live here; the feature-map similarity ({@code
 * org.lowrank.train.dse}) and data-free search ({@code org.lowrank.train.search}) selectors run the
 * network and live in lowrank-train.
 */
package org.lowrank.plan.select;
