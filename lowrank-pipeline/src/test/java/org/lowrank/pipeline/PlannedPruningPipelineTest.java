package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.cost.Cost;
import org.lowrank.cost.Method;
import org.lowrank.cost.RankMultiple;
import org.lowrank.demo.DemoModels;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.prune.ChannelDependencies;
import org.lowrank.prune.ChannelGroup;
import org.lowrank.prune.ChannelPruner;
import org.lowrank.prune.FilterNorm;
import org.lowrank.prune.PruneSelection;
import org.lowrank.report.CompressionReport;
import org.lowrank.runtime.ExportCheck;
import org.lowrank.runtime.RuntimeOptions;

/**
 * Filter pruning as a planner method ({@code --method tucker,prune} without {@code --prune-keep}):
 * the budget allocator chooses each channel group's keep count together with the factorizations.
 */
class PlannedPruningPipelineTest {
  @TempDir Path tmp;

  /**
   * A residual block whose inner channels are half zero: x [N, 3, 16, 16] -> Conv "stem" (3->16,
   * 3x3) -> Relu = a -> Conv "block.conv1" (16->32, 3x3; filters and biases 16..31 zero) -> Relu ->
   * Conv "block.conv2" (32->16, 3x3) -> Add(., a) -> Relu -> GlobalAveragePool -> Flatten -> Gemm
   * "fc" (16->10). The planted channels are dead: removing them changes nothing.
   */
  static Model plantedResidual(long seed) {
    Random rnd = new Random(seed);
    Graph g =
        Graph.builder()
            .name("planted_residual")
            .addInput(
                new ValueInfo(
                    "x",
                    DataType.FLOAT,
                    List.of(
                        ValueInfo.Dim.symbolic("N"),
                        ValueInfo.Dim.of(3),
                        ValueInfo.Dim.of(16),
                        ValueInfo.Dim.of(16))))
            .putInitializer("stem.weight", he(rnd, 27, 16, 16, 3, 3, 3))
            .putInitializer("stem.bias", he(rnd, 100, 16, 16))
            .putInitializer("block.conv1.weight", he(rnd, 144, 16, 32, 16, 3, 3))
            .putInitializer("block.conv1.bias", he(rnd, 100, 16, 32))
            .putInitializer("block.conv2.weight", he(rnd, 288, 16, 16, 32, 3, 3))
            .putInitializer("block.conv2.bias", he(rnd, 100, 16, 16))
            .putInitializer("fc.weight", he(rnd, 16, 10, 10, 16))
            .putInitializer("fc.bias", he(rnd, 100, 10, 10))
            .addNode(conv("stem", "x", "s"))
            .addNode(op("Relu", "relu0", "a", "s"))
            .addNode(conv("block.conv1", "a", "h1"))
            .addNode(op("Relu", "relu1", "h1r", "h1"))
            .addNode(conv("block.conv2", "h1r", "h2"))
            .addNode(op("Add", "add", "sum", "h2", "a"))
            .addNode(op("Relu", "relu2", "r", "sum"))
            .addNode(op("GlobalAveragePool", "gap", "p", "r"))
            .addNode(op("Flatten", "flatten", "f", "p"))
            .addNode(
                Node.builder("Gemm")
                    .name("fc")
                    .inputs("f", "fc.weight", "fc.bias")
                    .outputs("y")
                    .attr("transB", 1L)
                    .build())
            .addOutput(
                new ValueInfo(
                    "y",
                    DataType.FLOAT,
                    List.of(ValueInfo.Dim.symbolic("N"), ValueInfo.Dim.of(10))))
            .build();
    return Model.of(g, 13);
  }

  private static Node conv(String name, String x, String y) {
    return Node.builder("Conv")
        .name(name)
        .inputs(x, name + ".weight", name + ".bias")
        .outputs(y)
        .attrInts("kernel_shape", 3, 3)
        .attrInts("pads", 1, 1, 1, 1)
        .build();
  }

  private static Node op(String type, String name, String y, String... x) {
    return Node.builder(type).name(name).inputs(x).outputs(y).build();
  }

  /** He-scaled Gaussian values; output channels (axis 0) from {@code live} on are zero. */
  private static TensorValue he(Random rnd, long fanIn, long live, long... dims) {
    float[] f = new float[Math.toIntExact(TensorValue.elementCount(dims))];
    int per = f.length / (int) dims[0];
    double s = Math.sqrt(2.0 / fanIn);
    for (int i = 0; i < f.length; i++) {
      double v = rnd.nextGaussian() * s;
      f[i] = i / per < live ? (float) v : 0f;
    }
    return TensorValue.ofFloats(dims, f);
  }

