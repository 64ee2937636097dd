package org.lowrank.train.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lowrank.cost.Cost;
import org.lowrank.plan.Budget;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.Candidate;
import org.lowrank.plan.LayerDecision;

/**
 * Result of {@link DataFreeRankSearch#search}: per layer the chosen ranks, probabilities and scored
 * candidates, plus what a plan records about the run.
 *
 * @param layers one result per searched layer, in input order
 * @param stages one summary per narrowing stage
 * @param seed the search's seed
 * @param budget the budget the ranks meet (see {@link DataFreeRankSearch})
 * @param settings the configuration as plan metadata
 * @param layersBefore summed original cost of the searched layers
 * @param layersAfter summed cost of the searched layers at the chosen ranks
 * @param elapsedMillis wall time of the whole search
 */
public record RankSearchResult(
    List<LayerRankResult> layers,
    List<StageSummary> stages,
    long seed,
    Budget budget,
    Map<String, Object> settings,
    Cost layersBefore,
    Cost layersAfter,
    long elapsedMillis) {

  public RankSearchResult {
    layers = List.copyOf(layers);
    stages = List.copyOf(stages);
    settings = Map.copyOf(settings);
  }

  /**
   * One narrowing stage.
   *
   * @param step rank spacing of the stage's candidates
   * @param branches number of branches trained (all layers)
   * @param groups number of batched layer groups
   * @param finalLoss L_W = E * L_r after the last joint step (E, L_r as layer means)
   * @param finalError E, the mean relative squared error of the mixtures after the last step
   * @param millis wall time of the stage
   */
  public record StageSummary(
      int step, int branches, int groups, double finalLoss, double finalError, long millis) {}

  /** The result of one layer by name, or null. */
  public LayerRankResult layer(String name) {
    return layers.stream().filter(l -> l.layer().equals(name)).findFirst().orElse(null);
  }

  /**
   * The plan decisions of the searched layers, in input order (see {@link
   * LayerRankResult#toDecision()}).
   */
  public List<LayerDecision> toLayerDecisions() {
    return layers.stream().map(LayerRankResult::toDecision).toList();
  }

  /**
   * The layers as options for {@link BudgetAllocator} (the planner can add the original layer as a
   * candidate or mix with other selectors), each preferring its chosen candidate.
   */
  public List<BudgetAllocator.LayerOptions> toLayerOptions() {
    List<BudgetAllocator.LayerOptions> out = new ArrayList<>();
    for (LayerRankResult l : layers) {
      Candidate chosen = l.chosenCandidate();
      out.add(
          new BudgetAllocator.LayerOptions(
              l.layer(), l.candidates(), l.candidates().indexOf(chosen)));
    }
    return out;
  }
}
