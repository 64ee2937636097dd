package org.lowrank.plan.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.Method;
import org.lowrank.cost.RankMultiple;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.progress.ProgressListener;

/** The default grid is aligned to ONNX Runtime's NCHWc block; 1 keeps the unrounded plans. */
class AlignedRanksTest {
  private static final List<LayerInput> LAYERS =
      List.of(
          TestLayers.cp("a", 64, 21, 1, 0.3),
          TestLayers.tucker("b", 48, 13, 5, 0.3),
          TestLayers.random("small", 12, 9));

  private static Plan plan(String name, String rankMultiple, Budget b, Method... methods) {
    SelectorOption.Values v =
        SelectorOption.Values.defaults().with(SelectorOption.RANK_MULTIPLE, rankMultiple);
    SelectorContext ctx = new SelectorContext(null, null, LAYERS, 7, null, null, false, false);
    RankSelector s = SelectorRegistry.require(name).bind(v, ProgressListener.NONE).apply(ctx);
    Cost total = new Cost(1000, 1000);
    for (LayerInput l : LAYERS) {
      total = total.plus(CostModel.original(l.geometry()));
    }
    return Planner.plan(
        new Planner.Request("m.onnx", LAYERS, List.of(), total, List.of(methods), s, b, 7),
        ProgressListener.NONE);
  }

  @Test
  void ranksAreMultiplesOfTheBlockExceptStatedOnes() {
    for (String spec : List.of("auto", "avx512", "avx2")) {
      int k = RankMultiple.parse(spec).multiple();
      for (String selector : List.of("energy", "ratio", "vbmf")) {
        Plan p = plan(selector, spec, Budget.keepParams(0.5), Method.CP, Method.TUCKER2);
        assertEquals((long) k, p.settings().get("rank_multiple"), selector + " " + spec);
        assertEquals(RankMultiple.parse(spec).source(), p.settings().get("rank_multiple_source"));
        List<?> unaligned = (List<?>) p.settings().get("rank_unaligned_layers");
        for (LayerDecision d : p.layers()) {
          if (!d.isFactorized()) {
            continue;
          }
          boolean aligned = java.util.Arrays.stream(d.choice().ranks()).allMatch(r -> r % k == 0);
          // only a layer whose channels leave no aligned choice may be unaligned, and it is listed
          assertEquals(!aligned, unaligned.contains(d.layer()), selector + " " + spec + " " + d);
          assertTrue(aligned || d.layer().equals("small"), selector + " " + spec + " " + d);
        }
      }
    }
  }

  @Test
  void multipleOneKeepsTodaysPlans() {
    Plan one = plan("energy", "1", Budget.keepParams(0.5), Method.CP, Method.TUCKER2);
    Cost total = new Cost(1000, 1000);
    for (LayerInput l : LAYERS) {
      total = total.plus(CostModel.original(l.geometry()));
    }
    Plan old =
        Planner.plan(
            new Planner.Request(
                "m.onnx",
                LAYERS,
                List.of(),
                total,
                List.of(Method.CP, Method.TUCKER2),
                new EnergySelector(
                    EnergySelector.DEFAULT_THRESHOLD,
                    org.lowrank.cost.RankMultiple.given(1),
                    7,
                    org.lowrank.linalg.LinearAlgebra.defaultInstance(),
                    EnergySelector.CpScoring.WIDENING),
                Budget.keepParams(0.5),
                7),
            ProgressListener.NONE);
    assertEquals(old.layers(), one.layers());
    assertEquals("given", one.settings().get("rank_multiple_source"));
    // at 1 nothing is rounded: ratio 0.25 of 48 channels is 12, not a multiple of 8
    Plan ratio = plan("ratio", "1", Budget.none(), Method.TUCKER2);
    assertEquals(
        List.of(12, 12),
        java.util.Arrays.stream(ratio.layer("b").choice().ranks()).boxed().toList());
    assertEquals(List.of(), ratio.settings().getOrDefault("rank_unaligned_layers", List.of()));
  }
}
