package org.lowrank.prune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.cost.RankMultiple;
import org.lowrank.graph.Model;

/**
 * Chooses the channels to remove: in every eligible group (prunable, every tensor holding all its
 * channels, at least one filter) keep the {@code ceil(keep * width)} best-scored channels, the
 * count rounded up to the rank block ({@link RankMultiple}) so ONNX Runtime's blocked convolutions
 * still apply. Groups at channel offsets (Pad/Concat) are kept whole, like the residual spine of a
 * ResNet in Li et al. 2017; a group whose width does not allow an aligned smaller count is kept
 * whole too. Every such decision is recorded, never silent.
 */
public final class ChannelSelection {
  private ChannelSelection() {}

  /**
   * What was decided for one group.
   *
   * @param group the group
   * @param kept channels kept (== width when not pruned)
   * @param note why it was kept whole or how the count was rounded; empty when pruned as asked
   */
  public record GroupDecision(ChannelGroup group, int kept, String note) {}

  /**
   * A selection with its per-group decisions.
   *
   * @param keep the keep fraction asked
   * @param criterion the criterion's name
   */
  public record Result(
      PruneSelection selection, List<GroupDecision> decisions, double keep, String criterion) {
    public Result {
      decisions = List.copyOf(decisions);
    }

    /** Number of groups actually pruned. */
    public long prunedGroups() {
      return decisions.stream().filter(d -> d.kept() < d.group().width()).count();
    }
  }

  /**
   * Keeps a fraction of every eligible group's channels.
   *
   * @param keep fraction of channels kept per group, in (0, 1]
   * @param block channel counts are rounded up to multiples of this block
   */
  public static Result byFraction(
      ChannelDependencies deps, PruneCriterion criterion, double keep, RankMultiple block) {
    if (!(keep > 0 && keep <= 1)) {
      throw new IllegalArgumentException(
          "the keep fraction of channels must be in (0, 1], found " + keep);
    }
    Map<Integer, int[]> removed = new LinkedHashMap<>();
    List<GroupDecision> decisions = new ArrayList<>();
    int m = block.multiple();
    for (ChannelGroup g : deps.groups()) {
      if (g.filters().isEmpty()) {
        continue; // model inputs and the like: nothing to prune
      }
      int w = g.width();
      if (!g.prunable()) {
        decisions.add(new GroupDecision(g, w, "unprunable: " + String.join("; ", g.reasons())));
        continue;
      }
      if (!g.uniform()) {
        decisions.add(
            new GroupDecision(g, w, "kept whole: channels at offsets (Pad/Concat) across tensors"));
        continue;
      }
      int asked = (int) Math.ceil(keep * w - 1e-9);
      int k = Math.max(m, (asked + m - 1) / m * m);
      if (k >= w) {
        decisions.add(
            new GroupDecision(
                g,
                w,
                asked < w
                    ? "kept whole: " + asked + " of " + w + " rounded up to the block " + m
                    : ""));
        continue;
      }
      String note = k != asked ? asked + " rounded up to " + k + " (block " + m + ")" : "";
      double[] s = criterion.scores(deps, g);
      int[] order = ascending(s);
      removed.put(g.index(), java.util.Arrays.copyOf(order, w - k));
      decisions.add(new GroupDecision(g, k, note));
    }
    return new Result(PruneSelection.of(removed), decisions, keep, criterion.name());
  }

  /**
   * The largest keep fraction (to 1/256) whose pruned model has at most {@code targetMacs} MACs per
   * sample ({@link ModelProfile#totalMacs()}); the smallest fraction when none reaches it (check
   * the returned model's MACs).
   */
  public static Result forMacs(
      ChannelDependencies deps, PruneCriterion criterion, long targetMacs, RankMultiple block) {
    double lo = 1.0 / 256;
    double hi = 1;
    Result best = byFraction(deps, criterion, lo, block);
    if (macs(deps, byFraction(deps, criterion, hi, block)) <= targetMacs) {
      return byFraction(deps, criterion, hi, block);
    }
    for (int i = 0; i < 8; i++) {
      double mid = (lo + hi) / 2;
      Result r = byFraction(deps, criterion, mid, block);
      if (macs(deps, r) <= targetMacs) {
        lo = mid;
        best = r;
      } else {
        hi = mid;
      }
    }
    return best;
  }

