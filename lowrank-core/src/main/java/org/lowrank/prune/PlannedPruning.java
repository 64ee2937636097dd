package org.lowrank.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.cost.Cost;
import org.lowrank.cost.RankMultiple;
import org.lowrank.plan.Budget;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.Candidate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Filter pruning as a method of the planner's {@link BudgetAllocator}: every eligible channel group
 * offers keep counts on the block grid (multiples of the block, and the full width) next to the
 * factorization candidates of every selected layer, and one allocation under the budget decides,
 * per group, how many channels to keep and, per layer, which factorization to take.
 *
 * <p>A group's candidate keeping k of its w units costs k x (the cost one unit adds to the model:
 * its producers' filters and biases and its consumers' input channels, params and MACs, measured
 * once on the model with one unit removed) and scores 1 - sum_{removed u} e_u / sum_u e_u, the
 * share of the group's criterion mass kept, with e_u = s_u^2 for the L2 filter norm (the filters'
 * energy, the scale of the kept-energy scores of the factorization candidates) and e_u = s_u for
 * the other criteria. The allocator compares log(score) lost per unit of cost saved across groups
 * and layers alike.
 *
 * <p>Pruning alone (no factorization options) scores a candidate exp(-lost mass share) instead, so
 * that log(score), the allocator's utility, is the share lost itself: the groups' losses add up
 * linearly (removing a block costs its share of the group's mass per unit saved, however much of
 * the group is already gone). The log of the kept share would make each further block of a group
 * dearer and spread the cuts over more groups; on ResNet-20 at 75% of the MACs (L1) that spread
 * took a block from the first convolution of the last stage and fell from 34.2% to 21.2% top-1
 * before fine-tuning (500 test images), while the linear loss keeps it whole (34.2%).
 *
 * <p>The costs add up exactly for groups whose members no other pruned group touches (the inner
 * channels of a residual block); where one layer sits between two pruned groups the sum counts the
 * saving of their overlap twice. So the allocation runs in rounds (at most {@value #ROUNDS}): the
 * overlap of a round's choice (the pruned model's exact cost minus the sum) is added to the fixed
 * cost of the next, until it no longer grows. The planner then re-plans the factorizations on the
 * pruned model with the budget restated against it, so the budget is met on exact costs.
 *
 * <p>Pruning alone (no factorization options) is not re-planned, so its choice must meet the budget
 * on exact costs itself. The overlap is bilinear in the units removed (a layer between groups A and
 * B loses a x b x its per-pair cost twice), so it is largest with every group at its smallest keep
 * count: when the rounds end on a choice over the budget, one more allocation with that largest
 * overlap as fixed cost is safe. A budget below that smallest model is refused, naming the smallest
 * reachable fraction.
 */
public final class PlannedPruning {
  private static final Logger LOG = LoggerFactory.getLogger(PlannedPruning.class);

  /** Allocation rounds at most (see {@link #allocate}). */
  static final int ROUNDS = 4;

  private PlannedPruning() {}

  /**
   * The allocation.
   *
   * @param selection the channels to remove, with one decision per group that has filters
   * @param layerPicks the candidate chosen for each layer of the options given, in their order (a
   *     first estimate: the factorizations are re-planned on the pruned model)
   */
  public record Result(ChannelSelection.Result selection, List<Candidate> layerPicks) {
    public Result {
      layerPicks = List.copyOf(layerPicks);
    }
  }

  /**
   * Chooses every group's keep count together with every layer's factorization candidate.
   *
   * @param deps the model's channel groups
   * @param criterion orders the units of a group (lowest first) and scores what removing them loses
   * @param block keep counts are multiples of this block (or the group's width)
   * @param layers the factorization options of the selected layers (each including the layer kept
   *     as it is); empty for pruning alone
   * @param total the whole model's cost, the budget's reference
   * @param budget a parameter or MACs budget (not {@link Budget#isNone()})
   * @throws IllegalArgumentException when the budget cannot be met (for pruning alone: naming the
   *     smallest fraction pruning reaches), or is none
   */
  public static Result allocate(
      ChannelDependencies deps,
      PruneCriterion criterion,
      RankMultiple block,
      List<BudgetAllocator.LayerOptions> layers,
      Cost total,
      Budget budget) {
    if (budget.isNone()) {
      throw new IllegalArgumentException(
          "the planner chooses the channels to prune under a budget: give --keep-params,"
              + " --keep-flops or --keep-latency (or a fixed --prune-keep F)");
    }
    Budget.Kind kind = budget.kind();
    int m = block.multiple();
    ModelProfile profile = ModelProfile.of(deps.model());
    Cost measured = new Cost(profile.totalParams(), profile.totalMacs());
    Cost fixed = total;
    for (BudgetAllocator.LayerOptions lo : layers) {
      fixed = fixed.minus(original(lo));
    }
    List<BudgetAllocator.LayerOptions> units = new ArrayList<>(layers);
    List<ChannelSelection.GroupDecision> decisions = new ArrayList<>();
    List<GroupOffer> offers = new ArrayList<>();
    for (ChannelGroup g : deps.groups()) {
      if (g.filters().isEmpty()) {
        continue; // model inputs and the like: nothing to prune
      }
      String why = ChannelSelection.keptWhole(g, m);
      if (why != null) {
        decisions.add(new ChannelSelection.GroupDecision(g, g.width(), why));
        continue;
      }
      double[] s = criterion.scores(deps, g);
      int[] order = ChannelSelection.ascending(s);
      ModelProfile one = ModelProfile.of(ChannelPruner.prune(deps, PruneSelection.of(g, order[0])));
      Cost unit =
          new Cost(measured.params() - one.totalParams(), measured.macs() - one.totalMacs());
      if (unit.get(kind) <= 0) {
        decisions.add(
            new ChannelSelection.GroupDecision(
                g, g.width(), "kept whole: removing channels saves no " + kindName(kind)));
        continue;
      }
      GroupOffer offer = GroupOffer.of(g, order, energy(criterion, s), unit, m, layers.isEmpty());
      offers.add(offer);
      units.add(offer.options());
      fixed = fixed.minus(times(unit, g.width()));
    }
    long target = budget.target(total);
    long largestOverlap = 0;
    if (layers.isEmpty()) {
      largestOverlap = smallest(deps, offers, measured, budget, total, m).get(kind);
    }
    // rounds: the overlap of the last choice (exact pruned cost - its linear estimate) is added
    // to the fixed cost, so that groups sharing a layer are not credited twice for it
    long overlap = 0;
    long exact = measured.get(kind);
    List<Candidate> picked = null;
    Map<Integer, int[]> removed = new LinkedHashMap<>();
    for (int round = 1; round <= ROUNDS; round++) {
      try {
        picked = BudgetAllocator.allocate(units, List.of(constraint(kind, fixed, overlap, target)));
      } catch (IllegalArgumentException e) {
        if (picked == null) {
          throw e;
        }
        // the overlap leaves no feasible choice: keep the last one, the re-plan meets the budget
        LOG.info("round {}: {}; keeping round {}'s choice", round, e.getMessage(), round - 1);
        break;
      }
      removed = removed(offers, picked, layers.size());
      long estimate = estimate(offers, picked, layers.size(), measured.get(kind), kind);
      exact = exactCost(deps, removed).get(kind);
      LOG.debug("round {}: overlap {} -> {} {}", round, overlap, exact - estimate, kindName(kind));
      if (exact - estimate <= overlap) {
        break;
      }
      overlap = exact - estimate;
    }
    if (layers.isEmpty() && exact > target) {
      // nothing is re-planned after pruning alone: the largest overlap is a safe fixed cost
      LOG.info(
          "rounds ended at {} {} over the target {}: allocating with the largest overlap {}",
          exact,
          kindName(kind),
          target,
          largestOverlap);
      picked =
          BudgetAllocator.allocate(units, List.of(constraint(kind, fixed, largestOverlap, target)));
      removed = removed(offers, picked, 0);
    }
    long keptUnits = 0;
    long allUnits = 0;
    for (int j = 0; j < offers.size(); j++) {
      GroupOffer o = offers.get(j);
      Candidate chosen = picked.get(layers.size() + j);
      int k = o.keepOf(chosen);
      int w = o.group().width();
      keptUnits += k;
      allUnits += w;
      decisions.add(
          new ChannelSelection.GroupDecision(
              o.group(),
              k,
              k < w
                  ? String.format(
                      Locale.ROOT,
                      "planned: keeps %.4f of the %s mass",
                      o.kept()[o.options().candidates().indexOf(chosen)],
                      criterion.name())
                  : ""));
      LOG.debug("group {}: keeps {} of {} (score {})", o.group().label(), k, w, chosen.score());
    }
    double keep = allUnits == 0 ? 1 : (double) keptUnits / allUnits;
    ChannelSelection.Result sel =
        new ChannelSelection.Result(
            PruneSelection.of(removed), decisions, keep, criterion.name() + ", planned");
    LOG.info(
        "planned pruning under {}: {} of {} eligible groups pruned, {} of {} channels kept",
        budget,
        removed.size(),
        offers.size(),
        keptUnits,
        allUnits);
    return new Result(sel, picked.subList(0, layers.size()));
  }

  private static BudgetAllocator.Constraint constraint(
      Budget.Kind kind, Cost fixed, long overlap, long target) {
    return new BudgetAllocator.Constraint(
        kindName(kind), (i, cand) -> cand.cost().get(kind), fixed.get(kind) + overlap, target);
  }

  /**
   * The overlap (exact minus linear estimate) of the smallest model pruning alone reaches: every
   * offered group at its smallest keep count.
   *
   * @throws IllegalArgumentException when even that model misses the budget, naming the smallest
   *     reachable fraction
   */
  private static Cost smallest(
      ChannelDependencies deps,
      List<GroupOffer> offers,
      Cost measured,
      Budget budget,
      Cost total,
      int block) {
    Map<Integer, int[]> removed = new LinkedHashMap<>();
    Cost estimate = measured;
    for (GroupOffer o : offers) {
      int k = o.keeps()[o.keeps().length - 1];
      int w = o.group().width();
      if (k < w) {
        removed.put(o.group().index(), Arrays.copyOf(o.order(), w - k));
        estimate = estimate.minus(times(o.unit(), w - k));
      }
    }
    Cost exact = exactCost(deps, removed);
    Budget.Kind kind = budget.kind();
    if (exact.get(kind) > budget.target(total)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "impossible budget for pruning alone: %s asks for at most %d %s of %d, but every"
                  + " prunable channel group at its smallest count (one block of %d channels)"
                  + " still keeps %d, %.4f of them (%d of %d groups prunable); ask for at least"
                  + " %.4f, or add a factorization method (e.g. --method hybrid,prune)",
              budget,
              budget.target(total),
              kindName(kind),
              total.get(kind),
              block,
              exact.get(kind),
              (double) exact.get(kind) / total.get(kind),
              offers.size(),
              deps.groups().stream().filter(g -> !g.filters().isEmpty()).count(),
              Math.ceil(1e4 * exact.get(kind) / total.get(kind)) / 1e4));
    }
    return exact.minus(estimate);
  }

  /** The linear estimate of the pruned model's cost: each group's unit cost times units removed. */
  private static long estimate(
      List<GroupOffer> offers, List<Candidate> picked, int skip, long measured, Budget.Kind kind) {
    long estimate = measured;
    for (int j = 0; j < offers.size(); j++) {
      GroupOffer o = offers.get(j);
      int k = o.keepOf(picked.get(skip + j));
      estimate -= (o.group().width() - k) * o.unit().get(kind);
    }
    return estimate;
  }

  private static Cost exactCost(ChannelDependencies deps, Map<Integer, int[]> removed) {
    ModelProfile pruned = ModelProfile.of(ChannelPruner.prune(deps, PruneSelection.of(removed)));
    return new Cost(pruned.totalParams(), pruned.totalMacs());
  }

  /** The units each group's chosen candidate removes (groups offered after {@code skip} layers). */
  private static Map<Integer, int[]> removed(
      List<GroupOffer> offers, List<Candidate> picked, int skip) {
    Map<Integer, int[]> removed = new LinkedHashMap<>();
    for (int j = 0; j < offers.size(); j++) {
      GroupOffer o = offers.get(j);
      int k = o.keepOf(picked.get(skip + j));
      if (k < o.group().width()) {
        removed.put(o.group().index(), Arrays.copyOf(o.order(), o.group().width() - k));
      }
    }
    return removed;
  }

  /** One group's keep counts and their candidates (the full width preferred). */
  private record GroupOffer(
      ChannelGroup group,
      int[] order,
      Cost unit,
      int[] keeps,
      double[] kept,
      BudgetAllocator.LayerOptions options) {

    int keepOf(Candidate chosen) {
      return keeps[options.candidates().indexOf(chosen)];
    }

    static GroupOffer of(ChannelGroup g, int[] order, double[] e, Cost unit, int m, boolean alone) {
      int w = g.width();
      double sum = Arrays.stream(e).sum();
      List<Integer> keeps = new ArrayList<>();
      keeps.add(w);
      for (int k = (w - 1) / m * m; k >= m; k -= m) {
        keeps.add(k);
      }
      double[] kept = new double[keeps.size()];
      List<Candidate> cands = new ArrayList<>();
      for (int i = 0; i < kept.length; i++) {
        int k = keeps.get(i);
        double lost = 0;
        for (int r = 0; r < w - k; r++) {
          lost += e[order[r]];
        }
        kept[i] = sum > 0 ? Math.max(0, 1 - lost / sum) : 1;
        double score = alone ? Math.exp(kept[i] - 1) : kept[i];
        cands.add(new Candidate(null, times(unit, k), score));
      }
      return new GroupOffer(
          g,
          order,
          unit,
          keeps.stream().mapToInt(Integer::intValue).toArray(),
          kept,
          new BudgetAllocator.LayerOptions("prune " + g.label(), cands, 0));
    }
  }

  /** The mass e_u each unit's score stands for (see the class comment). */
  private static double[] energy(PruneCriterion criterion, double[] s) {
    boolean squared = criterion.name().equals("l2");
    return Arrays.stream(s).map(v -> squared ? v * v : Math.max(v, 0)).toArray();
  }

  private static Cost original(BudgetAllocator.LayerOptions lo) {
    for (Candidate c : lo.candidates()) {
      if (c.isOriginal()) {
        return c.cost();
      }
    }
    throw new IllegalArgumentException(
        "layer '" + lo.layer() + "': its options must include the layer kept as it is");
  }

  private static Cost times(Cost c, long k) {
    return new Cost(c.params() * k, c.macs() * k);
  }

  private static String kindName(Budget.Kind kind) {
    return kind == Budget.Kind.FLOPS ? "macs" : "params";
  }
}
