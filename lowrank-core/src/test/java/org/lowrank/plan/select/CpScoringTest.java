package org.lowrank.plan.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.cost.RankMultiple;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.Budget;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.Candidate;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.progress.ProgressListener;
import org.lowrank.tensor.DenseTensor;

/**
 * How the energy selector scores CP: never above the break-even rank nor at ranks that remove under
 * {@link EnergySelector#CP_MIN_SAVING} of the layer's cost (named in the layer's note), and
 * threshold-only scoring (early-stopped fits, no ranks above the first passing one) makes the same
 * choice as full scoring.
 */
class CpScoringTest {
  private static final LinearAlgebra LA = LinearAlgebra.defaultInstance();

  private static EnergySelector selector(double threshold, boolean thresholdOnly) {
    return new EnergySelector(threshold, RankMultiple.given(1), 3, LA, thresholdOnly);
  }

  private static List<Choice> cpCandidates(BudgetAllocator.LayerOptions o) {
    return o.candidates().stream()
        .filter(c -> !c.isOriginal())
        .map(Candidate::choice)
        .filter(c -> c.method() == Method.CP)
        .toList();
  }

  private static Choice preferred(BudgetAllocator.LayerOptions o) {
    Candidate c = o.candidates().get(o.preferred());
    return c.isOriginal() ? null : c.choice();
  }

  @Test
  void noCpRankAboveTheBreakEvenIsScored() {
    // stride 2: the input side runs at 4x the output pixels, so MACs break even before parameters
    LayerGeometry g =
        LayerGeometry.conv(
            "s2", 24, 24, 1, new long[] {3, 3}, new long[] {16, 16}, new long[] {8, 8}, true);
    LayerInput layer = new LayerInput("s2", "conv2d", g, DenseTensor.random(11, 24, 24, 3, 3));
    int cap = EnergySelector.cpBreakEvenRank(g);
    assertTrue(CostModel.reducesCost(g, Choice.of(Method.CP, cap)), "rank " + cap + " saves");
    assertFalse(CostModel.reducesCost(g, Choice.of(Method.CP, cap + 1)), "rank " + (cap + 1));
    assertTrue(cap < CostModel.maxRanks(g, Method.CP)[0], "MACs break even first: " + cap);
    for (boolean thresholdOnly : new boolean[] {false, true}) {
      // 0.9999 fails everywhere on a random kernel: every spread rank is scored, the largest
      // first (threshold-only: that one alone); with the near-break-even rule off
      List<Choice> scored =
          cpCandidates(
              new EnergySelector(0.9999, RankMultiple.given(1), 3, LA, thresholdOnly, 0)
                  .options(layer, List.of(Method.CP)));
      assertEquals(thresholdOnly ? 1 : EnergySelector.CP_POINTS, scored.size(), "scored " + scored);
      for (Choice c : scored) {
        assertTrue(c.ranks()[0] <= cap, thresholdOnly + ": scored " + c + " above " + cap);
      }
      assertEquals(cap, scored.get(scored.size() - 1).ranks()[0], "the largest scored rank");
    }
  }

  @Test
  void cpRanksSavingUnderTheMinimumAreNotScoredAndTheNoteNamesThem() {
    LayerGeometry g =
        LayerGeometry.conv(
            "s2", 24, 24, 1, new long[] {3, 3}, new long[] {16, 16}, new long[] {8, 8}, true);
    LayerInput layer = new LayerInput("s2", "conv2d", g, DenseTensor.random(11, 24, 24, 3, 3));
    int breakEven = EnergySelector.cpBreakEvenRank(g);
    int cap = EnergySelector.cpScoredRankCap(g, EnergySelector.CP_MIN_SAVING);
    Cost before = CostModel.original(g);
    Cost atCap = CostModel.factorized(g, Choice.of(Method.CP, cap));
    Cost above = CostModel.factorized(g, Choice.of(Method.CP, cap + 1));
    assertTrue(atCap.params() <= 0.9 * before.params() && atCap.macs() <= 0.9 * before.macs());
    assertTrue(above.params() > 0.9 * before.params() || above.macs() > 0.9 * before.macs());
    List<Integer> unscored =
        CandidateGrid.choices(g, Method.CP, 1).stream()
            .map(c -> c.ranks()[0])
            .filter(r -> r > cap && r <= breakEven)
            .toList();
    assertTrue(unscored.size() >= 2, "grid ranks near the break-even: " + unscored);
    for (boolean thresholdOnly : new boolean[] {false, true}) {
      BudgetAllocator.LayerOptions o =
          selector(0.9999, thresholdOnly).options(layer, List.of(Method.CP));
      List<Choice> scored = cpCandidates(o);
      assertEquals(thresholdOnly ? 1 : EnergySelector.CP_POINTS, scored.size(), "scored " + scored);
      for (Choice c : scored) {
        assertTrue(c.ranks()[0] <= cap, thresholdOnly + ": scored " + c + " above " + cap);
      }
      assertEquals(
          "cp ranks "
              + unscored.get(0)
              + ".."
              + unscored.get(unscored.size() - 1)
              + " not scored: under 10% of the parameters or MACs removed",
          o.note());
    }
  }

