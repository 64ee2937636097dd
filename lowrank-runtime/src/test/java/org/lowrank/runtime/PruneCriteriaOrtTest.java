package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.RankMultiple;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.prune.ChannelDependencies;
import org.lowrank.prune.ChannelGroup;
import org.lowrank.prune.ChannelPruner;
import org.lowrank.prune.ChannelSelection;
import org.lowrank.prune.FeatureMapContribution;
import org.lowrank.prune.FilterNorm;
import org.lowrank.prune.PlannedPruning;
import org.lowrank.prune.PruneSelection;

/** The pruning criteria against planted facts and measured output changes. */
class PruneCriteriaOrtTest {
  private static final RuntimeOptions ONE_THREAD = RuntimeOptions.singleThreaded();

  /** The residual model with stem filters 2 and 5 and conv2 filters 2 and 5 scaled by 1e-3. */
  private static Model planted() {
    Model m = PruneModels.residual(11);
    Graph.Builder b = m.graph().toBuilder();
    for (String w : new String[] {"stem.weight", "block.conv2.weight"}) {
      TensorValue t = m.graph().initializer(w).orElseThrow();
      float[] f = t.toFloatArray();
      int row = f.length / (int) t.dim(0);
      for (int r : new int[] {2, 5}) {
        for (int i = r * row; i < (r + 1) * row; i++) {
          f[i] *= 1e-3f;
        }
      }
      b.putInitializer(w, TensorValue.ofFloats(t.dims(), f));
    }
    return m.withGraph(b.build());
  }

  @Test
  void filterNormFindsPlantedWeakFiltersAndCountsStayAligned() {
    ChannelDependencies d = ChannelDependencies.analyze(planted());
    ChannelGroup spine = d.groupOf("stem").orElseThrow();
    for (FilterNorm c : new FilterNorm[] {FilterNorm.l1(), FilterNorm.l2()}) {
      ChannelSelection.Result r = ChannelSelection.byFraction(d, c, 0.75, RankMultiple.given(1));
      int[] removed = r.selection().removed().get(spine.index());
      assertArrayEquals(new int[] {2, 5}, removed, c.name());
    }
    // keep 0.3 of 8 = 3 channels, rounded up to the block 4: half of each group goes
    ChannelSelection.Result r =
        ChannelSelection.byFraction(d, FilterNorm.l1(), 0.3, RankMultiple.given(4));
    assertEquals(4, r.selection().removedCount(spine.index()));
    assertTrue(
        r.decisions().stream().anyMatch(g -> g.note().contains("3 rounded up to 4")),
        r.decisions().toString());
    // block 8 leaves nothing to prune in 8-channel groups, and says so
    ChannelSelection.Result none =
        ChannelSelection.byFraction(d, FilterNorm.l1(), 0.3, RankMultiple.given(8));
    assertTrue(none.selection().isEmpty());
    assertTrue(none.decisions().stream().allMatch(g -> !g.note().isEmpty()));
  }

  /**
   * The planner's allocator, pruning alone (no factorization options), meets the MACs target on the
   * pruned model's exact count and takes the planted weak filters first; the pruned model runs in
   * ONNX Runtime.
   */
  @Test
  void plannedPruningAloneMeetsTheMacsTargetCheapestBlocksFirst() {
    ChannelDependencies d = ChannelDependencies.analyze(planted());
    ChannelGroup spine = d.groupOf("stem").orElseThrow();
    org.lowrank.analysis.ModelProfile before = org.lowrank.analysis.ModelProfile.of(d.model());
    org.lowrank.cost.Cost total =
        new org.lowrank.cost.Cost(before.totalParams(), before.totalMacs());
    org.lowrank.plan.Budget budget = org.lowrank.plan.Budget.keepFlops(0.8);
    ChannelSelection.Result r =
        PlannedPruning.allocate(d, FilterNorm.l1(), RankMultiple.given(2), List.of(), total, budget)
            .selection();
    Model pruned = ChannelPruner.prune(d, r.selection());
    long after = org.lowrank.analysis.ModelProfile.of(pruned).totalMacs();
    assertTrue(after <= budget.target(total) && after > 0.5 * total.macs(), total + " -> " + after);
    int[] removed = r.selection().removed().get(spine.index());
    assertTrue(
        removed != null && Arrays.stream(removed).filter(u -> u == 2 || u == 5).count() == 2,
        Arrays.toString(removed));
    for (ChannelSelection.GroupDecision g : r.decisions()) {
      if (g.kept() < g.group().width()) {
        assertEquals(0, g.kept() % 2, "block-aligned: " + g);
      }
    }
    try (OrtRunner run = OrtRunner.open(pruned, "pruned", ONE_THREAD)) {
      assertEquals(1, run.run(run.randomInputs(2, 5L)).size(), "the pruned model runs in ORT");
    }
  }