  /** Planned pruning (keep counts chosen by the allocator) with the L2 filter norm, block 8. */
  private static PruneStep planned() {
    return new PruneStep(Double.NaN, "l2", RankMultiple.given(8), false);
  }

  /** Pruning alone ({@code --method prune}), the counts chosen by the allocator: L2, block 8. */
  private static PruneStep alone() {
    return new PruneStep(Double.NaN, "l2", RankMultiple.given(8), true);
  }

  private CompressionResult compress(Model m, String name, Budget budget, double keepLatency)
      throws Exception {
    return compress(m, name, budget, keepLatency, planned());
  }

  private CompressionResult compress(
      Model m, String name, Budget budget, double keepLatency, PruneStep prune) throws Exception {
    Path model = tmp.resolve(name + ".onnx");
    OnnxWriter.write(m, model);
    CompressionPipeline.Builder b =
        CompressionPipeline.builder()
            .setModel(model)
            .optOutput(tmp.resolve(name + "-out.onnx"))
            .optMethods(List.of(Method.TUCKER2))
            .optBudget(budget)
            .optPrune(prune)
            .optGuard(FidelityGuard.defaults().withForce(true))
            .optThreads(1);
    if (keepLatency > 0) {
      b.optKeepLatency(keepLatency).optLatencyCache(tmp.resolve("cache")).optLatency(1, 5, 1);
    }
    return b.build().run();
  }

  private static List<?> prunedGroups(CompressionResult r) {
    Object g = r.plan().settings().get("prune_groups");
    assertNotNull(g, "the plan records the pruned groups: " + r.plan().settings());
    return (List<?>) g;
  }

  @Test
  void allocatorPrunesThePlantedDeadChannelsInsteadOfFactorizing() throws Exception {
    Model m = plantedResidual(1);
    // the dead half of block.conv1 holds 47% of the parameters: pruning it loses nothing, while
    // any factorization loses energy; 0.6 is met by the pruning alone
    CompressionResult r = compress(m, "planted", Budget.keepParams(0.6), 0);
    assertEquals(List.of("block.conv1 (32 ch): 16 of 32"), prunedGroups(r));
    assertTrue(
        r.plan().layers().stream().noneMatch(LayerDecision::isFactorized),
        "nothing factorized: " + r.plan().layers());
    ModelProfile after = ModelProfile.of(OnnxReader.read(r.output()));
    ModelProfile before = ModelProfile.of(m);
    assertTrue(
        after.totalParams() <= 0.6 * before.totalParams(),
        after.totalParams() + " of " + before.totalParams());
    // dead channels removed: the pruned model computes what the original computes, in ORT
    double diff =
        ExportCheck.compare(
                OnnxWriter.toBytes(m),
                OnnxWriter.toBytes(OnnxReader.read(r.output())),
                2,
                1,
                RuntimeOptions.withThreads(1))
            .maxAbsDifference();
    assertTrue(diff < 1e-4, "pruned vs original in ONNX Runtime: " + diff);
  }

  @Test
  void tuckerAndPruneMeetTheMacsBudgetOnTheRewrittenResidualModel() throws Exception {
    Model m = plantedResidual(2);
    // pruning the dead channels keeps 52% of the MACs: 0.3 needs more (live channels of the
    // residual group, or factorization)
    CompressionResult r = compress(m, "tight", Budget.keepFlops(0.3), 0);
    assertFalse(prunedGroups(r).isEmpty(), r.plan().settings().toString());
    Model out = OnnxReader.read(r.output());
    ModelProfile after = ModelProfile.of(out);
    long target = (long) Math.floor(0.3 * ModelProfile.of(m).totalMacs());
    assertTrue(after.totalMacs() <= target, after.totalMacs() + " MACs, target " + target);
    assertEquals(
        r.plan().modelAfter().macs(), after.totalMacs(), "the plan's MACs are the model's");
    assertTrue(
        r.rewriteCheck().maxRelativeDifference() < CompressionResult.REWRITE_TOLERANCE,
        "the rewritten model matches its dense reconstruction in ONNX Runtime: "
            + r.rewriteCheck());
  }

