package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.analysis.ProfileOptions;
import org.lowrank.cost.Choice;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.plan.select.CandidateGrid;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.LayerSelection;
import org.lowrank.tensor.DenseTensor;

class LatencyFilterTest {

  /** A conv [64, 64, 3, 3] on 16x16: Tucker-2 and CP grids of 20-40 candidates each. */
  private static final LayerGeometry G =
      LayerGeometry.conv(
          "conv", 64, 64, 1, new long[] {3, 3}, new long[] {16, 16}, new long[] {16, 16}, true);

  private static final LayerInput LAYER =
      new LayerInput("conv", "conv2d", G, DenseTensor.zeros(64, 64, 3, 3));

  /** Fake latency: the sum of the ranks (CP: 3 x its rank); the original takes 40. */
  private static final class FakeTimer implements LatencyFilter.Timer {
    final List<Choice> timed = new ArrayList<>();

    @Override
    public LatencyFilter.Timing time(LayerInput layer, Choice c) {
      timed.add(c);
      return new LatencyFilter.Timing(40, cost(c));
    }

    static double cost(Choice c) {
      int s = Arrays.stream(c.ranks()).sum();
      return c.method() == Method.CP ? 3 * s : s;
    }
  }

  @Test
  void dominanceNeedsAboutLog2TimingsAndDecidesLikeTheTimer() {
    for (double ratio : new double[] {1.0, 0.5}) {
      FakeTimer t = new FakeTimer();
      LatencyFilter f = new LatencyFilter(t, ratio, 1);
      for (Method m : List.of(Method.TUCKER2, Method.CP)) {
        List<Choice> grid = CandidateGrid.choices(G, m, 1);
        assertTrue(grid.size() >= 16, m + " grid " + grid.size());
        int before = t.timed.size();
        boolean[] keep = f.keep(LAYER, grid);
        int timed = t.timed.size() - before;
        int kept = 0;
        for (int i = 0; i < grid.size(); i++) {
          boolean truth = FakeTimer.cost(grid.get(i)) <= ratio * 40;
          assertEquals(truth, keep[i], m + " " + grid.get(i) + " at ratio " + ratio);
          kept += keep[i] ? 1 : 0;
        }
        assertTrue(
            kept > 0 && kept < grid.size(), m + ": the test needs both outcomes, kept " + kept);
        // about log2(n) timings per chain shape (Tucker-2 has three: both ranks cut, r_in = C_in,
        // r_out = C_out)
        int log2 = 0;
        for (List<Choice> family : families(G, grid).values()) {
          log2 += 32 - Integer.numberOfLeadingZeros(family.size());
        }
        assertTrue(timed <= log2, m + ": " + timed + " timings for " + grid.size() + " candidates");
        // asked again, one by one: all cached
        for (Choice c : grid) {
          f.keep(LAYER, c);
        }
        assertEquals(before + timed, t.timed.size(), "cached decisions were timed again");
      }
      assertEquals(t.timed.size(), f.timings());
      assertEquals(t.timed.size(), t.timed.stream().distinct().count(), "a choice was timed twice");
    }
  }

  @Test
  void singleQueriesUseDominanceWithinOneMethodOnly() {
    FakeTimer t = new FakeTimer();
    LatencyFilter f = new LatencyFilter(t, 1.0, 1);
    Choice slow = Choice.of(Method.TUCKER2, 30, 30);
    assertEquals(false, f.keep(LAYER, slow));
    assertEquals(false, f.keep(LAYER, Choice.of(Method.TUCKER2, 40, 31)));
    assertEquals(1, t.timed.size(), "ranks >= a slower candidate's need no timing");
    assertEquals(true, f.keep(LAYER, Choice.of(Method.TUCKER2, 10, 20)));
    assertEquals(true, f.keep(LAYER, Choice.of(Method.TUCKER2, 5, 20)));
    assertEquals(2, t.timed.size(), "ranks <= a faster candidate's need no timing");
    // incomparable with both: timed
    assertEquals(false, f.keep(LAYER, Choice.of(Method.TUCKER2, 35, 10)));
    assertEquals(3, t.timed.size());
    // another method and another layer share nothing
    assertEquals(true, f.keep(LAYER, Choice.of(Method.TT, 5, 20)));
    LayerInput other = new LayerInput("other", "conv2d", G, DenseTensor.zeros(64, 64, 3, 3));
    assertEquals(true, f.keep(other, Choice.of(Method.TUCKER2, 5, 20)));
    assertEquals(5, t.timed.size());
    assertEquals(5L, f.settings().get("prune_timings"));
    assertEquals(1.0, f.settings().get("prune_latency_ratio"));
    assertTrue(f.rejectedAllNote().contains("faster than the original in ONNX Runtime (batch 1)"));
  }