  @Test
  void anIncompressibleKernelIsNoLongerFactorizedAtItsBreakEvenRank() {
    // a random [16, 16, 3, 3] kernel: CP at its break-even rank has as many parameters as the
    // kernel and fits it to the threshold; the rule keeps the layer and says why
    LayerInput noise = TestLayers.random("noise", 16, 5);
    double threshold = 0.97;
    int breakEven = EnergySelector.cpBreakEvenRank(noise.geometry());
    EnergySelector off = new EnergySelector(threshold, RankMultiple.given(1), 3, LA, true, 0);
    Choice before = preferred(off.options(noise, List.of(Method.CP)));
    assertTrue(
        before != null && before.ranks()[0] > 0.9 * breakEven,
        "without the rule a near-break-even rank passes: " + before + ", break-even " + breakEven);
    Cost total = CostModel.original(noise.geometry());
    Plan plan =
        Planner.plan(
            new Planner.Request(
                "m.onnx",
                List.of(noise),
                List.of(),
                total,
                List.of(Method.CP),
                selector(threshold, true),
                Budget.none(),
                3),
            ProgressListener.NONE);
    LayerDecision d = plan.layers().get(0);
    assertFalse(d.isFactorized(), "kept: " + d);
    assertTrue(d.note().startsWith("kept: no candidate met the threshold"), d.note());
    assertTrue(
        d.note().endsWith("not scored: under 10% of the parameters or MACs removed"), d.note());
    assertEquals(0.1, plan.settings().get("cp_min_saving"));
  }

  @Test
  void theRuleLeavesPlansAloneWhenNoCandidateIsNearTheBreakEven() {
    // planted CP ranks 8 and 16 of 24 channels, far below the break-even rank (about 90)
    for (long seed = 1; seed <= 2; seed++) {
      List<LayerInput> layers =
          List.of(
              TestLayers.cp("cp8", 24, 8, seed, 0.05), TestLayers.cp("cp16", 24, 16, seed, 0.1));
      for (double threshold : new double[] {0.9, 0.99}) {
        for (boolean thresholdOnly : new boolean[] {false, true}) {
          EnergySelector on = selector(threshold, thresholdOnly);
          EnergySelector off =
              new EnergySelector(threshold, RankMultiple.given(1), 3, LA, thresholdOnly, 0);
          for (LayerInput l : layers) {
            String what = l.name() + " seed " + seed + " at " + threshold + " " + thresholdOnly;
            Choice c = preferred(on.options(l, List.of(Method.CP)));
            assertTrue(c != null, what + ": the planted kernel passes");
            assertEquals(preferred(off.options(l, List.of(Method.CP))), c, what);
          }
        }
      }
    }
  }

  @Test
  void thresholdOnlyScoringChoosesAsFullScoringOnPlantedCpKernels() {
    int factorized = 0;
    for (long seed = 1; seed <= 3; seed++) {
      List<LayerInput> layers =
          List.of(
              TestLayers.cp("cp8", 24, 8, seed, 0.05),
              TestLayers.cp("cp16", 24, 16, seed + 10, 0.1),
              TestLayers.random("noise", 16, seed));
      for (double threshold : new double[] {0.9, 0.97, 0.99}) {
        EnergySelector full = selector(threshold, false);
        EnergySelector fast = selector(threshold, true);
        for (LayerInput l : layers) {
          BudgetAllocator.LayerOptions a = full.options(l, List.of(Method.CP));
          BudgetAllocator.LayerOptions b = fast.options(l, List.of(Method.CP));
          String what = l.name() + " seed " + seed + " at " + threshold;
          assertEquals(preferred(a), preferred(b), what);
          assertTrue(cpCandidates(a).containsAll(cpCandidates(b)), what + ": scored a subset");
          if (preferred(b) != null) {
            factorized++;
            assertEquals(
                full.score(l, preferred(a)), fast.score(l, preferred(b)), what + ": full score");
          }
        }
      }
    }
    assertTrue(factorized >= 12, "the planted kernels pass: " + factorized);
  }

  @Test
  void aFitStopsOnlyWhenItCannotReachTheThreshold() {
    // kept energy 1 - e^2: 0.36, 0.4375, 0.444975, 0.445720 (gains 0.0775, 0.007475, 0.000745)
    double[] errors = {0.8, 0.75, 0.745, 0.7445};
    double[] three = java.util.Arrays.copyOf(errors, 3);
    assertFalse(KeptEnergy.failsThreshold(java.util.Arrays.copyOf(errors, 2), 25, 0.99), "early");
    assertFalse(KeptEnergy.failsThreshold(three, 25, 0.99), "0.445 + 22 * 2 * 0.0775 > 0.99");
    assertTrue(KeptEnergy.failsThreshold(errors, 25, 0.99), "0.4457 + 21 * 2 * 0.007475 = 0.7597");
    assertFalse(KeptEnergy.failsThreshold(errors, 25, 0.75), "0.7597 can still reach 0.75");
    assertFalse(KeptEnergy.failsThreshold(errors, 4, 0.99), "the last sweep is not cut");
  }

  @Test
  void aDeployedCpFitKeepsTheScoredEnergyWhateverItsTolerance() {
    LayerInput l = TestLayers.cp("cp16", 24, 16, 4, 0.3);
    Choice c = Choice.of(Method.CP, 16);
    double scored = new KeptEnergy(LA, 3, KeptEnergy.DEFAULT_CP_SWEEPS).score(l, c);
    // a relative tolerance every sweep meets: the fit still runs the sweeps the score ran
    org.lowrank.rewrite.LayerFactorizer loose =
        org.lowrank.rewrite.LayerFactorizer.builder()
            .optSeed(3)
            .optCpRelativeTolerance(0.5)
            .build();
    DenseTensor w = l.weight();
    org.lowrank.graph.TensorValue tv =
        org.lowrank.graph.TensorValue.ofFloats(
            java.util.Arrays.stream(w.shape()).asLongStream().toArray(), w.toFloats());
    double kept =
        KeptEnergy.of(
            w,
            DenseTensor.fromFloats(
                loose.factorizeConv(tv, c).reconstruct().toFloatArray(), w.shape()));
    assertTrue(scored < 0.999, "the planted noise leaves work for the sweeps: " + scored);
    assertTrue(kept >= scored - 1e-9, "deployed " + kept + " < scored " + scored);
  }
}
