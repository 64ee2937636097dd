package org.lowrank.plan.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.progress.ProgressListener;
import org.lowrank.tensor.DenseTensor;

/** The planner under a {@link LatencyBudget}, with a fake timer (no runtime). */
class PlannerLatencyTest {
  private static final LinearAlgebra LA = LinearAlgebra.defaultInstance();

  private static LayerInput conv(String name, int c, long seed) {
    LayerGeometry g =
        LayerGeometry.conv(
            name, c, c, 1, new long[] {3, 3}, new long[] {8, 8}, new long[] {8, 8}, true);
    return new LayerInput(name, "conv2d", g, DenseTensor.random(seed, c, c, 3, 3));
  }

  /**
   * Time proportional to the CP rank, but an unaligned rank (not a multiple of 16) runs 3x slower.
   */
  private static final LayerTimer FAKE =
      (layer, choice, batch) -> {
        int r = choice.ranks()[0];
        double orig = 1.0 * batch;
        double t = orig * r / 64.0 * (r % 16 == 0 ? 1 : 3);
        return new LayerTimer.Timing(orig, t);
      };

  private static Planner.Request request(List<LayerInput> layers, Budget b) {
    Cost total = new Cost(100, 100);
    for (LayerInput l : layers) {
      total = total.plus(CostModel.original(l.geometry()));
    }
    return new Planner.Request(
        "m.onnx",
        layers,
        List.of(),
        total,
        List.of(Method.CP),
        new EnergySelector(0.9, 8, LA),
        b,
        7);
  }

  @Test
  void meetsTheTimeBudgetAtEveryBatchWithTheParameterBudget() {
    List<LayerInput> layers = List.of(conv("a", 32, 1), conv("b", 32, 2));
    // whole model: 2 layers of 1 ms x batch plus 0.5 ms x batch elsewhere
    LatencyBudget lb = LatencyBudget.of(0.6, new int[] {1, 4}, new double[] {2.5, 10}, FAKE);
    Plan p =
        Planner.plan(
            request(layers, Budget.keepParams(0.9)).withLatency(lb), ProgressListener.NONE);
    double[] predicted = new double[] {0.5, 2};
    for (LayerDecision d : p.layers()) {
      assertTrue(d.isFactorized(), d.toString());
      Choice c = d.choice();
      assertEquals(
          0,
          c.ranks()[0] % 8,
          "an unaligned rank is slower: " + c + " in " + p.layers() + p.settings());
      predicted[0] += FAKE.time(null, c, 1).factorizedMillis();
      predicted[1] += FAKE.time(null, c, 4).factorizedMillis();
    }
    assertTrue(predicted[0] <= 0.6 * 2.5 + 1e-9, "batch 1: " + predicted[0]);
    assertTrue(predicted[1] <= 0.6 * 10 + 1e-9, "batch 4: " + predicted[1]);
    assertTrue(p.modelAfter().params() <= 0.9 * p.modelBefore().params());
    @SuppressWarnings("unchecked")
    List<Double> recorded = (List<Double>) p.settings().get("latency_predicted_ms");
    assertEquals(predicted[0], recorded.get(0), 1e-3);
  }

  @Test
  void correctionTightensOnlyTheBatchThatMissed() {
    LatencyBudget lb = LatencyBudget.of(0.5, new int[] {1, 32}, new double[] {2, 20}, FAKE);
    LatencyBudget next = lb.corrected(new double[] {0.625, 0.45});
    assertEquals(0.4, next.correction()[0] * 0.5, 1e-12);
    assertEquals(1.0, next.correction()[1], 1e-12);
    assertEquals(0.5 * 2 * 0.8, next.targetMillis(0), 1e-12);
  }

  @Test
  void uniformSelectorsAreRefusedWithAReason() {
    LatencyBudget lb = LatencyBudget.of(0.5, new int[] {1}, new double[] {2}, FAKE);
    Planner.Request r = request(List.of(conv("a", 16, 1)), Budget.none());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Planner.Request(
                        r.model(),
                        r.layers(),
                        r.skipped(),
                        r.modelTotal(),
                        r.methods(),
                        new RatioSelector(0.5, 1),
                        r.budget(),
                        7)
                    .withLatency(lb));
    assertTrue(e.getMessage().contains("scored"), e.getMessage());
  }
}