  @Test
  void badSettingsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new LatencyFilter(new FakeTimer(), 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new LatencyFilter(new FakeTimer(), 1, 0));
  }

  @Test
  void randomFactorsHaveTheCostModelsParameterCount() {
    LayerGeometry dense = LayerGeometry.dense("fc", 64, 72, 1, false);
    List<Choice> cs =
        List.of(
            Choice.of(Method.TUCKER2, 7, 5), Choice.of(Method.TT, 6, 9), Choice.of(Method.CP, 11));
    for (Choice c : cs) {
      assertEquals(
          CostModel.factorized(G, c).params() - G.cout(),
          RandomFactors.of(G, c, 1).parameterCount(),
          c.toString());
    }
    for (Choice c :
        List.of(Choice.of(Method.SVD, 9), Choice.of(Method.QR, 3), CandidateGrid.ttm(dense, 4))) {
      assertEquals(
          CostModel.factorized(dense, c).params(),
          RandomFactors.of(dense, c, 1).parameterCount(),
          c.toString());
    }
  }

  @Test
  void ortFilterDecidesEveryCandidateOfAResNet20Layer() throws Exception {
    Path file = TestData.modelDir("resnet20_cifar10").resolve("model.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(file), "shared model absent: " + file);
    Model model = OnnxReader.read(file);
    ModelProfile profile = ModelProfile.of(model, Map.of(), ProfileOptions.DEFAULTS);
    List<Method> methods = List.of(Method.TUCKER2, Method.CP);
    LayerInput layer = LayerSelection.defaults(methods).apply(model, profile).selected().get(0);
    LatencyFilter f =
        LatencyFilter.ort(model, Map.of(), 1.0, 1, new LatencyBenchmark.Settings(1, 5, 1, 7));
    for (Method m : methods) {
      List<Choice> grid = CandidateGrid.choices(layer.geometry(), m, 1);
      int before = f.timings();
      boolean[] keep = f.keep(layer, grid);
      assertEquals(grid.size(), keep.length);
      int timed = f.timings() - before;
      assertTrue(
          timed >= 1 && timed < grid.size(), m + ": " + timed + " timings for " + grid.size());
      // monotone within a chain shape: a kept candidate's smaller-rank grid neighbour is kept too
      Map<String, List<Choice>> families = families(layer.geometry(), grid);
      for (List<Choice> family : families.values()) {
        for (int i = 1; i < family.size(); i++) {
          boolean kept = keep[grid.indexOf(family.get(i))];
          boolean smallerKept = keep[grid.indexOf(family.get(i - 1))];
          assertTrue(
              !kept || smallerKept, m + " kept " + family.get(i) + " but not " + family.get(i - 1));
        }
      }
    }
  }

  /** Grid choices by chain shape, in grid order: both ranks cut, r_in = C_in, r_out = C_out. */
  static Map<String, List<Choice>> families(org.lowrank.cost.LayerGeometry g, List<Choice> grid) {
    Map<String, List<Choice>> out = new java.util.LinkedHashMap<>();
    for (Choice c : grid) {
      String f = c.ranks().length == 2 ? CostModel.TuckerChain.of(g, c).toString() : "one rank";
      out.computeIfAbsent(f, k -> new ArrayList<>()).add(c);
    }
    return out;
  }
}
