package org.lowrank.plan.select;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.Candidate;

/**
 * Energy-threshold baseline: every candidate is scored by the energy its own method keeps, 1 - ||W
 * - Ŵ||_F^2 / ||W||_F^2 ({@link KeptEnergy}: exact for SVD, QR and TT-matrix, the truncated HOSVD's
 * for Tucker-2 and TT, a short CP-ALS for CP; never above what {@code compress} deploys), so a
 * global budget trades kept energy across layers.
 *
 * <p>Without a budget a layer takes, over the given methods, the candidate with the fewest
 * parameters whose score reaches the threshold. A method that reaches it nowhere (while lowering
 * the cost) offers no preferred candidate; when no method does, the layer is kept. Per method, the
 * cheapest passing choice is searched over every rank pair (r_o, r_i) for Tucker-2 and TT, over
 * every rank for SVD, QR and TT-matrix (each score is O(1) from per-layer tables), and for CP,
 * where every score is a CP-ALS fit, over the candidate grid: {@value #CP_POINTS} grid ranks spread
 * from the smallest to the largest are scored (they are CP's candidates), then a bisection between
 * the last failing and the first passing of them finds the smallest passing grid rank (assuming the
 * score grows with the rank). CP ranks are capped at the break-even rank ({@link
 * #cpBreakEvenRank}), and CP-ALS runs only for ranks that remove at least {@link #CP_MIN_SAVING} of
 * the layer's parameters and MACs ({@link #cpScoredRankCap}); the grid ranks between the two are
 * named in the layer's note, never dropped silently.
 *
 * <p>Threshold-only (no budget, {@link #EnergySelector(double, org.lowrank.cost.RankMultiple, long,
 * LinearAlgebra, boolean)}): only the threshold choice matters, so the largest CP grid rank is
 * scored first (if it fails, so do the smaller ones), and a CP fit stops as soon as it cannot reach
 * the threshold ({@link KeptEnergy#failsThreshold}); the choice is the same as with full scoring
 * while the score grows with the rank and ALS gains shrink sweep by sweep.
 *
 * <p>Under a budget CP is scored from the bottom up, as far as the allocation reaches: a layer
 * first offers its {@value #CP_FIRST_POINTS} smallest grid ranks, and {@link #widen} adds the next
 * grid rank each time the allocator picks, for that layer, a candidate at or above the largest CP
 * rank scored so far (the {@link Planner} re-allocates until no pick does). A CP-ALS fit costs
 * about 4 R C_out C_in K + R^3 flops a sweep, so the ranks a budget never reaches are the dearest
 * ones: on the InceptionV3-shaped model at keep-params 0.5 the two [384, 448, 3, 3] kernels took 42
 * s each to score at all 8 ranks, 16.6 s of it at rank 1632, where the allocation picks rank 128.
 * The threshold choice among the ranks offered is found as without a budget; one above them is not
 * known until they are widened to it.
 */
public final class EnergySelector implements RankSelector.Scored {
  /**
   * The default threshold, 1% relative squared error per layer: without data this is what {@code
   * compress} does by default. Measured (bench trust, 2000 CIFAR-10 test images): ResNet-20 4.0% of
   * the parameters removed at 99.2% top-1 agreement, ResNet-56 7.1% at 99.3%; at 0.98 agreement
   * fell to 97.1% / 97.7%, at 0.95 to 89.0% / 94.5%.
   */
  public static final double DEFAULT_THRESHOLD = 0.99;

  /** CP grid ranks scored per layer before the threshold bisection. */
  static final int CP_POINTS = 8;

  /**
   * Of the {@value #CP_POINTS}, the smallest ones a layer offers under a budget before {@link
   * #widen}.
   */
  static final int CP_FIRST_POINTS = 3;

  /**
   * The least fraction of a layer's parameters and of its MACs a CP candidate must remove to be
   * scored (10%): CP-ALS is not run for a rank R above {@link #cpScoredRankCap}, the largest with R
   * (C_in + K + C_out) + bias at most 0.9 of the layer's parameters and R (C_in P_in + K P_out +
   * C_out P_out) at most 0.9 of its MACs. Near its break-even rank CP has as many parameters as the
   * kernel and fits even an incompressible one: a seeded Gaussian [64, 48, 5, 5] kernel keeps 99.0%
   * of its energy at rank 560, which removes 0.1% of its parameters (it passed the default
   * threshold), 96.7% at rank 496 (11.5% removed). These ranks are also the dearest to score,
   * CP-ALS costing about 4 R C_out C_in K + R^3 flops per sweep: 20 CPU-s at rank 1841 (break-even)
   * of a [384, 448, 3, 3] kernel, 11 s at rank 1632 (10% removed), one thread; and the rewrite that
   * would deploy them puts R-channel feature maps, R above C_in and C_out, between three
   * convolutions.
   */
  public static final double CP_MIN_SAVING = 0.1;