  @Test
  void overlappingGroupsOfAChainStillMeetTheParameterBudget() throws Exception {
    // conv2 sits between the pruned groups of conv1 and conv2: the allocator's sum counts their
    // overlap twice, the re-plan on the pruned model meets the budget on exact costs
    Model m = DemoModels.fashionCnn(3);
    CompressionResult r = compress(m, "chain", Budget.keepParams(0.2), 0);
    long target = (long) Math.floor(0.2 * ModelProfile.of(m).totalParams());
    long after = ModelProfile.of(OnnxReader.read(r.output())).totalParams();
    assertTrue(after <= target, after + " params, target " + target);
    assertEquals(r.plan().modelAfter().params(), after);
    assertFalse(prunedGroups(r).isEmpty(), r.plan().settings().toString());
  }

  @Test
  void latencyBudgetWithPlannedPruningIsMeasuredAgainstTheOriginal() throws Exception {
    Model m = plantedResidual(3);
    CompressionResult r = compress(m, "latency", Budget.none(), 0.7);
    Map<String, Object> s = r.plan().settings();
    assertFalse(prunedGroups(r).isEmpty(), s.toString());
    assertEquals(0.7, s.get("latency_keep"));
    assertNotNull(s.get("latency_measured_ratio"), s.toString());
    Object met = s.get("latency_met");
    assertTrue(met instanceof Boolean, "the plan says whether it met the budget: " + s);
    double worst =
        ((List<?>) s.get("latency_measured_ratio"))
            .stream().mapToDouble(v -> ((Number) v).doubleValue()).max().orElseThrow();
    assertEquals(worst <= 0.7, met, "met iff the measured ratio (vs the original) is <= 0.7");
    // the dead half of block.conv1 and of block.conv2's inputs is removed: measured against the
    // original (not the pruned model) the plan is clearly faster (about 0.6 here)
    assertTrue(worst < 0.8, "measured against the model before pruning: " + worst);
  }

  /**
   * {@code m} with the consumer weights of each pruned group's lowest-L2 channels zeroed (the
   * channels the allocator removes first), as the report's kept counts say: what the pruned model
   * must compute exactly.
   */
  private static Model maskedAsReported(Model m, CompressionResult r) {
    ChannelDependencies d = ChannelDependencies.analyze(m);
    Map<Integer, int[]> removed = new java.util.LinkedHashMap<>();
    for (CompressionReport.PrunedGroup pg : r.pruning().pruned()) {
      ChannelGroup g = d.groupOf(pg.members().get(0)).orElseThrow();
      double[] s = FilterNorm.l2().scores(d, g);
      removed.put(
          g.index(),
          java.util.stream.IntStream.range(0, s.length)
              .boxed()
              .sorted(java.util.Comparator.comparingDouble((Integer u) -> s[u]))
              .limit(pg.channelsBefore() - pg.channelsAfter())
              .mapToInt(Integer::intValue)
              .toArray());
    }
    return ChannelPruner.maskConsumers(d, PruneSelection.of(removed));
  }

  @Test
  void pruneAloneMeetsTheParameterBudgetAndComputesTheMaskedModelInOrt() throws Exception {
    Model m = plantedResidual(4);
    // the dead half of block.conv1 keeps 53% of the parameters: 0.4 needs live channels too
    CompressionResult r = compress(m, "alone", Budget.keepParams(0.4), 0, alone());
    assertTrue(r.plan().layers().isEmpty(), "pruning alone plans no layer: " + r.plan().layers());
    Model out = OnnxReader.read(r.output());
    long target = (long) Math.floor(0.4 * ModelProfile.of(m).totalParams());
    long after = ModelProfile.of(out).totalParams();
    assertTrue(after <= target, after + " params, target " + target);
    assertEquals(
        m.graph().nodes().size(), out.graph().nodes().size(), "channels removed, no node added");
    assertFalse(prunedGroups(r).isEmpty(), r.plan().settings().toString());
    assertTrue(
        r.pruning().pruned().stream().mapToInt(g -> g.channelsBefore() - g.channelsAfter()).sum()
            > 16,
        "live channels go too, not only the 16 dead ones: " + r.pruning().pruned());
    double diff =
        ExportCheck.compare(
                OnnxWriter.toBytes(maskedAsReported(m, r)),
                OnnxWriter.toBytes(out),
                2,
                1,
                RuntimeOptions.withThreads(1))
            .maxAbsDifference();
    assertTrue(diff < 1e-4, "pruned vs the masked original in ONNX Runtime: " + diff);
  }

