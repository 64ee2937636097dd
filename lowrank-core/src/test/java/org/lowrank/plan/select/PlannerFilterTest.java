package org.lowrank.plan.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
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

/** Planner with a {@link CandidateFilter}: rejected candidates are never chosen, and it says so. */
class PlannerFilterTest {
  private static final LinearAlgebra LA = LinearAlgebra.defaultInstance();
  private static final String NOTE = "kept: every candidate vetoed by the test filter";

  /** A filter from a predicate that records every (layer, choice) it was asked about. */
  private static final class FakeFilter implements CandidateFilter {
    final BiPredicate<LayerInput, Choice> rule;
    final List<String> asked = new ArrayList<>();
    final List<String> rejected = new ArrayList<>();

    FakeFilter(BiPredicate<LayerInput, Choice> rule) {
      this.rule = rule;
    }

    @Override
    public boolean keep(LayerInput layer, Choice choice) {
      asked.add(layer.name() + " " + choice);
      boolean keep = rule.test(layer, choice);
      if (!keep) {
        rejected.add(layer.name() + " " + choice);
      }
      return keep;
    }

    @Override
    public Map<String, Object> settings() {
      return Map.of("prune_test", true);
    }

    @Override
    public String rejectedAllNote() {
      return NOTE;
    }
  }

  private static LayerInput layer(String name, int c, int r, long seed) {
    DenseTensor core = DenseTensor.random(seed, r, r, 3, 3);
    DenseTensor w =
        core.modeProduct(DenseTensor.random(seed + 1, c, r), 0)
            .modeProduct(DenseTensor.random(seed + 2, c, r), 1)
            .plus(DenseTensor.random(seed + 3, c, c, 3, 3).scale(0.3));
    LayerGeometry g =
        LayerGeometry.conv(
            name, c, c, 1, new long[] {3, 3}, new long[] {16, 16}, new long[] {16, 16}, true);
    return new LayerInput(name, "conv2d", g, w);
  }

  private static final List<LayerInput> LAYERS =
      List.of(layer("a", 32, 12, 1), layer("b", 48, 20, 5));

  private static Planner.Request request(RankSelector s, Budget b, Method... m) {
    return request(LAYERS, s, b, m);
  }

  private static Planner.Request request(
      List<LayerInput> layers, RankSelector s, Budget b, Method... m) {
    Cost total = new Cost(1000, 1000);
    for (LayerInput l : layers) {
      total = total.plus(CostModel.original(l.geometry()));
    }
    return new Planner.Request("m.onnx", layers, List.of(), total, List.of(m), s, b, 7);
  }

  private static Plan plan(Planner.Request r) {
    return Planner.plan(r, ProgressListener.NONE);
  }

  @Test
  void theOldConstructorKeepsEverythingAndRecordsNothing() {
    Planner.Request r =
        request(new EnergySelector(0.9, 1, LA), Budget.keepParams(0.3), Method.TUCKER2);
    assertSame(CandidateFilter.KEEP_ALL, r.filter());
    Plan p = plan(r);
    assertFalse(
        p.settings().keySet().stream().anyMatch(k -> k.startsWith("prune")),
        p.settings().toString());
    assertEquals(p.layers(), plan(r.withFilter(null)).layers());
  }

  @Test
  void scoredSelectorsNeverChooseRejectedCandidates() {
    RankSelector s = new EnergySelector(0.95, 1, LA);
    Budget budget = Budget.keepParams(0.35);
    // without a filter, CP wins on the CP-planted layer
    List<LayerInput> layers = List.of(TestLayers.cp("a", 32, 20, 1, 0.01), layer("b", 48, 20, 5));
    Plan free = plan(request(layers, s, budget, Method.TUCKER2, Method.CP));
    assertTrue(
        free.layers().stream().anyMatch(d -> d.choice().method() == Method.CP),
        free.layers().toString());

    FakeFilter noCp = new FakeFilter((l, c) -> c.method() != Method.CP && c.maxRank() <= 14);
    Plan p = plan(request(layers, s, budget, Method.TUCKER2, Method.CP).withFilter(noCp));
    for (LayerDecision d : p.layers()) {
      assertNotNull(d.choice(), d.toString());
      assertEquals(Method.TUCKER2, d.choice().method(), d.toString());
      assertTrue(d.choice().maxRank() <= 14, d.toString());
    }
    assertTrue(p.keptParamsFraction() <= 0.35 + 1e-9, "budget missed: " + p.keptParamsFraction());
    assertEquals(true, p.settings().get("prune_test"));
    assertEquals(new HashSet<>(noCp.asked).size(), noCp.asked.size(), "asked twice: " + noCp.asked);
    assertTrue(
        noCp.rejected.size() > 0 && noCp.rejected.size() < noCp.asked.size(),
        noCp.asked.toString());
    assertEquals((long) noCp.rejected.size(), p.settings().get("prune_dropped_candidates"));
    assertEquals(0L, p.settings().get("prune_kept_layers"));
    for (LayerDecision d : p.layers()) { // each layer lost its CP candidates and says so
      assertTrue(d.note().contains("candidate filter {prune_test=true} dropped"), d.note());
    }
  }