  private final double threshold;
  private final int rankMultiple;
  private final String rankMultipleSource;
  private final boolean thresholdOnly;
  private final double cpMinSaving;
  private final CpScoring cpScoring;
  private final boolean widening;
  private final KeptEnergy energy;

  /** Per layer under a budget: how many of the CP spread ranks are offered (see {@link #widen}). */
  private final Map<String, Integer> cpOffered = new java.util.concurrent.ConcurrentHashMap<>();

  /** Seed 0 for CP-ALS, as {@link org.lowrank.rewrite.LayerFactorizer#create()}. */
  public EnergySelector(double threshold, int rankMultiple, LinearAlgebra la) {
    this(threshold, rankMultiple, 0, la);
  }

  /**
   * @param threshold energy fraction in (0, 1] a layer's factorization must keep
   * @param rankMultiple round ranks up to a multiple of this (1 = no rounding)
   * @param seed CP-ALS seed: the one {@code compress} factorizes with, so CP is scored as deployed
   * @param la the BLAS/LAPACK backend
   */
  public EnergySelector(double threshold, int rankMultiple, long seed, LinearAlgebra la) {
    this(threshold, org.lowrank.cost.RankMultiple.given(Math.max(1, rankMultiple)), seed, la);
  }

  /**
   * As {@link #EnergySelector(double, int, long, LinearAlgebra)}, with the rank multiple's source.
   */
  public EnergySelector(
      double threshold, org.lowrank.cost.RankMultiple rankMultiple, long seed, LinearAlgebra la) {
    this(threshold, rankMultiple, seed, la, false);
  }

  /**
   * How CP ranks are scored: {@link #THRESHOLD} without a budget (only each layer's threshold
   * choice is used), {@link #ALL} every grid rank at once, {@link #WIDENING} under a budget from
   * the bottom up as far as the allocation reaches ({@link #widen}); see the class comment.
   */
  public enum CpScoring {
    THRESHOLD,
    ALL,
    WIDENING;

    /** The name recorded in the plan settings ({@code cp_scoring}). */
    String label() {
      return switch (this) {
        case THRESHOLD -> "threshold";
        case ALL -> "candidates";
        case WIDENING -> "widening";
      };
    }
  }

  /**
   * As {@link #EnergySelector(double, org.lowrank.cost.RankMultiple, long, LinearAlgebra)}; with
   * {@code thresholdOnly} CP is scored as {@link CpScoring#THRESHOLD}, else {@link CpScoring#ALL}.
   */
  public EnergySelector(
      double threshold,
      org.lowrank.cost.RankMultiple rankMultiple,
      long seed,
      LinearAlgebra la,
      boolean thresholdOnly) {
    this(threshold, rankMultiple, seed, la, thresholdOnly ? CpScoring.THRESHOLD : CpScoring.ALL);
  }

  /** As {@link #EnergySelector(double, org.lowrank.cost.RankMultiple, long, LinearAlgebra)}. */
  public EnergySelector(
      double threshold,
      org.lowrank.cost.RankMultiple rankMultiple,
      long seed,
      LinearAlgebra la,
      CpScoring cpScoring) {
    this(threshold, rankMultiple, seed, la, cpScoring, CP_MIN_SAVING, null);
  }

  /**
   * As {@link #EnergySelector(double, org.lowrank.cost.RankMultiple, long, LinearAlgebra,
   * CpScoring)}, keeping the CP scoring fits in {@code cpFits} for {@code compress} to continue
   * (null = nowhere).
   */
  public EnergySelector(
      double threshold,
      org.lowrank.cost.RankMultiple rankMultiple,
      long seed,
      LinearAlgebra la,
      CpScoring cpScoring,
      org.lowrank.decomp.CpFits cpFits) {
    this(threshold, rankMultiple, seed, la, cpScoring, CP_MIN_SAVING, cpFits);
  }