  @Test
  void pruneAloneUnderALatencyBudgetIsReprunedUntilTheMeasuredTimeMeetsIt() {
    Model m = plantedResidual(5);
    ModelProfile p = ModelProfile.of(m);
    Cost total = new Cost(p.totalParams(), p.totalMacs());
    PruneStep step = new PruneStep(Double.NaN, "l2", RankMultiple.given(4), true);
    List<Double> asked = new java.util.ArrayList<>();
    java.util.function.ToDoubleFunction<PruneStep.Result> kept =
        r -> (double) ModelProfile.of(r.model()).totalMacs() / p.totalMacs();
    // a fake clock: time = 0.15 of the original's (fixed overhead) + the MACs kept
    LatencyRounds.Outcome<PruneStep.Result> o =
        LatencyRounds.runMacs(
            0.6,
            f -> {
              asked.add(f);
              return step.applyPlanned(m, null, 1, List.of(), total, Budget.keepFlops(f));
            },
            r -> new double[] {0.15 + kept.applyAsDouble(r)},
            kept);
    double ratio = 0.15 + kept.applyAsDouble(o.best());
    assertTrue(ratio <= 0.6, "the chosen pruning meets the fake latency: " + ratio);
    assertEquals(true, o.settings().get("latency_met"), o.settings().toString());
    assertTrue(asked.size() >= 2, "the MACs proxy alone misses it first: " + asked);
    assertEquals(0.6, asked.get(0), 1e-12, "the first round prunes to the latency fraction");
    assertEquals(asked.size(), ((List<?>) o.settings().get("latency_rounds")).size());
    assertFalse(o.best().selection().selection().isEmpty());
  }

  @Test
  void pruneAloneRefusesABudgetBelowItsSmallestModelNamingTheFraction() throws Exception {
    Model m = plantedResidual(6);
    // the smallest model pruning alone reaches: every prunable group at one block of 8 channels
    ChannelDependencies d = ChannelDependencies.analyze(m);
    Map<Integer, int[]> all = new java.util.LinkedHashMap<>();
    for (String producer : List.of("stem", "block.conv1")) {
      ChannelGroup g = d.groupOf(producer).orElseThrow();
      all.put(g.index(), java.util.stream.IntStream.range(8, g.width()).toArray());
    }
    long smallest = ModelProfile.of(ChannelPruner.prune(d, PruneSelection.of(all))).totalParams();
    double fraction = (double) smallest / ModelProfile.of(m).totalParams();
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () -> compress(m, "impossible", Budget.keepParams(0.05), 0, alone()));
    assertTrue(e.getMessage().contains("keep params 0.05"), e.getMessage());
    assertTrue(
        e.getMessage().contains(String.format(java.util.Locale.ROOT, "%.4f of them", fraction)),
        fraction + ": " + e.getMessage());
    assertFalse(java.nio.file.Files.exists(tmp.resolve("impossible-out.onnx")));
  }

  @Test
  void whenNothingIsPrunedTheRankSearchIsReusedAndPlansAsWithoutPruning() throws Exception {
    // block 512: every group is narrower than two blocks, so nothing can be pruned
    Model m = DemoModels.fashionCnn(3);
    Path model = tmp.resolve("cnn.onnx");
    OnnxWriter.write(m, model);
    List<Plan> plans = new java.util.ArrayList<>();
    for (PruneStep prune :
        java.util.Arrays.asList(
            new PruneStep(Double.NaN, "l2", RankMultiple.given(512), false), null)) {
      CompressionPipeline.Builder b =
          CompressionPipeline.builder()
              .setModel(model)
              .optMethods(List.of(Method.TUCKER2))
              .optBudget(Budget.keepFlops(0.6))
              .optThreads(1);
      if (prune != null) {
        b.optPrune(prune);
      }
      plans.add(b.build().plan().plan());
    }
    Map<String, Object> s = plans.get(0).settings();
    assertEquals(0L, s.get("pruned_groups"), s.toString());
    assertEquals(true, s.get("rank_search_reused"), "the search is not run twice: " + s);
    assertEquals(null, plans.get(1).settings().get("rank_search_reused"));
    assertEquals(
        plans.get(1).layers().toString(),
        plans.get(0).layers().toString(),
        "the same factorizations as without pruning");
    assertEquals(plans.get(1).modelAfter(), plans.get(0).modelAfter());
  }
}
