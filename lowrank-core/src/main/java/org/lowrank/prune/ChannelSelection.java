package org.lowrank.prune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.lowrank.cost.RankMultiple;

/**
 * Chooses the channels to remove: in every eligible group (prunable, every tensor holding all its
 * channels, at least one filter) keep the {@code ceil(keep * width)} best-scored channels, the
 * count rounded up to the rank block ({@link RankMultiple}) so ONNX Runtime's blocked convolutions
 * still apply. Groups at channel offsets (Pad/Concat) are kept whole, like the residual spine of a
 * ResNet in Li et al. 2017; a group whose width does not allow an aligned smaller count is kept
 * whole too. Every such decision is recorded, never silent. The keep counts under a budget are
 * chosen by the planner's allocator ({@link PlannedPruning}).
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
}
