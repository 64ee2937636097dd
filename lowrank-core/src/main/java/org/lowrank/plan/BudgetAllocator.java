package org.lowrank.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.lowrank.cost.Cost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meets a global budget by trading quality across layers. Each layer offers candidates (always
 * including the original layer); the allocator starts from each layer's preferred candidate, then
 * while the model is over budget moves the layer whose cheaper candidate loses the least utility
 * per unit of cost saved, and finally spends any slack on the upgrades that gain the most utility
 * per unit of cost added. Dominated candidates (costlier and no better than another) are dropped
 * first.
 *
 * <p>Utility is log(score): the model's fidelity is treated as the product of its layers'
 * fidelities, so halving one layer's score costs as much as halving any other's. A plain sum of
 * scores would let large layers be cut to almost nothing because each step saves many parameters;
 * the logarithm makes a layer near zero prohibitively expensive instead.
 */
public final class BudgetAllocator {
  private static final Logger LOG = LoggerFactory.getLogger(BudgetAllocator.class);

  /**
   * How to give an impossible budget more layers to cut, named as the layer-rule options of {@code
   * plan} and {@code compress}.
   */
  public static final String MORE_LAYERS_HINT =
      "include more layers (--include-first, "
          + "--include-classifier, --include-pointwise, --include LAYER, a lower --min-weights)";

  private BudgetAllocator() {}

  /** The options of one layer and the index (into {@code candidates}) it starts from. */
  public record LayerOptions(String layer, List<Candidate> candidates, int preferred) {
    public LayerOptions {
      candidates = List.copyOf(candidates);
      if (preferred < 0 || preferred >= candidates.size()) {
        throw new IllegalArgumentException("layer '" + layer + "': preferred index out of range");
      }
    }
  }

  /**
   * Picks one candidate per layer.
   *
   * @param layers the selected layers' options
   * @param fixed cost of everything that is not a selected layer (kept as is)
   * @param total the whole original model's cost (the budget's reference)
   * @param budget the global budget; with {@link Budget#isNone()} each layer gets its preferred
   *     candidate, or when that one is dominated, the cheapest candidate scoring at least as well
   *     (never one scoring below it: a selector's threshold holds without a budget)
   * @return the chosen candidate per layer, in the order of {@code layers}
   * @throws IllegalArgumentException if even the cheapest candidates exceed the budget
   */
  public static List<Candidate> allocate(
      List<LayerOptions> layers, Cost fixed, Cost total, Budget budget) {
    List<List<Candidate>> fronts = new ArrayList<>();
    int[] at = new int[layers.size()];
    for (int i = 0; i < layers.size(); i++) {
      LayerOptions lo = layers.get(i);
      List<Candidate> front = paretoFront(lo.candidates(), budget.kind());
      fronts.add(front);
      at[i] = nearest(front, lo.candidates().get(lo.preferred()));
    }
    if (!budget.isNone()) {
      long target = budget.target(total);
      long used = fixed.get(budget.kind()) + sum(fronts, at, budget.kind());
      long minimum = fixed.get(budget.kind());
      for (List<Candidate> f : fronts) {
        minimum += f.get(f.size() - 1).cost().get(budget.kind());
      }
      if (minimum > target) {
        throw new IllegalArgumentException(
            String.format(
                "impossible budget: %s asks for at most %d %s of %d, but the smallest ranks allowed still "
                    + "need %d (%.1f%%); keep a larger fraction, "
                    + MORE_LAYERS_HINT
                    + " or allow smaller ranks",
                budget,
                target,
                budget.kind().name().toLowerCase(),
                total.get(budget.kind()),
                minimum,
                100.0 * minimum / total.get(budget.kind())));
      }
      used = shrink(fronts, at, used, target, budget.kind());
      used = grow(fronts, at, used, target, budget.kind());
      LOG.debug("budget {}: used {} of target {}", budget, used, target);
    }
    List<Candidate> out = new ArrayList<>();
    for (int i = 0; i < at.length; i++) {
      out.add(fronts.get(i).get(at[i]));
    }
    return out;
  }

