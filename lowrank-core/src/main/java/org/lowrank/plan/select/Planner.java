package org.lowrank.plan.select;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.Budget;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.Candidate;
import org.lowrank.plan.Choice;
import org.lowrank.plan.Cost;
import org.lowrank.plan.CostModel;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Method;
import org.lowrank.plan.Plan;
import org.lowrank.progress.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns selected layers, a selector, methods and a budget into a {@link Plan}. With several methods
 * (hybrid) each layer gets the one whose candidate wins: the best-scoring under the allocator for
 * scored selectors, the fewest parameters at the common scale for uniform ones.
 */
public final class Planner {
  private static final Logger LOG = LoggerFactory.getLogger(Planner.class);

  private Planner() {}

  /**
   * What to plan.
   *
   * @param model model file name, recorded in the plan
   * @param layers the selected layers
   * @param skipped decisions for the analyzed layers that are not selected (kept as they are)
   * @param modelTotal the whole model's cost (every layer and op, selected or not)
   * @param methods the methods to consider (several = hybrid); each layer uses those that fit it
   * @param selector the rank selector
   * @param budget the global budget
   * @param seed recorded in the plan (the selector's random steps use it)
   */
  public record Request(
      String model,
      List<LayerInput> layers,
      List<LayerDecision> skipped,
      Cost modelTotal,
      List<Method> methods,
      RankSelector selector,
      Budget budget,
      long seed) {
    public Request {
      layers = List.copyOf(layers);
      skipped = List.copyOf(skipped);
      methods = List.copyOf(methods);
      Objects.requireNonNull(selector, "selector");
      Objects.requireNonNull(budget, "budget");
      if (methods.isEmpty()) {
        throw new IllegalArgumentException("no factorization method given");
      }
    }
  }

  public static Plan plan(Request req, ProgressListener progress) {
    Cost selectedBefore = Cost.ZERO;
    for (LayerInput l : req.layers()) {
      selectedBefore = selectedBefore.plus(CostModel.original(l.geometry()));
    }
    Cost fixed = req.modelTotal().minus(selectedBefore);
    List<LayerDecision> decisions = req.selector() instanceof RankSelector.Scored s
        ? scored(req, s, fixed, progress)
        : uniform(req, (RankSelector.Uniform) req.selector(), fixed, progress);
    Cost after = fixed;
    for (LayerDecision d : decisions) {
      after = after.plus(d.after());
    }
    List<LayerDecision> all = new ArrayList<>(decisions);
    all.addAll(req.skipped());
    Map<String, Object> settings = new java.util.LinkedHashMap<>(req.selector().settings());
    settings.put("methods", req.methods().stream().map(Method::cliName).toList());
    return new Plan(req.model(), req.selector().name(), req.budget(), req.seed(), settings, all,
        req.modelTotal(), after);
  }

  private static List<Method> applicable(LayerInput l, List<Method> methods) {
    return methods.stream().filter(m -> m.forConv() == l.geometry().conv()).toList();
  }

  private static List<LayerDecision> scored(
      Request req, RankSelector.Scored s, Cost fixed, ProgressListener progress) {
    progress.start("rank search (" + s.name() + ")", req.layers().size());
    List<BudgetAllocator.LayerOptions> options = new ArrayList<>();
    int done = 0;
    for (LayerInput l : req.layers()) {
      List<Method> ms = applicable(l, req.methods());
      options.add(ms.isEmpty()
          ? new BudgetAllocator.LayerOptions(l.name(), List.of(Candidate.original(l.geometry())), 0)
          : s.options(l, ms));
      progress.progress(++done, l.name());
    }
    List<Candidate> picked = BudgetAllocator.allocate(options, fixed, req.modelTotal(), req.budget());
    progress.finish("");
    List<LayerDecision> out = new ArrayList<>();
    for (int i = 0; i < picked.size(); i++) {
      LayerInput l = req.layers().get(i);
      Candidate c = picked.get(i);
      Cost before = CostModel.original(l.geometry());
      if (c.isOriginal()) {
        String why = applicable(l, req.methods()).isEmpty()
            ? "no selected method applies to " + l.kind()
            : "kept: no candidate met the threshold while lowering the cost";
        out.add(new LayerDecision(l.name(), l.kind(), null, before, before, 1.0, why));
      } else {
        out.add(new LayerDecision(l.name(), l.kind(), c.choice(), before, c.cost(), c.score(), ""));
      }
    }
    return out;
  }