  /**
   * The budget allocator for pruning: removes blocks of {@code block} channels, one at a time, from
   * the group where the next block costs least per MAC saved, until the pruned model has at most
   * {@code targetMacs} MACs per sample. The cost of a block is the sum of its channels' scores
   * relative to the group's total (scores are comparable within a group only); the MACs a block
   * saves are measured once per group ({@link ModelProfile}). Every group keeps at least one block.
   * Falls short of the target, and says so in the decisions, when every group is at its minimum.
   */
  public static Result greedyForMacs(
      ChannelDependencies deps, PruneCriterion criterion, long targetMacs, RankMultiple block) {
    int m = block.multiple();
    long total = ModelProfile.of(deps.model()).totalMacs();
    List<ChannelGroup> eligible = new ArrayList<>();
    List<GroupDecision> decisions = new ArrayList<>();
    Map<Integer, int[]> order = new LinkedHashMap<>();
    Map<Integer, double[]> cost = new LinkedHashMap<>();
    Map<Integer, Long> saving = new LinkedHashMap<>();
    for (ChannelGroup g : deps.groups()) {
      if (g.filters().isEmpty()) {
        continue;
      }
      String why = keptWhole(g, m);
      if (why != null) {
        decisions.add(new GroupDecision(g, g.width(), why));
        continue;
      }
      double[] sc = criterion.scores(deps, g);
      double sum = java.util.Arrays.stream(sc).sum();
      int[] o = ascending(sc);
      double[] rel = new double[g.width()];
      for (int u = 0; u < rel.length; u++) {
        rel[u] = sum > 0 ? sc[u] / sum : 0;
      }
      long one =
          total - macs(deps, PruneSelection.of(Map.of(g.index(), java.util.Arrays.copyOf(o, m))));
      if (one <= 0) {
        decisions.add(
            new GroupDecision(g, g.width(), "kept whole: removing channels saves no MACs"));
        continue;
      }
      eligible.add(g);
      order.put(g.index(), o);
      cost.put(g.index(), rel);
      saving.put(g.index(), one);
    }
    Map<Integer, Integer> removed = new LinkedHashMap<>();
    long estimate = total;
    while (estimate > targetMacs) {
      ChannelGroup best = null;
      double bestRatio = Double.POSITIVE_INFINITY;
      for (ChannelGroup g : eligible) {
        int r = removed.getOrDefault(g.index(), 0);
        if (g.width() - r - m < m) {
          continue;
        }
        double c = 0;
        for (int k = r; k < r + m; k++) {
          c += cost.get(g.index())[order.get(g.index())[k]];
        }
        double ratio = c / saving.get(g.index());
        if (ratio < bestRatio) {
          bestRatio = ratio;
          best = g;
        }
      }
      if (best == null) {
        break;
      }
      removed.merge(best.index(), m, Integer::sum);
      estimate -= saving.get(best.index());
    }
    Map<Integer, int[]> sel = new LinkedHashMap<>();
    long keptUnits = 0;
    long allUnits = 0;
    for (ChannelGroup g : eligible) {
      int r = removed.getOrDefault(g.index(), 0);
      keptUnits += g.width() - r;
      allUnits += g.width();
      if (r > 0) {
        sel.put(g.index(), java.util.Arrays.copyOf(order.get(g.index()), r));
      }
      decisions.add(
          new GroupDecision(
              g,
              g.width() - r,
              estimate > targetMacs && g.width() - r - m < m
                  ? "at its minimum of one block: the MACs target is out of reach by pruning"
                  : ""));
    }
    double keep = allUnits == 0 ? 1 : (double) keptUnits / allUnits;
    return new Result(PruneSelection.of(sel), decisions, keep, criterion.name() + ", greedy");
  }

  /**
   * Why an allocator must keep {@code g} whole (unprunable, channels at offsets, fewer than two
   * blocks of {@code m} channels), or null when it may remove blocks of it.
   */
  static String keptWhole(ChannelGroup g, int m) {
    return !g.prunable()
        ? "unprunable: " + String.join("; ", g.reasons())
        : !g.uniform()
            ? "kept whole: channels at offsets (Pad/Concat) across tensors"
            : g.width() < 2 * m
                ? "kept whole: " + g.width() + " channels, fewer than two blocks of " + m
                : null;
  }

  /** Unit indices by ascending score (ties by index): the order channels are removed in. */
  static int[] ascending(double[] scores) {
    return IntStream.range(0, scores.length)
        .boxed()
        .sorted(Comparator.comparingDouble((Integer u) -> scores[u]).thenComparing(u -> u))
        .mapToInt(Integer::intValue)
        .toArray();
  }

  static long macs(ChannelDependencies deps, PruneSelection s) {
    return ModelProfile.of(ChannelPruner.prune(deps, s)).totalMacs();
  }

  private static long macs(ChannelDependencies deps, Result r) {
    Model pruned = ChannelPruner.prune(deps, r.selection());
    return ModelProfile.of(pruned).totalMacs();
  }
}
