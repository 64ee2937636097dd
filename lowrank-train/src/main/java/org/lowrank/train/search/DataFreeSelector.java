package org.lowrank.train.search;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.cost.Cost;
import org.lowrank.cost.Method;
import org.lowrank.graph.TensorValue;
import org.lowrank.plan.Budget;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.Candidate;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.RankSelector;
import org.lowrank.progress.ProgressListener;

/**
 * The data-free continuous rank search (method A, {@link DataFreeRankSearch}) as a {@link
 * RankSelector.Scored}. The search is joint over all layers, so the first {@link #options} call
 * runs it once per requested method over every selected layer it applies to (convolutions: TT,
 * Tucker-2, CP; dense: SVD); afterwards each layer's candidates of all methods are merged, the
 * original layer added, and the preferred candidate is the searched rank of the method with the
 * fewest parameters (hybrid).
 */
public final class DataFreeSelector implements RankSelector.Scored {
  private final List<LayerInput> layers;
  private final DataFreeSearchConfig config;
  private final ProgressListener progress;
  private final Map<Method, RankSearchResult> results = new EnumMap<>(Method.class);

  public DataFreeSelector(
      List<LayerInput> layers,
      Budget budget,
      Cost modelCost,
      long seed,
      ProgressListener progress) {
    this.layers = List.copyOf(layers);
    this.config =
        DataFreeSearchConfig.builder()
            .optSeed(seed)
            .optBudget(budget)
            .optModelCost(modelCost)
            .build();
    this.progress = progress;
  }

  @Override
  public String name() {
    return "datafree";
  }

  @Override
  public Map<String, Object> settings() {
    return config.toSettings();
  }

  @Override
  public BudgetAllocator.LayerOptions options(LayerInput layer, List<Method> methods) {
    List<Candidate> cands = new ArrayList<>();
    cands.add(Candidate.original(layer.geometry()));
    int preferred = 0;
    long preferredParams = Long.MAX_VALUE;
    for (Method m : methods) {
      if (!searchable(m, layer)) {
        continue;
      }
      LayerRankResult r = result(m).layer(layer.name());
      if (r == null) {
        continue;
      }
      cands.addAll(r.candidates());
      Candidate chosen = r.chosenCandidate();
      if (chosen.cost().params() < preferredParams) {
        preferredParams = chosen.cost().params();
        preferred = cands.indexOf(chosen);
      }
    }
    return new BudgetAllocator.LayerOptions(layer.name(), cands, preferred);
  }

  private static boolean searchable(Method m, LayerInput l) {
    return l.geometry().conv()
        ? (m == Method.TT || m == Method.TUCKER2 || m == Method.CP) && l.geometry().groups() == 1
        : m == Method.SVD;
  }

  private RankSearchResult result(Method m) {
    return results.computeIfAbsent(
        m,
        k -> {
          List<SearchLayer> todo = new ArrayList<>();
          for (LayerInput l : layers) {
            if (searchable(k, l)) {
              int[] s = l.weight().shape();
              long[] dims = new long[s.length];
              for (int i = 0; i < s.length; i++) {
                dims[i] = s[i];
              }
              todo.add(
                  new SearchLayer(
                      l.name(),
                      l.geometry(),
                      TensorValue.ofFloats(dims, l.weight().toFloats()),
                      k));
            }
          }
          return new DataFreeRankSearch(config).search(todo, progress);
        });
  }

  /** The searches run so far, by method (for reports). */
  Map<Method, RankSearchResult> results() {
    return new LinkedHashMap<>(results);
  }
}
