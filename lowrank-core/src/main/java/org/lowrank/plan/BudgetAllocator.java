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

  /**
   * The options of one layer, the index (into {@code candidates}) it starts from, and a note the
   * plan records for the layer: what the selector did not offer and why (empty when nothing).
   */
  public record LayerOptions(String layer, List<Candidate> candidates, int preferred, String note) {
    public LayerOptions {
      candidates = List.copyOf(candidates);
      note = note == null ? "" : note;
      if (preferred < 0 || preferred >= candidates.size()) {
        throw new IllegalArgumentException("layer '" + layer + "': preferred index out of range");
      }
    }

    /** Options without a note. */
    public LayerOptions(String layer, List<Candidate> candidates, int preferred) {
      this(layer, candidates, preferred, "");
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

  /**
   * One constraint of a multi-constraint allocation: {@code fixed + sum_i measure(i, c_i) <=
   * target}, where c_i is layer i's chosen candidate (e.g. parameters, or milliseconds per run at a
   * batch size).
   *
   * @param name for messages and logs, e.g. "params" or "latency at batch 32 (ms)"
   * @param measure the amount layer {@code i}'s candidate adds
   * @param fixed the amount of everything that is not a selected layer
   * @param target the most allowed, &gt; 0
   */
  public record Constraint(String name, Measure measure, double fixed, double target) {
    public Constraint {
      if (!(target > 0)) {
        throw new IllegalArgumentException(name + ": target must be > 0, found " + target);
      }
    }
  }

  /**
   * What one candidate of layer {@code layer} (index into the options) costs under a constraint.
   */
  @FunctionalInterface
  public interface Measure {
    double of(int layer, Candidate c);
  }

  /**
   * Picks one candidate per layer so that every constraint holds (a budget on parameters together
   * with budgets on measured latency at several batch sizes). Same trade as {@link #allocate(List,
   * Cost, Cost, Budget)}, generalized: candidates dominated in every measure are dropped; from the
   * preferred candidates, while some constraints are violated, the move (one layer to another
   * candidate) with the least utility lost per unit of normalized excess removed, sum_k saved_k /
   * target_k over the violated k, is taken, never raising a violated measure nor breaking a met
   * constraint; then slack is spent on the upgrades with the most utility per normalized cost added
   * that keep every constraint met. The normalized excess strictly falls at each shrinking move, so
   * the loop ends.
   *
   * @param layers the selected layers' options (not modified)
   * @param constraints at least one
   * @return the chosen candidate per layer, in the order of {@code layers}
   * @throws IllegalArgumentException when no move can meet the constraints, naming them
   */
  public static List<Candidate> allocate(List<LayerOptions> layers, List<Constraint> constraints) {
    if (constraints.isEmpty()) {
      throw new IllegalArgumentException("give at least one constraint");
    }
    int n = layers.size();
    int m = constraints.size();
    List<List<Candidate>> fronts = new ArrayList<>();
    List<double[][]> amounts = new ArrayList<>(); // per layer: [candidate][constraint]
    int[] at = new int[n];
    double[] used = new double[m];
    for (int k = 0; k < m; k++) {
      used[k] = constraints.get(k).fixed();
    }
    double[] minimum = used.clone();
    for (int i = 0; i < n; i++) {
      LayerOptions lo = layers.get(i);
      List<Candidate> front = new ArrayList<>();
      List<double[]> a = new ArrayList<>();
      List<double[]> all = new ArrayList<>();
      for (Candidate c : lo.candidates()) {
        double[] v = new double[m];
        for (int k = 0; k < m; k++) {
          v[k] = constraints.get(k).measure().of(i, c);
        }
        all.add(v);
      }
      for (int j = 0; j < lo.candidates().size(); j++) {
        if (!dominated(lo.candidates(), all, j)) {
          front.add(lo.candidates().get(j));
          a.add(all.get(j));
        }
      }
      fronts.add(front);
      amounts.add(a.toArray(new double[0][]));
      at[i] = start(front, a, lo.candidates().get(lo.preferred()), constraints);
      for (int k = 0; k < m; k++) {
        used[k] += a.get(at[i])[k];
        double min = Double.POSITIVE_INFINITY;
        for (double[] v : a) {
          min = Math.min(min, v[k]);
        }
        minimum[k] += min;
      }
    }
    for (int k = 0; k < m; k++) {
      Constraint c = constraints.get(k);
      if (minimum[k] > c.target()) {
        throw new IllegalArgumentException(
            String.format(
                java.util.Locale.ROOT,
                "impossible budget: %s must stay at most %.4g, but the cheapest candidates of every "
                    + "layer still need %.4g (%.1f%% of it); keep a larger fraction, "
                    + MORE_LAYERS_HINT
                    + " or allow smaller ranks",
                c.name(),
                c.target(),
                minimum[k],
                100.0 * minimum[k] / c.target()));
      }
    }
    while (violated(used, constraints)) {
      if (!shrinkStep(fronts, amounts, at, used, constraints)) {
        List<String> missed = new ArrayList<>();
        for (int k = 0; k < m; k++) {
          if (used[k] > constraints.get(k).target()) {
            missed.add(
                String.format(
                    java.util.Locale.ROOT,
                    "%s %.4g > %.4g",
                    constraints.get(k).name(),
                    used[k],
                    constraints.get(k).target()));
          }
        }
        throw new IllegalArgumentException(
            "impossible budget: no choice of candidates meets every constraint together ("
                + String.join(", ", missed)
                + "); relax one of them, "
                + MORE_LAYERS_HINT
                + " or allow smaller ranks");
      }
    }
    while (growStep(fronts, amounts, at, used, constraints)) {
      // each step raises the total utility; the candidates are finite
    }
    List<Candidate> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(fronts.get(i).get(at[i]));
    }
    return out;
  }

  /** Whether candidate j is no better than another that costs no more in every measure. */
  private static boolean dominated(List<Candidate> cands, List<double[]> amounts, int j) {
    for (int o = 0; o < cands.size(); o++) {
      if (o == j) {
        continue;
      }
      boolean noWorse = cands.get(o).score() >= cands.get(j).score();
      boolean strictly = cands.get(o).score() > cands.get(j).score();
      double[] a = amounts.get(o);
      double[] b = amounts.get(j);
      for (int k = 0; k < a.length && noWorse; k++) {
        noWorse = a[k] <= b[k];
        strictly |= a[k] < b[k];
      }
      if (noWorse && (strictly || o < j)) {
        return true;
      }
    }
    return false;
  }

  /** The preferred candidate, or when dominated the cheapest (normalized) scoring as well. */
  private static int start(
      List<Candidate> front, List<double[]> a, Candidate preferred, List<Constraint> cs) {
    int idx = front.indexOf(preferred);
    if (idx >= 0) {
      return idx;
    }
    int best = -1;
    for (int j = 0; j < front.size(); j++) {
      if (front.get(j).score() >= preferred.score()
          && (best < 0 || normalized(a.get(j), cs) < normalized(a.get(best), cs))) {
        best = j;
      }
    }
    if (best >= 0) {
      return best;
    }
    for (int j = 0; j < front.size(); j++) {
      if (best < 0 || front.get(j).score() > front.get(best).score()) {
        best = j;
      }
    }
    return best;
  }

  private static double normalized(double[] a, List<Constraint> cs) {
    double s = 0;
    for (int k = 0; k < a.length; k++) {
      s += a[k] / cs.get(k).target();
    }
    return s;
  }

  private static boolean violated(double[] used, List<Constraint> cs) {
    for (int k = 0; k < used.length; k++) {
      if (used[k] > cs.get(k).target()) {
        return true;
      }
    }
    return false;
  }

  private static boolean shrinkStep(
      List<List<Candidate>> fronts,
      List<double[][]> amounts,
      int[] at,
      double[] used,
      List<Constraint> cs) {
    int m = used.length;
    boolean[] over = new boolean[m];
    for (int k = 0; k < m; k++) {
      over[k] = used[k] > cs.get(k).target();
    }
    int bestLayer = -1;
    int bestIdx = -1;
    double bestRatio = Double.POSITIVE_INFINITY;
    for (int i = 0; i < at.length; i++) {
      double[] cur = amounts.get(i)[at[i]];
      for (int j = 0; j < fronts.get(i).size(); j++) {
        if (j == at[i]) {
          continue;
        }
        double[] to = amounts.get(i)[j];
        double saved = 0;
        boolean ok = true;
        for (int k = 0; k < m && ok; k++) {
          double d = cur[k] - to[k];
          if (over[k]) {
            ok = d >= 0;
            saved += d / cs.get(k).target();
          } else {
            ok = used[k] - d <= cs.get(k).target();
          }
        }
        if (!ok || saved <= 0) {
          continue;
        }
        double ratio = (utility(fronts.get(i).get(at[i])) - utility(fronts.get(i).get(j))) / saved;
        if (ratio < bestRatio) {
          bestRatio = ratio;
          bestLayer = i;
          bestIdx = j;
        }
      }
    }
    if (bestLayer < 0) {
      return false;
    }
    move(amounts, at, used, bestLayer, bestIdx);
    return true;
  }

  private static boolean growStep(
      List<List<Candidate>> fronts,
      List<double[][]> amounts,
      int[] at,
      double[] used,
      List<Constraint> cs) {
    int bestLayer = -1;
    int bestIdx = -1;
    double bestRatio = 0;
    for (int i = 0; i < at.length; i++) {
      double[] cur = amounts.get(i)[at[i]];
      double u = utility(fronts.get(i).get(at[i]));
      for (int j = 0; j < fronts.get(i).size(); j++) {
        double gain = utility(fronts.get(i).get(j)) - u;
        if (gain <= 0) {
          continue;
        }
        double[] to = amounts.get(i)[j];
        double added = 0;
        boolean ok = true;
        for (int k = 0; k < used.length && ok; k++) {
          double d = to[k] - cur[k];
          ok = used[k] + d <= cs.get(k).target();
          added += Math.max(0, d) / cs.get(k).target();
        }
        if (!ok) {
          continue;
        }
        double ratio = gain / Math.max(added, 1e-12);
        if (ratio > bestRatio) {
          bestRatio = ratio;
          bestLayer = i;
          bestIdx = j;
        }
      }
    }
    if (bestLayer < 0) {
      return false;
    }
    move(amounts, at, used, bestLayer, bestIdx);
    return true;
  }

  private static void move(List<double[][]> amounts, int[] at, double[] used, int i, int j) {
    double[] cur = amounts.get(i)[at[i]];
    double[] to = amounts.get(i)[j];
    for (int k = 0; k < used.length; k++) {
      used[k] += to[k] - cur[k];
    }
    at[i] = j;
  }
}
