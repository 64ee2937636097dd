package org.lowrank.plan.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
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

class PlannerTest {
  private static final LinearAlgebra LA = LinearAlgebra.defaultInstance();

  /**
   * A conv kernel [c, c, 3, 3] of exact multilinear rank (r, r) on the channel modes, plus noise.
   */
  private static LayerInput tuckerLayer(String name, int c, int r, long seed, double noise) {
    DenseTensor core = DenseTensor.random(seed, r, r, 3, 3);
    DenseTensor w =
        core.modeProduct(DenseTensor.random(seed + 1, c, r), 0)
            .modeProduct(DenseTensor.random(seed + 2, c, r), 1)
            .plus(DenseTensor.random(seed + 3, c, c, 3, 3).scale(noise));
    LayerGeometry g =
        LayerGeometry.conv(
            name, c, c, 1, new long[] {3, 3}, new long[] {16, 16}, new long[] {16, 16}, true);
    return new LayerInput(name, "conv2d", g, w);
  }

  private static Planner.Request request(
      List<LayerInput> layers, RankSelector s, Budget b, Method... m) {
    Cost total = new Cost(1000, 1000);
    for (LayerInput l : layers) {
      total = total.plus(CostModel.original(l.geometry()));
    }
    return new Planner.Request("m.onnx", layers, List.of(), total, List.of(m), s, b, 7);
  }

  @Test
  void energyFindsPlantedTuckerRanksWithoutBudget() {
    List<LayerInput> layers =
        List.of(tuckerLayer("a", 32, 5, 1, 1e-6), tuckerLayer("b", 32, 9, 5, 1e-6));
    Plan p =
        Planner.plan(
            request(layers, new EnergySelector(0.999, 1, LA), Budget.none(), Method.TUCKER2),
            ProgressListener.NONE);
    assertArrayEquals(new int[] {5, 5}, p.layer("a").choice().ranks());
    assertArrayEquals(new int[] {9, 9}, p.layer("b").choice().ranks());
    assertTrue(p.layer("a").score() > 0.999);
  }

  @Test
  void budgetsAreMetByEverySelector() {
    List<LayerInput> layers =
        List.of(tuckerLayer("a", 32, 12, 1, 0.3), tuckerLayer("b", 48, 20, 5, 0.3));
    for (RankSelector s :
        List.of(
            new EnergySelector(0.95, 1, LA), new RatioSelector(0.5, 1), new VbmfSelector(1, LA))) {
      for (Budget b : List.of(Budget.keepParams(0.3), Budget.keepFlops(0.4))) {
        Plan p =
            Planner.plan(request(layers, s, b, Method.TUCKER2, Method.CP), ProgressListener.NONE);
        double kept =
            b.kind() == Budget.Kind.PARAMS ? p.keptParamsFraction() : p.keptFlopsFraction();
        assertTrue(kept <= b.keepFraction() + 1e-9, s.name() + " " + b + " kept " + kept);
        assertTrue(kept > b.keepFraction() * 0.7, s.name() + " " + b + " wastes budget: " + kept);
        for (LayerDecision d : p.layers()) {
          assertNotNull(d.choice(), s.name() + " " + d);
          assertTrue(d.after().params() < d.before().params());
        }
      }
    }
  }

  @Test
  void roundingGivesMultiplesAndRatioIsUniform() {
    List<LayerInput> layers =
        List.of(tuckerLayer("a", 64, 12, 1, 0.3), tuckerLayer("b", 48, 20, 5, 0.3));
    Plan p =
        Planner.plan(
            request(layers, new EnergySelector(0.9, 8, LA), Budget.keepParams(0.4), Method.TUCKER2),
            ProgressListener.NONE);
    for (LayerDecision d : p.layers()) {
      for (int r : d.choice().ranks()) {
        assertEquals(0, r % 8, d.toString());
      }
    }
    Plan q =
        Planner.plan(
            request(layers, new RatioSelector(0.25, 1), Budget.none(), Method.TUCKER2),
            ProgressListener.NONE);
    assertArrayEquals(new int[] {16, 16}, q.layer("a").choice().ranks());
    assertArrayEquals(new int[] {12, 12}, q.layer("b").choice().ranks());
  }