  /** x [N,4,6,6] -> conv0 (6, 3x3) -> Relu = r -> head (3, 1x1) -> y. */
  private static Model twoConvs(long seed) {
    java.util.Random rnd = new java.util.Random(seed);
    Graph.Builder b =
        Graph.builder().name("two convs").addInput(SyntheticModels.batched("x", 4, 6, 6));
    PruneModels.convWeights(b, rnd, "conv0", 6, 4, 3);
    PruneModels.convWeights(b, rnd, "head", 3, 6, 1);
    b.addNode(PruneModels.conv("conv0", "x", "c", 1, 1, 1))
        .addNode(PruneModels.op("Relu", "relu", "r", "c"))
        .addNode(PruneModels.conv("head", "r", "y", 0, 1, 1))
        .addOutput(SyntheticModels.symbolicShape("y", 4));
    return Model.of(b.build(), SyntheticModels.OPSET);
  }

  /**
   * A dead filter (zero weights, bias 0.7) makes a constant channel relu(0.7): removing it with
   * mean compensation reproduces the original exactly, its centered score is 0, and without
   * compensation the output changes.
   */
  @Test
  void meanCompensationRemovesAConstantChannelExactly() {
    Model base = twoConvs(17);
    TensorValue w = base.graph().initializer("conv0.weight").orElseThrow();
    float[] f = w.toFloatArray();
    java.util.Arrays.fill(f, 2 * 36, 3 * 36, 0f);
    float[] bias = base.graph().initializer("conv0.bias").orElseThrow().toFloatArray();
    bias[2] = 0.7f;
    Model m =
        base.withGraph(
            base.graph().toBuilder()
                .putInitializer("conv0.weight", TensorValue.ofFloats(w.dims(), f))
                .putInitializer("conv0.bias", TensorValue.ofFloats(new long[] {6}, bias))
                .build());
    ChannelDependencies d = ChannelDependencies.analyze(m);
    ChannelGroup g = d.groupOf("conv0").orElseThrow();
    Map<String, TensorValue> feeds;
    try (OrtRunner r = OrtRunner.open(m, "original", ONE_THREAD)) {
      feeds = r.randomInputs(2, 3L);
    }
    Map<String, TensorValue> maps =
        FeatureMapRun.collect(m, FeatureMapContribution.taps(d, List.of(g)), feeds, ONE_THREAD);
    double[] centered = FeatureMapContribution.centered(maps).scores(d, g);
    assertEquals(0, centered[2], 1e-9, Arrays.toString(centered));
    PruneSelection s = PruneSelection.of(g, 2);
    RewriteOrtTest.assertMatches(
        m, ChannelPruner.prune(d, s, FeatureMapContribution.channelMeans(maps)));
    assertTrue(
        !RewriteOrtTest.check(m, ChannelPruner.prune(d, s)).passes(1e-3),
        "without compensation the constant channel's contribution is lost");
  }

  /**
   * For a 1x1 consumer that is the model output, the score of a channel is exactly the mean square
   * change of the output when the channel is removed: ||W[:, c]||^2 mean(x_c^2).
   */
  @Test
  void featureMapScoreIsTheMeasuredOutputChangeOfA1x1Consumer() {
    Model m = twoConvs(13);
    ChannelDependencies d = ChannelDependencies.analyze(m);
    ChannelGroup g = d.groupOf("conv0").orElseThrow();
    Set<String> taps = FeatureMapContribution.taps(d, java.util.List.of(g));
    assertEquals(Set.of("r"), taps, "head (1x1) reads r");
    Map<String, TensorValue> feeds;
    TensorValue full;
    try (OrtRunner r = OrtRunner.open(m, "original", ONE_THREAD)) {
      feeds = r.randomInputs(3, 5L);
      full = r.run(feeds).get("y");
    }
    double[] s =
        new FeatureMapContribution(FeatureMapRun.collect(m, taps, feeds, ONE_THREAD)).scores(d, g);
    for (int u = 0; u < g.width(); u++) {
      Model masked = ChannelPruner.maskConsumers(d, PruneSelection.of(g, u));
      TensorValue y;
      try (OrtRunner r = OrtRunner.open(masked, "masked", ONE_THREAD)) {
        y = r.run(feeds).get("y");
      }
      double sq = 0;
      for (int i = 0; i < y.elementCount(); i++) {
        double diff = full.doubleAt(i) - y.doubleAt(i);
        sq += diff * diff;
      }
      double positions = y.elementCount() / (double) y.dim(1);
      assertEquals(
          sq / positions,
          s[u],
          1e-4 * (1 + sq / positions),
          "unit " + u + " " + Arrays.toString(s));
    }
  }
}
