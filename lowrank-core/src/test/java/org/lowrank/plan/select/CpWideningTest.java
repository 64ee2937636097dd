package org.lowrank.plan.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.Method;
import org.lowrank.cost.RankMultiple;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.Budget;
import org.lowrank.plan.Candidate;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.progress.ProgressListener;

/**
 * CP ranks scored from the bottom up under a budget ({@link EnergySelector.CpScoring#WIDENING}):
 * the plans equal those of scoring every grid rank at once, with fewer CP-ALS fits where the budget
 * stops below the largest ranks, and the ranks never reached are named in the layer's note.
 */
class CpWideningTest {
  private static final LinearAlgebra LA = LinearAlgebra.defaultInstance();

  /** Planted CP kernels of several ranks and sizes, and two incompressible ones. */
  private static final List<LayerInput> LAYERS =
      List.of(
          TestLayers.cp("cp8", 24, 8, 1, 0.05),
          TestLayers.cp("cp16", 32, 16, 11, 0.1),
          TestLayers.cp("cp24", 40, 24, 21, 0.2),
          TestLayers.random("noise16", 16, 5),
          TestLayers.random("noise32", 32, 6));

  private static EnergySelector selector(EnergySelector.CpScoring scoring) {
    return new EnergySelector(
        EnergySelector.DEFAULT_THRESHOLD, RankMultiple.given(1), 3, LA, scoring);
  }

  private static Plan plan(EnergySelector s, Budget budget, List<Method> methods) {
    Cost total = new Cost(1000, 1000);
    for (LayerInput l : LAYERS) {
      total = total.plus(CostModel.original(l.geometry()));
    }
    return Planner.plan(
        new Planner.Request("m.onnx", LAYERS, List.of(), total, methods, s, budget, 3),
        ProgressListener.NONE);
  }

  private static List<Choice> choices(Plan p) {
    List<Choice> out = new ArrayList<>();
    for (LayerDecision d : p.layers()) {
      out.add(d.choice());
    }
    return out;
  }

  /** CP candidates the selector offers for {@code l} now. */
  private static long cpOffered(EnergySelector s, LayerInput l) {
    return s.options(l, List.of(Method.CP)).candidates().stream()
        .filter(c -> !c.isOriginal() && c.choice().method() == Method.CP)
        .count();
  }

  @Test
  void widenedPlansEqualThoseOfEveryRankScoredWithFewerFits() {
    long widenedFits = 0;
    long allFits = 0;
    for (List<Method> methods : List.of(List.of(Method.CP), List.of(Method.CP, Method.TUCKER2))) {
      for (Budget budget :
          List.of(
              Budget.keepParams(0.2),
              Budget.keepParams(0.4),
              Budget.keepParams(0.7),
              Budget.keepFlops(0.3))) {
        EnergySelector all = selector(EnergySelector.CpScoring.ALL);
        EnergySelector widening = selector(EnergySelector.CpScoring.WIDENING);
        Plan a = plan(all, budget, methods);
        Plan w = plan(widening, budget, methods);
        String what = methods + " " + budget;
        assertEquals(choices(a), choices(w), what);
        assertEquals("widening", w.settings().get("cp_scoring"), what);
        for (LayerInput l : LAYERS) {
          allFits += cpOffered(all, l);
          widenedFits += cpOffered(widening, l);
        }
      }
    }
    assertTrue(widenedFits < 0.75 * allFits, "CP ranks offered: " + widenedFits + " of " + allFits);
  }

  @Test
  void ranksTheAllocationNeverReachedAreNamedAndOfferedToOtherPlanners() {
    EnergySelector widening = selector(EnergySelector.CpScoring.WIDENING);
    Plan p = plan(widening, Budget.keepParams(0.2), List.of(Method.CP));
    LayerDecision d = p.layer("noise32");
    assertTrue(d.note().contains("not scored: the allocation stopped below them"), d.toString());
    // a planner that allocates its own way (pruning) gets every rank: the original widens them all
    Cost total = CostModel.original(LAYERS.get(4).geometry());
    long offered =
        Planner.options(
                new Planner.Request(
                    "m.onnx",
                    List.of(LAYERS.get(4)),
                    List.of(),
                    total,
                    List.of(Method.CP),
                    widening,
                    Budget.keepParams(0.2),
                    3),
                ProgressListener.NONE)
            .get(0)
            .candidates()
            .stream()
            .filter(c -> !c.isOriginal())
            .map(Candidate::choice)
            .count();
    assertEquals(cpOffered(selector(EnergySelector.CpScoring.ALL), LAYERS.get(4)), offered);
  }
}