  @Test
  void vbmfFindsPlantedRanksAndFallsBackOnNoise() {
    List<LayerInput> layers = new ArrayList<>(List.of(tuckerLayer("a", 48, 6, 3, 0.05)));
    VbmfSelector v = new VbmfSelector(1, LA);
    assertArrayEquals(new int[] {6, 6}, v.vbmfRanks(layers.get(0)));
    LayerGeometry g =
        LayerGeometry.conv(
            "noise", 16, 16, 1, new long[] {3, 3}, new long[] {8, 8}, new long[] {8, 8}, false);
    LayerInput noise = new LayerInput("noise", "conv2d", g, DenseTensor.zeros(16, 16, 3, 3));
    assertTrue(v.fellBack(noise));
    assertArrayEquals(new int[] {16, 16}, v.ranks(noise, Method.TUCKER2, 1));
  }

  @Test
  void energyFindsPlantedTtMatrixRank() {
    // W [out 64 = 8*8, in 72 = 12*6] whose d = 2 TT-matrix has inner rank 3
    LayerGeometry g = LayerGeometry.dense("fc", 64, 72, 1, true);
    int[][] modes = CandidateGrid.ttmModes(g);
    assertArrayEquals(new int[] {8, 8}, modes[0]);
    assertArrayEquals(new int[] {12, 6}, modes[1]);
    DenseTensor a = DenseTensor.random(11, 8 * 12, 3).matmul(DenseTensor.random(12, 3, 8 * 6));
    DenseTensor w = a.reshape(8, 12, 8, 6).permute(0, 2, 1, 3).reshape(64, 72);
    LayerInput fc = new LayerInput("fc", "dense", g, w);
    Plan p =
        Planner.plan(
            request(List.of(fc), new EnergySelector(0.999999, 1, LA), Budget.none(), Method.TTM),
            ProgressListener.NONE);
    assertEquals(Method.TTM, p.layer("fc").choice().method());
    assertArrayEquals(new int[] {3}, p.layer("fc").choice().ranks());
    assertArrayEquals(new int[] {8, 8}, p.layer("fc").choice().outModes());
    assertArrayEquals(new int[] {12, 6}, p.layer("fc").choice().inModes());
    assertTrue(p.layer("fc").score() > 0.999999);
  }

  @Test
  void impossibleBudgetIsAClearError() {
    List<LayerInput> layers = List.of(tuckerLayer("a", 16, 4, 1, 0.1));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Planner.plan(
                    request(
                        layers, new RatioSelector(0.5, 1), Budget.keepParams(0.01), Method.TUCKER2),
                    ProgressListener.NONE));
    assertTrue(e.getMessage().startsWith("impossible budget"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Planner.plan(
                request(
                    layers,
                    new EnergySelector(0.9, 1, LA),
                    Budget.keepParams(0.01),
                    Method.TUCKER2),
                ProgressListener.NONE));
  }

  @Test
  void ratioOneKeepsEveryLayerAsItIs() {
    List<LayerInput> layers =
        List.of(tuckerLayer("a", 32, 12, 1, 0.3), tuckerLayer("b", 24, 20, 5, 0.3));
    for (List<Method> methods :
        List.of(
            List.of(Method.TUCKER2, Method.CP, Method.TT),
            List.of(Method.CP),
            List.of(Method.TT))) {
      Plan p =
          Planner.plan(
              request(
                  layers, new RatioSelector(1.0, 1), Budget.none(), methods.toArray(new Method[0])),
              ProgressListener.NONE);
      for (LayerDecision d : p.layers()) {
        assertEquals(null, d.choice(), methods + ": " + d);
        assertTrue(d.note().contains("full rank"), d.note());
      }
      assertEquals(p.modelBefore(), p.modelAfter());
    }
  }
}
