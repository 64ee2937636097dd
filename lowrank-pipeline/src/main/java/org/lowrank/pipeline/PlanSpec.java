package org.lowrank.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.lowrank.analysis.ProfileOptions;
import org.lowrank.cost.Method;
import org.lowrank.plan.Budget;
import org.lowrank.plan.select.LayerSelection;
import org.lowrank.plan.select.SelectorChoice;
import org.lowrank.plan.select.SelectorRegistry;
import org.lowrank.runtime.LatencyCache;
import org.lowrank.runtime.LatencyFilter;

/**
 * Stage 3 settings of a {@link CompressionPipeline}: which methods, which layers, which rank
 * selector with its typed options (rank multiple included), under which budget; or a plan file to
 * apply instead of searching. Validated when built; a new planning option is one more component
 * here (and one {@code with} method).
 *
 * @param methods the methods to consider; several = hybrid (the cheapest passing one per layer)
 * @param budget the global budget ({@link Budget#none()}: each layer its cheapest passing choice)
 * @param rules the layer rules the model is profiled with (size, 1x1, first conv, names)
 * @param selector the rank selector, or null for {@value SelectorRegistry#AUTO} ({@link
 *     SelectorRegistry#resolve}: decided by whether the run has data)
 * @param planFile a plan to apply instead of searching, or null
 * @param latencyPruning drop candidates not faster in ONNX Runtime, or null (off)
 * @param keepLatency keep at most this fraction of the original model's measured ONNX Runtime time
 *     at every latency batch size (0 = no latency budget); met together with {@code budget}
 * @param latencyCache directory of the layer timing cache, or null for {@link
 *     LatencyCache#defaultDirectory()}
 * @param prune filter pruning before planning ({@link PruneStep}), or null (off)
 */
