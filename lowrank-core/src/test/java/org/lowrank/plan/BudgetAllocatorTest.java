package org.lowrank.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.Method;

class BudgetAllocatorTest {

  private static Candidate cand(int rank, long params, double score) {
    return new Candidate(Choice.of(Method.SVD, rank), new Cost(params, params), score);
  }

  private static final Candidate ORIG_A = new Candidate(null, new Cost(100, 100), 1.0);
  private static final Candidate ORIG_B = new Candidate(null, new Cost(100, 100), 1.0);

  // Layer A loses quality fast when compressed; layer B barely notices.
  private final List<Candidate> a =
      List.of(ORIG_A, cand(8, 60, 0.99), cand(4, 30, 0.80), cand(2, 15, 0.50));
  private final List<Candidate> b =
      List.of(ORIG_B, cand(8, 60, 0.999), cand(4, 30, 0.995), cand(2, 15, 0.99));

  @Test
  void shrinksTheLayerThatLosesLeastPerParameter() {
    List<Candidate> got =
        BudgetAllocator.allocate(
            List.of(
                new BudgetAllocator.LayerOptions("a", a, 0),
                new BudgetAllocator.LayerOptions("b", b, 0)),
            new Cost(20, 20),
            new Cost(220, 220),
            Budget.keepParams(0.5));
    long used = 20 + got.get(0).cost().params() + got.get(1).cost().params();
    assertTrue(used <= 110, "used " + used);
    // optimum under 90 for the two layers: A at 60 (0.99) + B at 30 (0.995)
    assertEquals(60, got.get(0).cost().params(), "the sensitive layer keeps most of its rank");
    assertEquals(30, got.get(1).cost().params(), "the insensitive layer gives up more");
  }

  @Test
  void spendsSlackOnUpgrades() {
    // preferred = smallest for both; budget leaves room to upgrade A.
    List<Candidate> got =
        BudgetAllocator.allocate(
            List.of(
                new BudgetAllocator.LayerOptions("a", a, 3),
                new BudgetAllocator.LayerOptions("b", b, 3)),
            Cost.ZERO,
            new Cost(200, 200),
            Budget.keepParams(0.4));
    assertEquals(60, got.get(0).cost().params());
    assertEquals(15, got.get(1).cost().params());
  }

  @Test
  void noBudgetKeepsPreferredAndDominatedAreSkipped() {
    List<Candidate> withDominated = List.of(ORIG_A, cand(8, 60, 0.99), cand(6, 70, 0.95));
    List<Candidate> got =
        BudgetAllocator.allocate(
            List.of(new BudgetAllocator.LayerOptions("a", withDominated, 2)),
            Cost.ZERO,
            new Cost(100, 100),
            Budget.none());
    assertEquals(60, got.get(0).cost().params(), "rank 6 is costlier and worse than rank 8");
    List<Candidate> keep =
        BudgetAllocator.allocate(
            List.of(new BudgetAllocator.LayerOptions("a", a, 0)),
            Cost.ZERO,
            new Cost(100, 100),
            Budget.none());
    assertSame(ORIG_A, keep.get(0));
  }

  @Test
  void aLargeLayerIsNotStarvedToSaveParameters() {
    // B has 4x A's parameters and the same quality curve, plus a near-zero option that saves a lot.
    List<Candidate> small =
        List.of(
            new Candidate(null, new Cost(100, 100), 1.0),
            cand(8, 50, 0.9),
            cand(4, 25, 0.6),
            cand(2, 10, 0.3));
    List<Candidate> big =
        List.of(
            new Candidate(null, new Cost(400, 400), 1.0),
            cand(8, 200, 0.9),
            cand(4, 100, 0.6),
            cand(2, 40, 0.3),
            cand(1, 16, 0.05));
    List<Candidate> got =
        BudgetAllocator.allocate(
            List.of(
                new BudgetAllocator.LayerOptions("a", small, 0),
                new BudgetAllocator.LayerOptions("b", big, 0)),
            Cost.ZERO,
            new Cost(500, 500),
            Budget.keepParams(0.3));
    assertEquals(50, got.get(0).cost().params());
    assertEquals(
        100, got.get(1).cost().params(), "0.9 x 0.6 beats 0.6 x 0.6 and anything with 0.05");
  }

  @Test
  void impossibleBudgetNamesTheMinimum() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                BudgetAllocator.allocate(
                    List.of(new BudgetAllocator.LayerOptions("a", a, 0)),
                    new Cost(100, 100),
                    new Cost(200, 200),
                    Budget.keepParams(0.3)));
    assertTrue(e.getMessage().contains("impossible budget"), e.getMessage());
    assertTrue(e.getMessage().contains("115"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Budget.keepParams(1.5));
    assertThrows(IllegalArgumentException.class, () -> Budget.keepFlops(0));
  }

  @Test
  void withoutBudgetThePreferredCandidateOnlyMovesToACheaperOneScoringAtLeastAsWell() {
    // the preferred (60, 0.95) is dominated by (50, 0.97); (20, 0.90) is cheaper but scores less
    Candidate preferred = cand(6, 60, 0.95);
    Candidate better = cand(5, 50, 0.97);
    Candidate worse = cand(2, 20, 0.90);
    List<Candidate> c = List.of(ORIG_A, preferred, better, worse);
    List<Candidate> got =
        BudgetAllocator.allocate(
            List.of(new BudgetAllocator.LayerOptions("a", c, 1)),
            Cost.ZERO,
            new Cost(100, 100),
            Budget.none());
    assertSame(better, got.get(0));
    // a layer whose preferred candidate is the original stays original, however cheap the others
    got =
        BudgetAllocator.allocate(
            List.of(new BudgetAllocator.LayerOptions("a", c, 0)),
            Cost.ZERO,
            new Cost(100, 100),
            Budget.none());
    assertSame(ORIG_A, got.get(0));
  }
}
