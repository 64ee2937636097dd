package org.lowrank.pipeline;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank.cost.Cost;
import org.lowrank.cost.RankMultiple;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.plan.Budget;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.prune.ChannelDependencies;
import org.lowrank.prune.ChannelGroup;
import org.lowrank.prune.ChannelPruner;
import org.lowrank.prune.ChannelSelection;
import org.lowrank.prune.FeatureMapContribution;
import org.lowrank.prune.FilterNorm;
import org.lowrank.prune.PlannedPruning;
import org.lowrank.prune.PruneCriterion;
import org.lowrank.report.CompressionReport;
import org.lowrank.runtime.FeatureMapRun;
import org.lowrank.runtime.RuntimeOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Filter pruning before factorization: keep a fraction of the channels of every eligible channel
 * group ({@link ChannelSelection#byFraction}), scored by a criterion, then hand the smaller model
 * to the planner. With {@code only}, nothing is factorized after.
 *
 * <p>With {@code keep} NaN the planner's budget allocator chooses each group's keep count ({@link
 * #applyPlanned}, {@link PlannedPruning}): alone ({@code --method prune}, no factorization options)
 * or together with the factorizations ({@code --method hybrid,prune}), under a parameter or MACs
 * budget (a latency budget is planned on MACs, then measured).
 *
 * @param keep fraction of each group's channels kept, in (0, 1]; NaN: chosen by the planner (see
 *     {@link #planned()})
 * @param criterion "l1", "l2" (filter norm) or "feature-map" (needs calibration images)
 * @param block channel counts are rounded up to multiples of this block
 * @param only prune only (no factorization after)
 */
public record PruneStep(double keep, String criterion, RankMultiple block, boolean only) {
  private static final Logger LOG = LoggerFactory.getLogger(PruneStep.class);

  /** The criteria by command-line name. */
  public static final List<String> CRITERIA = List.of("l1", "l2", "feature-map");

  public PruneStep {
    if (!Double.isNaN(keep) && !(keep > 0 && keep <= 1)) {
      throw new IllegalArgumentException(
          "--prune-keep takes the fraction of channels kept per group in (0, 1], e.g. 0.75; found "
              + keep);
    }
    criterion = criterion.toLowerCase(Locale.ROOT);
    if (!CRITERIA.contains(criterion)) {
      throw new IllegalArgumentException(
          "--prune-criterion takes one of " + CRITERIA + ", found '" + criterion + "'");
    }
  }

  /**
   * True when the planner's allocator chooses the keep counts ({@link #applyPlanned}), with the
   * factorizations or, with {@code only}, alone.
   */
  public boolean planned() {
    return Double.isNaN(keep);
  }

  /**
   * The pruned model and what was decided per group.
   *
   * @param calibration images [N, C, H, W] for the feature-map criterion (null otherwise)
   */
  public Result apply(Model original, TensorValue calibration, int threads) {
    if (planned()) {
      throw new IllegalStateException("a planned pruning step is applied with applyPlanned");
    }
    return prune(
        original,
        calibration,
        threads,
        (deps, c) -> ChannelSelection.byFraction(deps, c, keep, block));
  }

  /**
   * Prunes the channels the planner's allocator chooses together with the factorizations ({@link
   * PlannedPruning#allocate}).
   *
   * @param layers the factorization options of the selected layers of {@code original}; empty for
   *     pruning alone
   * @param total the original model's cost
   * @param budget a parameter or MACs budget
   */
  public Result applyPlanned(
      Model original,
      TensorValue calibration,
      int threads,
      List<BudgetAllocator.LayerOptions> layers,
      Cost total,
      Budget budget) {
    return prune(
        original,
        calibration,
        threads,
        (deps, c) -> PlannedPruning.allocate(deps, c, block, layers, total, budget).selection());
  }

  private Result prune(
      Model original,
      TensorValue calibration,
      int threads,
      java.util.function.BiFunction<ChannelDependencies, PruneCriterion, ChannelSelection.Result>
          choose) {
    ChannelDependencies deps = ChannelDependencies.analyze(original);
    Map<String, TensorValue> maps = featureMaps(deps, calibration, threads);
    PruneCriterion c =
        switch (criterion) {
          case "l1" -> FilterNorm.l1();
          case "l2" -> FilterNorm.l2();
          default -> FeatureMapContribution.centered(maps);
        };
    ChannelSelection.Result r = choose.apply(deps, c);
    for (ChannelSelection.GroupDecision d : r.decisions()) {
      if (!d.note().isEmpty()) {
        LOG.info(
            "prune {}: keeps {} of {}: {}",
            d.group().label(),
            d.kept(),
            d.group().width(),
            d.note());
      }
    }
    // with calibration images, each consumer's bias absorbs the removed channels' means
    Model pruned =
        ChannelPruner.prune(deps, r.selection(), FeatureMapContribution.channelMeans(maps));
    LOG.info(
        "pruned {} of {} channel groups (keep {}, {}{})",
        r.prunedGroups(),
        deps.groups().size(),
        r.keep(),
        c.name(),
        maps.isEmpty() ? "" : ", mean-compensated");
    return new Result(pruned, r);
  }

  /** Feature maps of every prunable group's consumers on the calibration images; none without. */
  private Map<String, TensorValue> featureMaps(
      ChannelDependencies deps, TensorValue calibration, int threads) {
    if (calibration == null) {
      if (criterion.equals("feature-map")) {
        throw new IllegalArgumentException(
            "--prune-criterion feature-map measures feature maps on calibration images: give "
                + "--data (or use l1/l2)");
      }
      return Map.of();
    }
    List<ChannelGroup> groups = deps.prunableGroups();
    String input = deps.model().graph().runtimeInputs().get(0).name();
    return FeatureMapRun.collect(
        deps.model(),
        FeatureMapContribution.taps(deps, groups),
        Map.of(input, calibration),
        RuntimeOptions.withThreads(threads));
  }

  /**
   * The pruned model and the selection with its per-group decisions.
   *
   * @param settings what the plan's settings record of how the pruning was chosen beyond the
   *     selection (the latency rounds of pruning alone), empty when nothing
   */
  public record Result(
      Model model, ChannelSelection.Result selection, Map<String, Object> settings) {
    public Result {
      settings = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(settings));
    }

    Result(Model model, ChannelSelection.Result selection) {
      this(model, selection, Map.of());
    }

    /** This result with {@code extra} recorded in its settings. */
    Result withSettings(Map<String, Object> extra) {
      Map<String, Object> s = new java.util.LinkedHashMap<>(settings);
      s.putAll(extra);
      return new Result(model, selection, s);
    }

    /** The decisions as the report lists them: per group its producers, widths and note. */
    public CompressionReport.Pruning report() {
      return new CompressionReport.Pruning(
          selection.criterion(),
          selection.keep(),
          selection.decisions().stream()
              .map(
                  d ->
                      new CompressionReport.PrunedGroup(
                          d.group().producers(), d.group().width(), d.kept(), d.note()))
              .toList());
    }
  }
}