public record PlanSpec(
    List<Method> methods,
    Budget budget,
    ProfileOptions rules,
    SelectorChoice selector,
    Path planFile,
    LatencyPruning latencyPruning,
    double keepLatency,
    Path latencyCache,
    PruneStep prune) {

  /**
   * Keep a candidate iff its factorized layer times at most {@code ratio} x the original layer in
   * ONNX Runtime at batch {@code batch}, one thread ({@link LatencyFilter}).
   */
  public record LatencyPruning(double ratio, int batch) {
    public LatencyPruning {
      LatencyFilter.check(ratio, batch);
    }
  }

  public PlanSpec {
    methods = List.copyOf(Objects.requireNonNull(methods, "methods"));
    if (methods.isEmpty()) {
      throw new IllegalArgumentException("give at least one factorization method");
    }
    Objects.requireNonNull(budget, "budget");
    Objects.requireNonNull(rules, "rules");
    if (planFile != null && latencyPruning != null) {
      throw new IllegalArgumentException(
          "--prune-latency prunes candidates while planning; it does not apply to --plan "
              + planFile
              + ": drop one of them");
    }
    if (keepLatency != 0) {
      requireKeepLatency(keepLatency);
    }
    if (prune != null && planFile != null) {
      throw new IllegalArgumentException(
          "--prune-keep and --method prune do not combine with --plan (a plan names the layers of"
              + " the model before pruning): drop one of them");
    }
    if (prune != null && prune.only() && latencyPruning != null) {
      throw new IllegalArgumentException(
          "--prune-latency caps the factorized layers, and --method prune alone factorizes none:"
              + " drop --prune-latency, or add a factorization method (e.g. --method prune,tucker)");
    }
    if (prune != null && prune.only() && keepLatency > 0 && !prune.planned()) {
      throw new IllegalArgumentException(
          "--prune-keep fixes the channels kept, so --method prune alone cannot also meet"
              + " --keep-latency: drop --prune-keep to let the planner prune to the latency budget");
    }
    if (prune != null && prune.only() && keepLatency > 0 && !budget.isNone()) {
      throw new IllegalArgumentException(
          "--method prune alone plans its channels under one budget, found --keep-latency "
              + keepLatency
              + " and "
              + budget
              + ": give one of them, or add a factorization method (e.g. --method hybrid,prune)"
              + " to meet both");
    }
    if (prune != null && prune.only() && !prune.planned() && !budget.isNone()) {
      throw new IllegalArgumentException(
          "--prune-keep fixes the channels kept, so --method prune alone cannot also meet "
              + budget
              + ": drop --prune-keep to let the planner prune to the budget, or add a"
              + " factorization method (e.g. --method hybrid) to meet it after pruning");
    }
    if (planFile != null && keepLatency > 0) {
      throw new IllegalArgumentException(
          "--keep-latency shapes the ranks while planning; it does not apply to --plan "
              + planFile
              + ": drop one of them");
    }
  }

  /**
   * Checks, once the spec is complete, that pruning planned by the allocator ({@link
   * PruneStep#planned()}) has a budget to plan under.
   *
   * @throws IllegalArgumentException naming the options to give
   */
  public PlanSpec requireBudgetForPlannedPruning() {
    if (prune != null
        && prune.planned()
        && planFile == null
        && budget.isNone()
        && !(keepLatency > 0 && keepLatency < 1)) {
      throw new IllegalArgumentException(
          "--method prune (alone or with factorization methods) without --prune-keep lets the"
              + " planner choose the channels to prune under a budget: give --keep-params,"
              + " --keep-flops or --keep-latency below 1 (or a fixed --prune-keep F)");
    }
    return this;
  }

  /**
   * {@code fraction} if it is a latency budget, in (0, 1]; else an error naming {@code
   * --keep-latency} (0, "no budget" inside a spec, is refused here: a given budget is never 0).
   */
  public static double requireKeepLatency(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException(
          "--keep-latency keeps a fraction of the original's measured time in (0, 1], found "
              + fraction
              + ": e.g. --keep-latency 0.5 asks for a 2x speed-up");
    }
    return fraction;
  }

  /** Every method, no budget, default layer rules, the automatic selector, no pruning. */
  public static PlanSpec defaults() {
    return new PlanSpec(
        List.of(Method.values()),
        Budget.none(),
        ProfileOptions.DEFAULTS,
        null,
        null,
        null,
        0,
        null,
        null);
  }

  /** The layer selection these methods and rules make. */
  public LayerSelection selection() {
    return new LayerSelection(rules, methods);
  }

  /** The selector to use, resolving {@value SelectorRegistry#AUTO} by whether there is data. */
  public SelectorChoice selectorFor(boolean hasData) {
    return selector != null
        ? selector
        : SelectorChoice.read(
            SelectorRegistry.resolve(SelectorRegistry.AUTO, hasData),
            org.lowrank.plan.select.SelectorOption.Values.defaults());
  }

  public PlanSpec withMethods(List<Method> v) {
    return new PlanSpec(
        v, budget, rules, selector, planFile, latencyPruning, keepLatency, latencyCache, prune);
  }

  public PlanSpec withBudget(Budget v) {
    return new PlanSpec(
        methods, v, rules, selector, planFile, latencyPruning, keepLatency, latencyCache, prune);
  }

  public PlanSpec withRules(ProfileOptions v) {
    return new PlanSpec(
        methods, budget, v, selector, planFile, latencyPruning, keepLatency, latencyCache, prune);
  }

  public PlanSpec withSelector(SelectorChoice v) {
    return new PlanSpec(
        methods, budget, rules, v, planFile, latencyPruning, keepLatency, latencyCache, prune);
  }

  public PlanSpec withPlanFile(Path v) {
    return new PlanSpec(
        methods, budget, rules, selector, v, latencyPruning, keepLatency, latencyCache, prune);
  }

  public PlanSpec withLatencyPruning(LatencyPruning v) {
    return new PlanSpec(
        methods, budget, rules, selector, planFile, v, keepLatency, latencyCache, prune);
  }

  /** A latency budget: {@link #keepLatency()} (0 = none). */
  public PlanSpec withKeepLatency(double v) {
    return new PlanSpec(
        methods, budget, rules, selector, planFile, latencyPruning, v, latencyCache, prune);
  }

  /** The layer timing cache's directory (null = the default). */
  public PlanSpec withLatencyCache(Path v) {
    return new PlanSpec(
        methods, budget, rules, selector, planFile, latencyPruning, keepLatency, v, prune);
  }

  /** Filter pruning before planning (null = off). */
  public PlanSpec withPrune(PruneStep v) {
    return new PlanSpec(
        methods, budget, rules, selector, planFile, latencyPruning, keepLatency, latencyCache, v);
  }
}
