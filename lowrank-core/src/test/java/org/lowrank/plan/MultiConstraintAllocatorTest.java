package org.lowrank.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.Method;

/** {@link BudgetAllocator#allocate(List, List)} on synthetic parameter and time costs. */
class MultiConstraintAllocatorTest {

  /** Per candidate: a synthetic time, unrelated to its parameters (unaligned ranks run slow). */
  private final Map<Candidate, Double> millis = new HashMap<>();

  private Candidate cand(int rank, long params, double score, double ms) {
    Candidate c = new Candidate(Choice.of(Method.SVD, rank), new Cost(params, params), score);
    millis.put(c, ms);
    return c;
  }

  private Candidate original(double ms) {
    Candidate c = new Candidate(null, new Cost(100, 100), 1.0);
    millis.put(c, ms);
    return c;
  }

  private BudgetAllocator.Constraint params(double fixed, double target) {
    return new BudgetAllocator.Constraint("params", (i, c) -> c.cost().params(), fixed, target);
  }

  private BudgetAllocator.Constraint time(double fixed, double target) {
    return new BudgetAllocator.Constraint("latency", (i, c) -> millis.get(c), fixed, target);
  }

  @Test
  void timeBudgetPicksTheFasterCandidateEvenWithMoreParameters() {
    // rank 7 has fewer parameters than rank 8 but is slower (unaligned): a time budget takes 8
    List<Candidate> a =
        List.of(original(10), cand(8, 60, 0.99, 4), cand(7, 55, 0.985, 11), cand(2, 15, 0.5, 2));
    List<Candidate> got =
        BudgetAllocator.allocate(
            List.of(new BudgetAllocator.LayerOptions("a", a, 2)),
            List.of(params(0, 70), time(1, 6)));
    assertEquals(8, got.get(0).choice().ranks()[0]);
  }

  @Test
  void meetsEveryConstraintOnRandomSyntheticCosts() {
    Random rnd = new Random(3);
    for (int trial = 0; trial < 200; trial++) {
      List<BudgetAllocator.LayerOptions> layers = new ArrayList<>();
      double minParams = 0;
      double minTime = 0;
      double allParams = 0;
      double allTime = 0;
      for (int l = 0; l < 1 + rnd.nextInt(6); l++) {
        double t0 = 1 + 9 * rnd.nextDouble();
        List<Candidate> cs = new ArrayList<>(List.of(original(t0)));
        double mp = 100;
        double mt = t0;
        for (int r = 1; r <= 8; r++) {
          long p = 10 * r;
          double t = t0 * (0.1 + 1.4 * rnd.nextDouble()); // some candidates slower than the layer
          cs.add(cand(r, p, 1 - Math.pow(0.5, r) * rnd.nextDouble(), t));
          mp = Math.min(mp, p);
          mt = Math.min(mt, t);
        }
        minParams += mp;
        minTime += mt;
        allParams += 100;
        allTime += t0;
        layers.add(new BudgetAllocator.LayerOptions("l" + l, cs, rnd.nextInt(cs.size())));
      }
      double pTarget = minParams + rnd.nextDouble() * (allParams - minParams);
      double tTarget = minTime + rnd.nextDouble() * (allTime - minTime);
      List<BudgetAllocator.Constraint> cons =
          List.of(params(5, 5 + pTarget), time(0.5, 0.5 + tTarget));
      List<Candidate> got;
      try {
        got = BudgetAllocator.allocate(layers, cons);
      } catch (IllegalArgumentException e) {
        assertTrue(e.getMessage().contains("impossible budget"), e.getMessage());
        continue; // both minima fit but not together: allowed, and said so
      }
      double p = 5;
      double t = 0.5;
      for (Candidate c : got) {
        p += c.cost().params();
        t += millis.get(c);
      }
      assertTrue(p <= 5 + pTarget + 1e-9, "trial " + trial + ": params " + p + " > " + pTarget);
      assertTrue(t <= 0.5 + tTarget + 1e-9, "trial " + trial + ": time " + t + " > " + tTarget);
    }
  }

  @Test
  void spendsSlackAndNeverBreaksAConstraintWhileGrowing() {
    List<Candidate> a = List.of(original(10), cand(8, 60, 0.99, 5), cand(2, 15, 0.5, 2));
    List<Candidate> b = List.of(original(10), cand(8, 60, 0.999, 5), cand(2, 15, 0.99, 2));
    List<Candidate> got =
        BudgetAllocator.allocate(
            List.of(
                new BudgetAllocator.LayerOptions("a", a, 2),
                new BudgetAllocator.LayerOptions("b", b, 2)),
            List.of(time(0, 7.5)));
    assertEquals(8, got.get(0).choice().ranks()[0], "the sensitive layer gets the slack");
    assertEquals(2, got.get(1).choice().ranks()[0]);
  }

  @Test
  void impossibleTimeBudgetIsNamed() {
    List<Candidate> a = List.of(original(10), cand(2, 15, 0.5, 4));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                BudgetAllocator.allocate(
                    List.of(new BudgetAllocator.LayerOptions("a", a, 0)), List.of(time(1, 3))));
    assertTrue(e.getMessage().contains("latency"), e.getMessage());
    assertTrue(e.getMessage().contains("impossible budget"), e.getMessage());
  }
}