  private static List<LayerDecision> uniform(
      Request req, RankSelector.Uniform u, Cost fixed, ProgressListener progress) {
    progress.start("rank selection (" + u.name() + ")", req.layers().size());
    Map<String, Spectra> spectra = new HashMap<>();
    LinearAlgebra la = LinearAlgebra.defaultInstance();
    int done = 0;
    for (LayerInput l : req.layers()) {
      spectra.put(l.name(), Spectra.of(l, la));
      progress.progress(++done, l.name());
    }
    double scale = u.defaultScale();
    if (!req.budget().isNone()) {
      Budget.Kind kind = req.budget().kind();
      long target = req.budget().target(req.modelTotal());
      double lo = 1e-6;
      double hi = u.maxScale();
      if (total(req, u, fixed, lo, spectra).get(kind) > target) {
        long min = total(req, u, fixed, lo, spectra).get(kind);
        throw new IllegalArgumentException(String.format(
            "impossible budget: %s asks for at most %d %s of %d, but rank 1 everywhere still needs "
                + "%d (%.1f%%); keep a larger fraction or include more layers",
            req.budget(), target, kind.name().toLowerCase(), req.modelTotal().get(kind), min,
            100.0 * min / req.modelTotal().get(kind)));
      }
      for (int it = 0; it < 50; it++) {
        double mid = (lo + hi) / 2;
        if (total(req, u, fixed, mid, spectra).get(kind) <= target) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      scale = lo;
      LOG.info("{}: scale {} meets {}", u.name(), scale, req.budget());
    }
    progress.finish(String.format(java.util.Locale.ROOT, "scale %.4f", scale));
    return decide(req, u, scale, spectra);
  }

  private static Cost total(
      Request req, RankSelector.Uniform u, Cost fixed, double scale, Map<String, Spectra> spectra) {
    Cost t = fixed;
    for (LayerDecision d : decide(req, u, scale, spectra)) {
      t = t.plus(d.after());
    }
    return t;
  }

  private static List<LayerDecision> decide(
      Request req, RankSelector.Uniform u, double scale, Map<String, Spectra> spectra) {
    List<LayerDecision> out = new ArrayList<>();
    for (LayerInput l : req.layers()) {
      Cost before = CostModel.original(l.geometry());
      Choice best = null;
      Cost bestCost = null;
      for (Method m : applicable(l, req.methods())) {
        if (m == Method.TTM) {
          continue; // uniform selectors scale Tucker/CP/TT/SVD ranks; TT-matrix needs a scored selector
        }
        Choice c = Choice.of(m, u.ranks(l, m, scale));
        Cost cost = CostModel.factorized(l.geometry(), c);
        if (CostModel.reducesCost(l.geometry(), c) && (best == null || cost.params() < bestCost.params())) {
          best = c;
          bestCost = cost;
        }
      }
      String note = u instanceof VbmfSelector v && v.fellBack(l)
          ? "EVBMF found no component on an unfolding: full rank used there" : "";
      if (best == null) {
        out.add(new LayerDecision(l.name(), l.kind(), null, before, before, 1.0,
            (note.isEmpty() ? "" : note + "; ") + "kept: these ranks would not lower the cost"));
      } else {
        out.add(new LayerDecision(l.name(), l.kind(), best, before, bestCost,
            EnergySelector.score(spectra.get(l.name()), l.geometry(), best), note));
      }
    }
    return out;
  }
}
