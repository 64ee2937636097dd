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
      int[] order =
          IntStream.range(0, w)
              .boxed()
              .sorted(Comparator.comparingDouble((Integer u) -> s[u]).thenComparing(u -> u))
              .mapToInt(Integer::intValue)
              .toArray();
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

  private static long macs(ChannelDependencies deps, Result r) {
    Model pruned = ChannelPruner.prune(deps, r.selection());
    return ModelProfile.of(pruned).totalMacs();
  }
}
