package org.lowrank.plan.select;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.Candidate;
import org.lowrank.plan.Choice;
import org.lowrank.plan.CostModel;
import org.lowrank.plan.LayerGeometry;
import org.lowrank.plan.Method;

/**
 * Energy-threshold baseline: a layer's preferred ranks keep a fraction of the squared Frobenius norm
 * of each factored unfolding; every candidate is scored by the energy it keeps (the product over the
 * factored unfoldings), so a global budget trades energy across layers. CP's error has no closed
 * form: a CP rank r is scored as the tied Tucker-2 rank with the same parameter count, a neutral
 * proxy (the similarity and data-free selectors measure CP for real).
 */
public final class EnergySelector implements RankSelector.Scored {
  private final double threshold;
  private final int rankMultiple;
  private final LinearAlgebra la;
  private final Map<String, Spectra> spectra = new ConcurrentHashMap<>();

  public EnergySelector(double threshold, int rankMultiple, LinearAlgebra la) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException("energy threshold must be in (0, 1], found " + threshold);
    }
    this.threshold = threshold;
    this.rankMultiple = Math.max(1, rankMultiple);
    this.la = la;
  }

  @Override
  public String name() {
    return "energy";
  }

  @Override
  public Map<String, Object> settings() {
    return Map.of("energy", threshold, "rank_multiple", (long) rankMultiple);
  }

  /** Energy kept by a choice on a layer: the selectors' weight-only quality score in [0, 1]. */
  public static double score(Spectra s, LayerGeometry g, Choice c) {
    int[] r = c.ranks();
    return switch (c.method()) {
      case TUCKER2, TT -> Spectra.energy(s.output(), r[0]) * Spectra.energy(s.input(), r[1]);
      case CP -> {
        int t = equalParameterTuckerRank(g, r[0]);
        yield Spectra.energy(s.output(), t) * Spectra.energy(s.input(), t);
      }
      case SVD, QR -> Spectra.energy(s.output(), r[0]);
      case TTM -> Spectra.energy(s.ttm(), r[0]);
    };
  }

  /** The largest tied Tucker-2 rank t with t (C_in + C_out) + t^2 K <= r (C_in + K + C_out). */
  static int equalParameterTuckerRank(LayerGeometry g, int cpRank) {
    double k = g.kernelElements();
    double b = g.cin() + g.cout();
    double budget = cpRank * (g.cin() + k + g.cout());
    return Math.max(1, (int) Math.floor((-b + Math.sqrt(b * b + 4 * k * budget)) / (2 * k)));
  }

  Spectra spectra(LayerInput layer) {
    return spectra.computeIfAbsent(layer.name(), k -> Spectra.of(layer, la));
  }

  @Override
  public BudgetAllocator.LayerOptions options(LayerInput layer, List<Method> methods) {
    Spectra s = spectra(layer);
    List<Candidate> cands = new ArrayList<>();
    cands.add(Candidate.original(layer.geometry()));
    int preferred = 0;
    long preferredParams = Long.MAX_VALUE;
    for (Method m : methods) {
      for (Choice c : CandidateGrid.choices(layer.geometry(), m, rankMultiple)) {
        cands.add(new Candidate(c, CostModel.factorized(layer.geometry(), c), score(s, layer.geometry(), c)));
      }
      Choice atThreshold = thresholdChoice(layer, m, s);
      if (CostModel.reducesCost(layer.geometry(), atThreshold)) {
        Candidate c = new Candidate(atThreshold, CostModel.factorized(layer.geometry(), atThreshold),
            score(s, layer.geometry(), atThreshold));
        cands.add(c);
        if (c.cost().params() < preferredParams) {
          preferredParams = c.cost().params();
          preferred = cands.size() - 1;
        }
      }
    }
    return new BudgetAllocator.LayerOptions(layer.name(), cands, preferred);
  }

  private Choice thresholdChoice(LayerInput layer, Method m, Spectra s) {
    if (m == Method.TTM) {
      int max = CandidateGrid.ttmMaxRank(CandidateGrid.ttmModes(layer.geometry()));
      return CandidateGrid.ttm(layer.geometry(),
          CandidateGrid.round(Spectra.rankForEnergy(s.ttm(), threshold), rankMultiple, max));
    }
    int[] max = CostModel.maxRanks(layer.geometry(), m);
    int ro = CandidateGrid.round(Spectra.rankForEnergy(s.output(), threshold), rankMultiple, max[0]);
    if (m.rankCount() == 1) {
      int r = ro;
      if (m == Method.CP) {
        int t = Math.max(ro, Spectra.rankForEnergy(s.input(), threshold));
        r = 1;
        while (r < max[0] && equalParameterTuckerRank(layer.geometry(), r) < t) {
          r++;
        }
        r = CandidateGrid.round(r, rankMultiple, max[0]);
      }
      return Choice.of(m, r);
    }
    int ri = CandidateGrid.round(Spectra.rankForEnergy(s.input(), threshold), rankMultiple, max[1]);
    return Choice.of(m, ro, ri);
  }
}