  /** Candidates not dominated by another, ordered by decreasing cost (and decreasing score). */
  static List<Candidate> paretoFront(List<Candidate> cands, Budget.Kind kind) {
    Budget.Kind k = kind == Budget.Kind.NONE ? Budget.Kind.PARAMS : kind;
    List<Candidate> sorted = new ArrayList<>(cands);
    sorted.sort(
        Comparator.comparingLong((Candidate c) -> c.cost().get(k))
            .thenComparing(Comparator.comparingDouble(Candidate::score).reversed()));
    List<Candidate> front = new ArrayList<>();
    double best = Double.NEGATIVE_INFINITY;
    for (Candidate c : sorted) { // cheapest first: keep only strict score improvements
      if (c.score() > best) {
        front.add(c);
        best = c.score();
      }
    }
    java.util.Collections.reverse(front);
    return front;
  }

  /** log(score), floored so that scores at or below zero stay comparable. */
  static double utility(Candidate c) {
    return Math.log(Math.max(c.score(), 1e-6));
  }

  /**
   * Index of the preferred candidate on the front, or (when it is dominated) of the cheapest front
   * candidate scoring at least as well: never one scoring below the preferred.
   */
  private static int nearest(List<Candidate> front, Candidate preferred) {
    int idx = front.indexOf(preferred);
    if (idx >= 0) {
      return idx;
    }
    for (int i = front.size() - 1; i >= 0; i--) {
      if (front.get(i).score() >= preferred.score()) {
        return i;
      }
    }
    return 0;
  }

  private static long sum(List<List<Candidate>> fronts, int[] at, Budget.Kind kind) {
    long s = 0;
    for (int i = 0; i < at.length; i++) {
      s += fronts.get(i).get(at[i]).cost().get(kind);
    }
    return s;
  }

  private static long shrink(
      List<List<Candidate>> fronts, int[] at, long used, long target, Budget.Kind kind) {
    while (used > target) {
      int bestLayer = -1;
      int bestIdx = -1;
      double bestRatio = Double.POSITIVE_INFINITY;
      for (int i = 0; i < at.length; i++) {
        List<Candidate> f = fronts.get(i);
        Candidate cur = f.get(at[i]);
        for (int j = at[i] + 1; j < f.size(); j++) {
          long saved = cur.cost().get(kind) - f.get(j).cost().get(kind);
          if (saved <= 0) {
            continue;
          }
          double ratio = (utility(cur) - utility(f.get(j))) / saved;
          if (ratio < bestRatio) {
            bestRatio = ratio;
            bestLayer = i;
            bestIdx = j;
          }
        }
      }
      if (bestLayer < 0) {
        break;
      }
      used -=
          fronts.get(bestLayer).get(at[bestLayer]).cost().get(kind)
              - fronts.get(bestLayer).get(bestIdx).cost().get(kind);
      at[bestLayer] = bestIdx;
    }
    return used;
  }

  private static long grow(
      List<List<Candidate>> fronts, int[] at, long used, long target, Budget.Kind kind) {
    while (true) {
      int bestLayer = -1;
      int bestIdx = -1;
      double bestRatio = 0;
      for (int i = 0; i < at.length; i++) {
        List<Candidate> f = fronts.get(i);
        Candidate cur = f.get(at[i]);
        for (int j = at[i] - 1; j >= 0; j--) {
          long added = f.get(j).cost().get(kind) - cur.cost().get(kind);
          if (added <= 0 || used + added > target) {
            continue;
          }
          double ratio = (utility(f.get(j)) - utility(cur)) / added;
          if (ratio > bestRatio) {
            bestRatio = ratio;
            bestLayer = i;
            bestIdx = j;
          }
        }
      }
      if (bestLayer < 0) {
        return used;
      }
      used +=
          fronts.get(bestLayer).get(bestIdx).cost().get(kind)
              - fronts.get(bestLayer).get(at[bestLayer]).cost().get(kind);
      at[bestLayer] = bestIdx;
    }
  }
}
