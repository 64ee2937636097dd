package org.lowrank.plan.select;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.Method;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.Budget;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.Candidate;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.progress.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns selected layers, a selector, methods and a budget into a {@link Plan}. With several methods
 * (hybrid) each layer gets the one whose candidate wins: the best-scoring under the allocator for
 * scored selectors, the fewest parameters at the common scale for uniform ones.
 *
 * <p>An optional {@link CandidateFilter} (e.g. measured latency) vetoes candidates first: scored
 * selectors lose the rejected candidates from their options (the original always stays), uniform
 * selectors cannot pick a rejected method's ranks. A layer whose every candidate was rejected is
 * kept with the filter's note; the plan settings record the filter's settings and how many distinct
 * candidates it dropped ({@code prune_dropped_candidates}) and how many layers it kept ({@code
 * prune_kept_layers}).
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
   * @param filter vetoes candidates before the choice ({@link CandidateFilter#KEEP_ALL} = none)
   * @param latency a budget on measured latency met together with {@code budget} (null = none;
   *     scored selectors only)
   */
  public record Request(
      String model,
      List<LayerInput> layers,
      List<LayerDecision> skipped,
      Cost modelTotal,
      List<Method> methods,
      RankSelector selector,
      Budget budget,
      long seed,
      CandidateFilter filter,
      LatencyBudget latency) {
    public Request {
      layers = List.copyOf(layers);
      skipped = List.copyOf(skipped);
      methods = List.copyOf(methods);
      Objects.requireNonNull(selector, "selector");
      Objects.requireNonNull(budget, "budget");
      filter = filter == null ? CandidateFilter.KEEP_ALL : filter;
      if (methods.isEmpty()) {
        throw new IllegalArgumentException("no factorization method given");
      }
      if (latency != null && !(selector instanceof RankSelector.Scored)) {
        throw new IllegalArgumentException(
            "a latency budget (--keep-latency) needs a scored rank selector (energy or "
                + "similarity); "
                + selector.name()
                + " scales every layer uniformly");
      }
    }

    /** A request without a latency budget. */
    public Request(
        String model,
        List<LayerInput> layers,
        List<LayerDecision> skipped,
        Cost modelTotal,
        List<Method> methods,
        RankSelector selector,
        Budget budget,
        long seed,
        CandidateFilter filter) {
      this(model, layers, skipped, modelTotal, methods, selector, budget, seed, filter, null);
    }

    /** A request without a candidate filter. */
    public Request(
        String model,
        List<LayerInput> layers,
        List<LayerDecision> skipped,
        Cost modelTotal,
        List<Method> methods,
        RankSelector selector,
        Budget budget,
        long seed) {
      this(
          model,
          layers,
          skipped,
          modelTotal,
          methods,
          selector,
          budget,
          seed,
          CandidateFilter.KEEP_ALL);
    }

    /** The same request with {@code f} vetoing candidates. */
    public Request withFilter(CandidateFilter f) {
      return new Request(
          model, layers, skipped, modelTotal, methods, selector, budget, seed, f, latency);
    }

    /** The same request with the latency budget {@code v} (null = none). */
    public Request withLatency(LatencyBudget v) {
      return new Request(
          model, layers, skipped, modelTotal, methods, selector, budget, seed, filter, v);
    }
  }

  public static Plan plan(Request req, ProgressListener progress) {
    Cost selectedBefore = Cost.ZERO;
    for (LayerInput l : req.layers()) {
      selectedBefore = selectedBefore.plus(CostModel.original(l.geometry()));
    }
    Cost fixed = req.modelTotal().minus(selectedBefore);
    Screen screen = new Screen(req.filter());
    Map<String, Object> latencySettings = new java.util.LinkedHashMap<>();
    List<LayerDecision> decisions =
        req.selector() instanceof RankSelector.Scored s
            ? scored(req, s, fixed, screen, progress, latencySettings)
            : uniform(req, (RankSelector.Uniform) req.selector(), fixed, screen, progress);
    Cost after = fixed;
    for (LayerDecision d : decisions) {
      after = after.plus(d.after());
    }
    List<LayerDecision> all = new ArrayList<>(decisions);
    all.addAll(req.skipped());
    Map<String, Object> settings = new java.util.LinkedHashMap<>(req.selector().settings());
    settings.put("methods", req.methods().stream().map(Method::cliName).toList());
    settings.putAll(latencySettings);
    if (settings.get("rank_multiple") instanceof Long k && k > 1) {
      List<String> unaligned = unalignedLayers(decisions, k);
      settings.put("rank_unaligned_layers", unaligned);
      if (!unaligned.isEmpty()) {
        LOG.info(
            "{} layer(s) keep ranks that are not multiples of {} (full rank, or fewer channels "
                + "than the block): {}",
            unaligned.size(),
            k,
            unaligned);
      }
    }
    if (screen.filter.prunes()) {
      settings.putAll(screen.filter.settings());
      settings.put("prune_dropped_candidates", screen.dropped());
      long keptLayers = screen.keptAllRejected.size();
      settings.put("prune_kept_layers", keptLayers);
      LOG.info(
          "{}: dropped {} of {} candidates; {} layer(s) kept because every "
              + "candidate was dropped",
          screen.filter.description(),
          screen.dropped(),
          screen.asked(),
          keptLayers);
    }
    return new Plan(
        req.model(),
        req.selector().name(),
        req.budget(),
        req.seed(),
        settings,
        all,
        req.modelTotal(),
        after);
  }

  /**
   * Factorized layers with a rank that is not a multiple of {@code k}: the grid allows these only
   * where the layer leaves no aligned choice (a rank capped at the layer's full rank, e.g. fewer
   * channels than the block); they are stated, never hidden.
   */
  static List<String> unalignedLayers(List<LayerDecision> decisions, long k) {
    List<String> out = new ArrayList<>();
    for (LayerDecision d : decisions) {
      if (d.isFactorized()
          && java.util.Arrays.stream(d.choice().ranks()).anyMatch(r -> r % k != 0)) {
        out.add(d.layer());
      }
    }
    return out;
  }

  /**
   * The request's filter, asked at most once per (layer, choice): uniform selectors revisit the
   * same ranks many times during their bisection on the scale.
   */
  private static final class Screen {
    final CandidateFilter filter;
    private final Map<String, Map<Choice, Boolean>> seen = new HashMap<>();

    /** Layers kept because the filter rejected every candidate (counted, not found by note). */
    final java.util.Set<String> keptAllRejected = new java.util.LinkedHashSet<>();

    Screen(CandidateFilter filter) {
      this.filter = filter;
    }

    /** Records {@code layer} as kept because every candidate was rejected; returns the note. */
    String keptAllRejected(String layer) {
      keptAllRejected.add(layer);
      return filter.rejectedAllNote();
    }

    boolean keep(LayerInput l, Choice c) {
      if (!filter.prunes()) {
        return true;
      }
      Map<Choice, Boolean> m = seen.computeIfAbsent(l.name(), k -> new HashMap<>());
      Boolean k = m.get(c);
      if (k == null) {
        k = filter.keep(l, c);
        m.put(c, k);
      }
      return k;
    }

    /** Decisions for all of {@code choices}, asking the filter only about the new ones at once. */
    boolean[] keep(LayerInput l, List<Choice> choices) {
      boolean[] out = new boolean[choices.size()];
      if (!filter.prunes()) {
        java.util.Arrays.fill(out, true);
        return out;
      }
      Map<Choice, Boolean> m = seen.computeIfAbsent(l.name(), k -> new HashMap<>());
      List<Choice> fresh = choices.stream().filter(c -> !m.containsKey(c)).distinct().toList();
      if (!fresh.isEmpty()) {
        boolean[] k = filter.keep(l, fresh);
        if (k.length != fresh.size()) {
          throw new IllegalStateException(
              filter.description()
                  + " answered "
                  + k.length
                  + " decisions for "
                  + fresh.size()
                  + " candidates of layer '"
                  + l.name()
                  + "'");
        }
        for (int i = 0; i < k.length; i++) {
          m.put(fresh.get(i), k[i]);
        }
      }
      for (int i = 0; i < out.length; i++) {
        out[i] = m.get(choices.get(i));
      }
      return out;
    }

    /** Distinct (layer, choice) pairs the filter rejected. */
    long dropped() {
      return seen.values().stream().flatMap(m -> m.values().stream()).filter(k -> !k).count();
    }

    /** Distinct (layer, choice) pairs the filter was asked about. */
    long asked() {
      return seen.values().stream().mapToLong(Map::size).sum();
    }

    /**
     * {@code o} without the rejected candidates (the original always stays). When the preferred
     * candidate is rejected, the cheapest kept one scoring at least as well is preferred instead,
     * else the original.
     *
     * @return the pruned options, with how many of how many factorized candidates were rejected
     */
    Pruned prune(LayerInput l, BudgetAllocator.LayerOptions o) {
      if (!filter.prunes()) {
        return new Pruned(o, 0, 0);
      }
      List<Choice> choices =
          o.candidates().stream().filter(c -> !c.isOriginal()).map(Candidate::choice).toList();
      if (choices.isEmpty()) {
        return new Pruned(o, 0, 0);
      }
      boolean[] keep = keep(l, choices);
      Candidate preferred = o.candidates().get(o.preferred());
      List<Candidate> kept = new ArrayList<>();
      int pref = -1;
      int original = -1;
      int factorized = 0;
      int j = 0;
      for (Candidate c : o.candidates()) {
        if (!c.isOriginal() && !keep[j++]) {
          continue;
        }
        kept.add(c);
        factorized += c.isOriginal() ? 0 : 1;
        if (c == preferred) {
          pref = kept.size() - 1;
        }
        if (c.isOriginal() && original < 0) {
          original = kept.size() - 1;
        }
      }
      if (original < 0) {
        kept.add(Candidate.original(l.geometry()));
        original = kept.size() - 1;
      }
      if (pref < 0) {
        pref = original;
        for (int i = 0; i < kept.size(); i++) {
          Candidate c = kept.get(i);
          if (!c.isOriginal()
              && c.score() >= preferred.score()
              && c.cost().params() < kept.get(pref).cost().params()) {
            pref = i;
          }
        }
        LOG.debug(
            "layer '{}': preferred {} dropped by the filter, now {}",
            l.name(),
            preferred.choice(),
            kept.get(pref).isOriginal() ? "original" : kept.get(pref).choice());
      }
      return new Pruned(
          new BudgetAllocator.LayerOptions(o.layer(), kept, pref, o.note()),
          choices.size() - factorized,
          choices.size());
    }
  }

  private record Pruned(BudgetAllocator.LayerOptions options, int rejected, int offered) {
    boolean allRejected() {
      return offered > 0 && rejected == offered;
    }
  }

  private static List<Method> applicable(LayerInput l, List<Method> methods) {
    return methods.stream().filter(m -> m.appliesTo(l.geometry())).toList();
  }

  private static List<LayerDecision> scored(
      Request req,
      RankSelector.Scored s,
      Cost fixed,
      Screen screen,
      ProgressListener progress,
      Map<String, Object> latencySettings) {
    Map<String, Pruned> pruned = new HashMap<>();
    List<BudgetAllocator.LayerOptions> options = options(req, s, screen, progress, pruned);
    List<Candidate> picked = allocate(req, options, fixed, screen, latencySettings);
    progress.finish("");
    // a selector holding candidates back (CP ranks under a budget) offers more where picks reach
    for (int round = 1; ; round++) {
      List<Integer> widened = new ArrayList<>();
      for (int i = 0; i < picked.size(); i++) {
        LayerInput l = req.layers().get(i);
        List<Method> ms = applicable(l, req.methods());
        if (!ms.isEmpty() && s.widen(l, ms, picked.get(i))) {
          widened.add(i);
        }
      }
      if (widened.isEmpty()) {
        break;
      }
      LOG.debug("widening round {}: {} layer(s)", round, widened.size());
      progress.start(
          "rank search (" + s.name() + "), larger CP ranks, round " + round, widened.size());
      int done = 0;
      for (int i : widened) {
        LayerInput l = req.layers().get(i);
        options.set(i, layerOptions(req, s, screen, l, pruned));
        progress.progress(++done, l.name());
      }
      picked = allocate(req, options, fixed, screen, latencySettings);
      progress.finish("");
    }
    List<LayerDecision> out = new ArrayList<>();
    for (int i = 0; i < picked.size(); i++) {
      LayerInput l = req.layers().get(i);
      Candidate c = picked.get(i);
      Cost before = CostModel.original(l.geometry());
      Pruned p = pruned.get(l.name());
      if (c.isOriginal()) {
        String why =
            applicable(l, req.methods()).isEmpty()
                ? "no selected method applies to " + l.kind()
                : p.allRejected()
                    ? screen.keptAllRejected(l.name())
                    : (!req.budget().isNone() && options.get(i).candidates().size() > 1
                            ? "kept: under the budget its candidates lose more score per unit saved than "
                                + "other layers'"
                            : "kept: no candidate met the threshold while lowering the cost")
                        + (p.rejected() > 0 ? "; " + droppedNote(p, screen) : "");
        out.add(
            new LayerDecision(
                l.name(), l.kind(), null, before, before, 1.0, joined(why, options.get(i).note())));
      } else {
        out.add(
            new LayerDecision(
                l.name(),
                l.kind(),
                c.choice(),
                before,
                c.cost(),
                c.score(),
                joined(
                    p != null && p.rejected() > 0 ? droppedNote(p, screen) : "",
                    options.get(i).note())));
      }
    }
    return out;
  }

  /** One allocation of the options under the request's budget (and latency budget, if any). */
  private static List<Candidate> allocate(
      Request req,
      List<BudgetAllocator.LayerOptions> options,
      Cost fixed,
      Screen screen,
      Map<String, Object> latencySettings) {
    try {
      return req.latency() == null
          ? BudgetAllocator.allocate(options, fixed, req.modelTotal(), req.budget())
          : LatencyPlanning.allocate(req, options, fixed, latencySettings);
    } catch (IllegalArgumentException e) {
      throw screen.filter.prunes() ? withPruningHint(e, screen) : e;
    }
  }

  /**
   * The candidates a scored selector offers for each of the request's layers (the original always
   * among them), after the request's filter: what the budget allocator chooses from. Used by
   * planning methods that share the allocation (filter pruning, {@code PlannedPruning}).
   *
   * @throws IllegalArgumentException when the request's selector is not scored
   */
  public static List<BudgetAllocator.LayerOptions> options(Request req, ProgressListener progress) {
    if (!(req.selector() instanceof RankSelector.Scored s)) {
      throw new IllegalArgumentException(
          "the rank selector "
              + req.selector().name()
              + " scales every layer uniformly and offers no scored candidates to share a budget"
              + " with pruning: use a scored selector (energy or similarity)");
    }
    for (LayerInput l : req.layers()) { // every candidate at once: the caller allocates its own way
      List<Method> ms = applicable(l, req.methods());
      Candidate original = Candidate.original(l.geometry());
      while (!ms.isEmpty() && s.widen(l, ms, original)) {
        // the original is above every held-back candidate: widen until none is held back
      }
    }
    List<BudgetAllocator.LayerOptions> out =
        options(req, s, new Screen(req.filter()), progress, new HashMap<>());
    progress.finish("");
    return out;
  }

  private static List<BudgetAllocator.LayerOptions> options(
      Request req,
      RankSelector.Scored s,
      Screen screen,
      ProgressListener progress,
      Map<String, Pruned> pruned) {
    progress.start("rank search (" + s.name() + ")", req.layers().size());
    List<BudgetAllocator.LayerOptions> options = new ArrayList<>();
    int done = 0;
    for (LayerInput l : req.layers()) {
      options.add(layerOptions(req, s, screen, l, pruned));
      progress.progress(++done, l.name());
    }
    return options;
  }

  /**
   * The options of one layer after the filter (recorded in {@code pruned}), or the original alone
   * when no requested method applies to it.
   */
  private static BudgetAllocator.LayerOptions layerOptions(
      Request req, RankSelector.Scored s, Screen screen, LayerInput l, Map<String, Pruned> pruned) {
    List<Method> ms = applicable(l, req.methods());
    if (ms.isEmpty()) {
      return new BudgetAllocator.LayerOptions(
          l.name(), List.of(Candidate.original(l.geometry())), 0);
    }
    Pruned p = screen.prune(l, s.options(l, ms));
    pruned.put(l.name(), p);
    return p.options();
  }

  /** Two notes joined by "; ", either possibly empty. */
  private static String joined(String a, String b) {
    return a.isEmpty() ? b : b.isEmpty() ? a : a + "; " + b;
  }

  private static String droppedNote(Pruned p, Screen screen) {
    return screen.filter.description()
        + " dropped "
        + p.rejected()
        + " of "
        + p.offered()
        + " candidates";
  }

  private static IllegalArgumentException withPruningHint(
      IllegalArgumentException e, Screen screen) {
    return new IllegalArgumentException(
        e.getMessage()
            + "; "
            + screen.filter.description()
            + " dropped "
            + screen.dropped()
            + " candidate(s): relax it or turn it off",
        e);
  }

  private static List<LayerDecision> uniform(
      Request req, RankSelector.Uniform u, Cost fixed, Screen screen, ProgressListener progress) {
    double scale = u.defaultScale();
    if (!req.budget().isNone()) {
      Budget.Kind kind = req.budget().kind();
      long target = req.budget().target(req.modelTotal());
      double lo = 1e-6;
      double hi = u.maxScale();
      if (total(req, u, fixed, lo, screen).get(kind) > target) {
        long min = total(req, u, fixed, lo, screen).get(kind);
        IllegalArgumentException e =
            new IllegalArgumentException(
                String.format(
                    "impossible budget: %s asks for at most %d %s of %d, but rank 1 everywhere still needs "
                        + "%d (%.1f%%); keep a larger fraction or "
                        + BudgetAllocator.MORE_LAYERS_HINT,
                    req.budget(),
                    target,
                    kind.name().toLowerCase(),
                    req.modelTotal().get(kind),
                    min,
                    100.0 * min / req.modelTotal().get(kind)));
        throw screen.filter.prunes() ? withPruningHint(e, screen) : e;
      }
      for (int it = 0; it < 50; it++) {
        double mid = (lo + hi) / 2;
        if (total(req, u, fixed, mid, screen).get(kind) <= target) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      scale = lo;
      LOG.info("{}: scale {} meets {}", u.name(), scale, req.budget());
    }
    // the chosen ranks' kept energy, as the energy selector scores them (CP: a short CP-ALS)
    progress.start("rank selection (" + u.name() + ")", req.layers().size());
    KeptEnergy energy =
        new KeptEnergy(LinearAlgebra.defaultInstance(), req.seed(), KeptEnergy.DEFAULT_CP_SWEEPS);
    List<LayerDecision> out = new ArrayList<>();
    int done = 0;
    for (LayerDecision d : decide(req, u, scale, screen)) {
      LayerInput l = req.layers().get(done);
      out.add(
          d.isFactorized()
              ? new LayerDecision(
                  d.layer(),
                  d.kind(),
                  d.choice(),
                  d.before(),
                  d.after(),
                  energy.score(l, d.choice()),
                  d.note())
              : d);
      progress.progress(++done, l.name());
    }
    progress.finish(String.format(java.util.Locale.ROOT, "scale %.4f", scale));
    return out;
  }

  private static Cost total(
      Request req, RankSelector.Uniform u, Cost fixed, double scale, Screen screen) {
    Cost t = fixed;
    for (LayerDecision d : decide(req, u, scale, screen)) {
      t = t.plus(d.after());
    }
    return t;
  }

  /**
   * Each layer's cheapest reducing choice at {@code scale} (score NaN, filled in by the caller). A
   * method at its largest ranks ({@link CostModel#maxRanks}) is no choice: at full rank the layer
   * itself is exact, and CP at the parameter-matching rank saves nothing worth its error; so at a
   * scale that reaches every method's full rank (ratio 1) every layer is kept as it is.
   */
  private static List<LayerDecision> decide(
      Request req, RankSelector.Uniform u, double scale, Screen screen) {
    screen.keptAllRejected.clear(); // the last pass (the chosen scale) is the plan's
    List<LayerDecision> out = new ArrayList<>();
    for (LayerInput l : req.layers()) {
      Cost before = CostModel.original(l.geometry());
      Choice best = null;
      Cost bestCost = null;
      boolean rejected = false;
      boolean full = false; // some method is at its full rank
      boolean below = false; // some method is below it
      for (Method m : applicable(l, req.methods())) {
        if (m == Method.TTM) {
          continue; // uniform selectors scale Tucker/CP/TT/SVD ranks; TT-matrix needs a scored
          // selector
        }
        Choice c = Choice.of(m, u.ranks(l, m, scale));
        if (CandidateGrid.isFullRank(l.geometry(), c)) {
          full = true;
          continue;
        }
        below = true;
        Cost cost = CostModel.factorized(l.geometry(), c);
        if (CostModel.reducesCost(l.geometry(), c)
            && (best == null || cost.params() < bestCost.params())) {
          if (screen.keep(l, c)) {
            best = c;
            bestCost = cost;
          } else {
            rejected = true;
          }
        }
      }
      String note =
          u instanceof VbmfSelector v && v.fellBack(l)
              ? "EVBMF found no component on an unfolding: full rank used there"
              : "";
      if (best == null) {
        String why =
            rejected
                ? screen.keptAllRejected(l.name())
                : full && !below
                    ? "kept: full rank at this scale (the layer itself is exact)"
                    : "kept: these ranks would not lower the cost";
        out.add(
            new LayerDecision(
                l.name(),
                l.kind(),
                null,
                before,
                before,
                1.0,
                (note.isEmpty() ? "" : note + "; ") + why));
      } else {
        out.add(new LayerDecision(l.name(), l.kind(), best, before, bestCost, Double.NaN, note));
      }
    }
    return out;
  }
}