  @Test
  void aLayerWithEveryCandidateRejectedIsKeptWithTheNote() {
    FakeFilter notB = new FakeFilter((l, c) -> !l.name().equals("b"));
    Plan p =
        plan(
            request(new EnergySelector(0.9, 1, LA), Budget.none(), Method.TUCKER2, Method.CP)
                .withFilter(notB));
    assertNull(p.layer("b").choice());
    // then the CP grid ranks near the break-even that were not scored
    assertTrue(p.layer("b").note().startsWith(NOTE + "; cp ranks "), p.layer("b").note());
    assertEquals(p.layer("b").before(), p.layer("b").after());
    assertNotNull(p.layer("a").choice());
    assertEquals(1L, p.settings().get("prune_kept_layers"));
    long bAsked = notB.asked.stream().filter(a -> a.startsWith("b ")).count();
    assertEquals(bAsked, p.settings().get("prune_dropped_candidates"));
  }

  @Test
  void aBudgetThePruningMakesImpossibleIsAClearError() {
    // keeps only candidates with every rank >= 30 (one-sided Tucker-2 choices have one small rank)
    FakeFilter big =
        new FakeFilter((l, c) -> java.util.Arrays.stream(c.ranks()).allMatch(r -> r >= 30));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                plan(
                    request(new EnergySelector(0.9, 1, LA), Budget.keepParams(0.2), Method.TUCKER2)
                        .withFilter(big)));
    assertTrue(e.getMessage().startsWith("impossible budget"), e.getMessage());
    assertTrue(e.getMessage().contains("candidate filter"), e.getMessage());
    // the same budget is possible without the filter
    assertTrue(
        plan(request(new EnergySelector(0.9, 1, LA), Budget.keepParams(0.2), Method.TUCKER2))
                .keptParamsFraction()
            <= 0.2);
  }

  @Test
  void uniformSelectorsSkipRejectedMethodsAndAskOncePerChoice() {
    RankSelector ratio = new RatioSelector(0.25, 1);
    Plan free = plan(request(ratio, Budget.keepParams(0.3), Method.TUCKER2, Method.CP));
    assertTrue(
        free.layers().stream().allMatch(d -> d.choice().method() == Method.TUCKER2),
        free.layers().toString());

    FakeFilter noTucker = new FakeFilter((l, c) -> c.method() != Method.TUCKER2);
    Plan p =
        plan(
            request(ratio, Budget.keepParams(0.3), Method.TUCKER2, Method.CP).withFilter(noTucker));
    for (LayerDecision d : p.layers()) {
      assertEquals(Method.CP, d.choice().method(), d.toString());
    }
    assertTrue(p.keptParamsFraction() <= 0.3 + 1e-9, "budget missed: " + p.keptParamsFraction());
    Set<String> distinct = new HashSet<>(noTucker.asked);
    assertEquals(distinct.size(), noTucker.asked.size(), "the planner asked a choice twice");
    assertTrue(
        noTucker.rejected.stream().allMatch(a -> a.contains(" tucker[")),
        noTucker.rejected.toString());
    assertEquals((long) noTucker.rejected.size(), p.settings().get("prune_dropped_candidates"));

    FakeFilter none = new FakeFilter((l, c) -> false);
    Plan kept = plan(request(ratio, Budget.none(), Method.TUCKER2, Method.CP).withFilter(none));
    for (LayerDecision d : kept.layers()) {
      assertNull(d.choice(), d.toString());
      assertEquals(NOTE, d.note());
    }
    assertEquals(2L, kept.settings().get("prune_kept_layers"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> plan(request(ratio, Budget.keepParams(0.3), Method.TUCKER2).withFilter(none)));
    assertTrue(e.getMessage().startsWith("impossible budget"), e.getMessage());
    assertNotEquals(-1, e.getMessage().indexOf("dropped"));
  }
}
