package org.lowrank.plan.select;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.Method;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.progress.ProgressListener;

/**
 * Without a budget the energy selector never factorizes a layer below its threshold, whatever the
 * methods.
 */
class EnergyThresholdTest {
  private static final LinearAlgebra LA = LinearAlgebra.defaultInstance();
  private static final long SEED = 5;
  private static final List<List<Method>> CONV_LISTS =
      List.of(
          List.of(Method.TUCKER2),
          List.of(Method.CP),
          List.of(Method.TT),
          List.of(Method.TUCKER2, Method.CP, Method.TT));

  private static Plan plan(List<LayerInput> layers, double threshold, List<Method> methods) {
    Cost total = Cost.ZERO;
    for (LayerInput l : layers) {
      total = total.plus(CostModel.original(l.geometry()));
    }
    return Planner.plan(
        new Planner.Request(
            "m.onnx",
            layers,
            List.of(),
            total,
            methods,
            new EnergySelector(threshold, 1, SEED, LA),
            Budget.none(),
            SEED),
        ProgressListener.NONE);
  }

  @Test
  void aFullRankLayerAt09999IsKeptByEveryMethodList() {
    List<LayerInput> layers = List.of(TestLayers.random("noise", 24, 3));
    for (List<Method> methods : CONV_LISTS) {
      LayerDecision d = plan(layers, 0.9999, methods).layer("noise");
      assertNull(d.choice(), methods + ": " + d);
      assertTrue(
          d.note().contains("threshold"), methods + ": the kept layer says why: " + d.note());
    }
  }

  @Test
  void everyFactorizedLayerKeepsTheThresholdAsDeployed() {
    List<LayerInput> layers =
        List.of(
            TestLayers.tucker("tucker", 24, 6, 1, 0.05),
            TestLayers.cp("cp", 24, 12, 2, 0.03),
            TestLayers.random("noise", 24, 3));
    int factorized = 0;
    for (double threshold : new double[] {0.9, 0.99}) {
      for (List<Method> methods : CONV_LISTS) {
        for (LayerDecision d : plan(layers, threshold, methods).layers()) {
          if (d.isFactorized()) {
            factorized++;
            String what = threshold + " " + methods + " " + d.layer() + " " + d.choice();
            assertTrue(d.score() >= threshold, what + " scored " + d.score());
            double kept =
                TestLayers.deployed(
                    layers.stream()
                        .filter(l -> l.name().equals(d.layer()))
                        .findFirst()
                        .orElseThrow(),
                    d.choice(),
                    SEED);
            assertTrue(kept >= threshold - 1e-6, what + " keeps " + kept);
          }
        }
      }
    }
    assertTrue(factorized >= 12, "the planted layers are factorized: " + factorized);
  }

  @Test
  void denseMethodsKeepTheThresholdToo() {
    List<LayerInput> layers = List.of(TestLayers.dense("fc", 48, 40, 5, 7, 0.02));
    for (List<Method> methods :
        List.of(
            List.of(Method.SVD),
            List.of(Method.QR),
            List.of(Method.TTM),
            List.of(Method.SVD, Method.QR, Method.TTM))) {
      LayerDecision d = plan(layers, 0.99, methods).layer("fc");
      assertTrue(d.isFactorized() || methods.equals(List.of(Method.TTM)), methods + ": " + d);
      assertTrue(
          !d.isFactorized() || TestLayers.deployed(layers.get(0), d.choice(), SEED) >= 0.99 - 1e-6,
          methods + ": " + d);
    }
  }
}