  /**
   * As {@link #EnergySelector(double, org.lowrank.cost.RankMultiple, long, LinearAlgebra,
   * boolean)}, with the least saving of a scored CP rank (0 = every rank up to the break-even; for
   * tests that compare with the rule off).
   */
  EnergySelector(
      double threshold,
      org.lowrank.cost.RankMultiple rankMultiple,
      long seed,
      LinearAlgebra la,
      boolean thresholdOnly,
      double cpMinSaving) {
    this(
        threshold,
        rankMultiple,
        seed,
        la,
        thresholdOnly ? CpScoring.THRESHOLD : CpScoring.ALL,
        cpMinSaving,
        null);
  }

  /** The general constructor (package-private: tests set the least saving of a scored CP rank). */
  EnergySelector(
      double threshold,
      org.lowrank.cost.RankMultiple rankMultiple,
      long seed,
      LinearAlgebra la,
      CpScoring cpScoring,
      double cpMinSaving,
      org.lowrank.decomp.CpFits cpFits) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException("energy threshold must be in (0, 1], found " + threshold);
    }
    this.cpMinSaving = cpMinSaving;
    this.threshold = threshold;
    this.rankMultiple = rankMultiple.multiple();
    this.rankMultipleSource = rankMultiple.source();
    this.cpScoring = cpScoring;
    this.thresholdOnly = cpScoring == CpScoring.THRESHOLD;
    this.widening = cpScoring == CpScoring.WIDENING;
    this.energy =
        new KeptEnergy(
            la, seed, KeptEnergy.DEFAULT_CP_SWEEPS, thresholdOnly ? threshold : Double.NaN, cpFits);
  }

  @Override
  public String name() {
    return "energy";
  }

  @Override
  public Map<String, Object> settings() {
    return Map.of(
        "energy",
        threshold,
        "rank_multiple",
        (long) rankMultiple,
        "rank_multiple_source",
        rankMultipleSource,
        "cp_score_sweeps",
        (long) KeptEnergy.DEFAULT_CP_SWEEPS,
        "cp_min_saving",
        cpMinSaving,
        "cp_scoring",
        cpScoring.label());
  }

  /**
   * Under a budget, offers {@code layer} its next CP grid rank when the allocator's {@code picked}
   * candidate is at or above the largest CP rank offered so far: a CP candidate of that rank or
   * more, or any other with at least its parameters or MACs (the original included). True when
   * {@link #options} now offers more.
   */
  @Override
  public boolean widen(LayerInput layer, List<Method> methods, Candidate picked) {
    if (!widening || !methods.contains(Method.CP)) {
      return false;
    }
    List<Choice> grid = cpScoredGrid(layer.geometry());
    int[] spread = CandidateGrid.spread(grid.size(), CP_POINTS);
    int offered = cpOffered(layer, spread.length);
    if (offered >= spread.length) {
      return false;
    }
    Choice top = grid.get(spread[offered - 1]);
    Cost topCost = CostModel.factorized(layer.geometry(), top);
    boolean above =
        picked.choice() != null && picked.choice().method() == Method.CP
            ? picked.choice().ranks()[0] >= top.ranks()[0]
            : picked.cost().params() >= topCost.params() || picked.cost().macs() >= topCost.macs();
    if (above) {
      cpOffered.put(layer.name(), offered + 1);
    }
    return above;
  }

  /** How many of the {@code n} CP spread ranks {@code layer} offers now. */
  private int cpOffered(LayerInput layer, int n) {
    return widening ? Math.min(n, cpOffered.getOrDefault(layer.name(), CP_FIRST_POINTS)) : n;
  }

  /**
   * The kept energy of {@code c} on {@code layer} (cached per layer; threshold-only: a CP score
   * below the threshold may be that of an early-stopped fit).
   */
  public double score(LayerInput layer, Choice c) {
    return energy.score(layer, c);
  }

  @Override
  public BudgetAllocator.LayerOptions options(LayerInput layer, List<Method> methods) {
    LayerGeometry g = layer.geometry();
    List<Candidate> cands = new ArrayList<>();
    cands.add(Candidate.original(g));
    Set<Choice> seen = new LinkedHashSet<>();
    int preferred = 0;
    String note = "";
    for (Method m : methods) {
      List<Choice> offered = new ArrayList<>();
      Choice passing;
      if (m == Method.CP) {
        passing = cpThresholdChoice(layer, offered);
        note = cpUnscoredNote(g);
        String held = cpHeldNote(layer);
        note = note.isEmpty() ? held : held.isEmpty() ? note : held + "; " + note;
      } else {
        offered.addAll(CandidateGrid.choices(g, m, rankMultiple));
        passing = thresholdChoice(layer, m);
        if (passing != null) {
          offered.add(passing);
        }
      }
      for (Choice c : offered) {
        if (!feasible(g, c) || !seen.add(c)) {
          continue;
        }
        Candidate cand = candidate(layer, c);
        cands.add(cand);
        if (c.equals(passing) && cand.preferableTo(cands.get(preferred))) {
          preferred = cands.size() - 1;
        }
      }
    }
    return new BudgetAllocator.LayerOptions(layer.name(), cands, preferred, note);
  }

  private Candidate candidate(LayerInput layer, Choice c) {
    return new Candidate(c, CostModel.factorized(layer.geometry(), c), energy.score(layer, c));
  }

  /** TT needs r_i <= r_o K (TT-SVD's second core); every other choice of the grid is feasible. */
  private static boolean feasible(LayerGeometry g, Choice c) {
    return c.method() != Method.TT || c.ranks()[1] <= (long) c.ranks()[0] * g.kernelElements();
  }

  /**
   * The cheapest choice of {@code m} (not CP) whose score reaches the threshold while lowering the
   * cost, or null: every rank (pair) rounded to the rank multiple is tried.
   */
  private Choice thresholdChoice(LayerInput layer, Method m) {
    LayerGeometry g = layer.geometry();
    if (m.rankCount() == 2) {
      int[] max = CostModel.maxRanks(g, m);
      Choice best = null;
      long bestParams = Long.MAX_VALUE;
      int[] ris = rankValues(max[1]);
      for (int ro : rankValues(max[0])) {
        for (int ri : ris) {
          Choice c = Choice.of(m, ro, ri);
          if (!feasible(g, c) || energy.score(layer, c) < threshold) {
            continue;
          }
          // past the first passing r_i only the folded r_i = max (one conv fewer) can cost less
          for (Choice k : List.of(c, Choice.of(m, ro, max[1]))) {
            if (feasible(g, k) && CostModel.reducesCost(g, k)) {
              long p = CostModel.factorized(g, k).params();
              if (p < bestParams) {
                best = k;
                bestParams = p;
              }
            }
          }
          break;
        }
      }
      return best;
    }
    int max =
        m == Method.TTM
            ? CandidateGrid.ttmMaxRank(CandidateGrid.ttmModes(g))
            : CostModel.maxRanks(g, m)[0];
    for (int r : rankValues(max)) {
      Choice c = m == Method.TTM ? CandidateGrid.ttm(g, r) : Choice.of(m, r);
      if (energy.score(layer, c) >= threshold) {
        return CostModel.reducesCost(g, c) ? c : null;
      }
    }
    return null;
  }

  /** 1..max rounded up to the rank multiple (capped at max), increasing, without repeats. */
  private int[] rankValues(int max) {
    return java.util.stream.IntStream.rangeClosed(1, max)
        .map(r -> CandidateGrid.round(r, rankMultiple, max))
        .distinct()
        .toArray();
  }

  /**
   * The largest CP rank R that still lowers both the parameters, R (C_in + K + C_out) + bias, and
   * the MACs, R (C_in P_in + K P_out + C_out P_out), of the layer (0 if none): a rank above it can
   * never be chosen, so it is never scored. Both costs grow linearly with R.
   */
  static int cpBreakEvenRank(LayerGeometry g) {
    return largestCpRank(g, c -> CostModel.reducesCost(g, c));
  }

  /**
   * The largest CP rank that removes at least {@code minSaving} (by default {@link #CP_MIN_SAVING})
   * of both the parameters and the MACs of the layer (0 if none): the largest rank the energy
   * selector scores; with {@code minSaving} 0, the break-even rank.
   */
  static int cpScoredRankCap(LayerGeometry g, double minSaving) {
    if (minSaving <= 0) {
      return cpBreakEvenRank(g);
    }
    Cost before = CostModel.original(g);
    double keep = 1 - minSaving;
    return largestCpRank(
        g,
        c -> {
          Cost after = CostModel.factorized(g, c);
          return after.params() <= keep * before.params() && after.macs() <= keep * before.macs();
        });
  }

  /** The largest CP rank (0 if none) meeting {@code ok}, which holds below some rank only. */
  private static int largestCpRank(LayerGeometry g, java.util.function.Predicate<Choice> ok) {
    int lo = 0; // meets (or 0)
    int hi = CostModel.maxRanks(g, Method.CP)[0] + 1; // does not meet
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      if (ok.test(Choice.of(Method.CP, mid))) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * CP's grid choices of the layer that lower its cost (at most the break-even rank), increasing.
   */
  private List<Choice> cpGrid(LayerGeometry g) {
    int cap = cpBreakEvenRank(g);
    return CandidateGrid.choices(g, Method.CP, rankMultiple).stream()
        .filter(c -> c.ranks()[0] <= cap)
        .toList();
  }

  /**
   * Under a budget, the note naming the CP spread ranks not offered because the allocation did not
   * reach them ("" when all are).
   */
  private String cpHeldNote(LayerInput layer) {
    List<Choice> grid = cpScoredGrid(layer.geometry());
    int[] spread = CandidateGrid.spread(grid.size(), CP_POINTS);
    int offered = cpOffered(layer, spread.length);
    if (offered >= spread.length) {
      return "";
    }
    return "cp ranks "
        + grid.get(spread[offered]).ranks()[0]
        + ".."
        + grid.get(spread[spread.length - 1]).ranks()[0]
        + " not scored: the allocation stopped below them";
  }

  /** CP's grid choices of the layer up to {@link #cpScoredRankCap}, increasing. */
  private List<Choice> cpScoredGrid(LayerGeometry g) {
    int cap = cpScoredRankCap(g, cpMinSaving);
    return cpGrid(g).stream().filter(c -> c.ranks()[0] <= cap).toList();
  }

  /**
   * The note naming the reducing CP grid ranks that are not scored because they remove under {@link
   * #CP_MIN_SAVING} of the parameters or MACs ("" when there are none).
   */
  private String cpUnscoredNote(LayerGeometry g) {
    int cap = cpScoredRankCap(g, cpMinSaving);
    List<Integer> ranks = cpGrid(g).stream().map(c -> c.ranks()[0]).filter(r -> r > cap).toList();
    if (ranks.isEmpty()) {
      return "";
    }
    return String.format(
        java.util.Locale.ROOT,
        "cp rank%s %s not scored: under %.0f%% of the parameters or MACs removed",
        ranks.size() == 1 ? "" : "s",
        ranks.size() == 1
            ? ranks.get(0).toString()
            : ranks.get(0) + ".." + ranks.get(ranks.size() - 1),
        100 * cpMinSaving);
  }

  /**
   * The smallest CP grid rank whose score reaches the threshold, or null: {@value #CP_POINTS} grid
   * ranks (at most {@link #cpScoredRankCap}) spread from the smallest to the largest are scored,
   * then a bisection runs between the last failing and the first passing of them. Threshold-only,
   * the largest spread rank is scored first (when it fails, no rank is chosen). The spread ranks
   * above the first passing one are still scored in full: a latency filter that drops the threshold
   * choice falls back on them.
   *
   * @param scored receives every CP choice scored here, in increasing rank (CP's candidates)
   */
  private Choice cpThresholdChoice(LayerInput layer, List<Choice> scored) {
    List<Choice> grid = cpScoredGrid(layer.geometry());
    int[] spread = CandidateGrid.spread(grid.size(), CP_POINTS);
    spread = java.util.Arrays.copyOf(spread, cpOffered(layer, spread.length));
    if (thresholdOnly && spread.length > 0) {
      // the largest rank first: when it fails, so does every smaller one
      Choice top = grid.get(spread[spread.length - 1]);
      if (energy.score(layer, top) < threshold) {
        scored.add(top);
        return null;
      }
    }
    java.util.SortedSet<Integer> done = new java.util.TreeSet<>();
    int lo = -1; // fails (or before the grid)
    int hi = -1; // passes
    for (int i : spread) {
      done.add(i);
      if (hi < 0) {
        if (energy.score(layer, grid.get(i)) >= threshold) {
          hi = i;
        } else {
          lo = i;
        }
      } else {
        energy.score(layer, grid.get(i));
      }
    }
    while (hi >= 0 && hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      done.add(mid);
      if (energy.score(layer, grid.get(mid)) >= threshold) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    done.forEach(i -> scored.add(grid.get(i)));
    return hi < 0 ? null : grid.get(hi);
  }
}
