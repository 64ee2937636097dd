package org.lowrank.prune;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The channels to remove: per group index, the sorted unit indices (see {@link ChannelGroup}).
 * Immutable; {@link #validate} checks it against the groups.
 */
public final class PruneSelection {
  private final Map<Integer, int[]> removed;

  private PruneSelection(Map<Integer, int[]> removed) {
    Map<Integer, int[]> m = new TreeMap<>();
    removed.forEach(
        (g, units) -> {
          int[] u = units.clone();
          Arrays.sort(u);
          if (u.length > 0) {
            m.put(g, u);
          }
        });
    this.removed = Collections.unmodifiableMap(m);
  }

  /** Removes {@code units} of each group given by index. */
  public static PruneSelection of(Map<Integer, int[]> removed) {
    return new PruneSelection(removed);
  }

  /** Removes the given units of one group. */
  public static PruneSelection of(ChannelGroup group, int... units) {
    return new PruneSelection(Map.of(group.index(), units));
  }

  /** Nothing removed. */
  public static PruneSelection none() {
    return new PruneSelection(Map.of());
  }

  /** A selection with the units of {@code other} added. */
  public PruneSelection plus(PruneSelection other) {
    Map<Integer, int[]> m = new LinkedHashMap<>(removed);
    other.removed.forEach(
        (g, u) ->
            m.merge(
                g,
                u,
                (a, b) ->
                    java.util.stream.IntStream.concat(Arrays.stream(a), Arrays.stream(b))
                        .distinct()
                        .toArray()));
    return new PruneSelection(m);
  }

  /** Group index -> removed unit indices, sorted (copies). */
  public Map<Integer, int[]> removed() {
    Map<Integer, int[]> out = new TreeMap<>();
    removed.forEach((g, u) -> out.put(g, u.clone()));
    return out;
  }

  /** True when unit {@code unit} of group {@code group} is removed. */
  public boolean isRemoved(int group, int unit) {
    int[] u = removed.get(group);
    return u != null && Arrays.binarySearch(u, unit) >= 0;
  }

  /** Number of units removed from {@code group}. */
  public int removedCount(int group) {
    int[] u = removed.get(group);
    return u == null ? 0 : u.length;
  }

  public boolean isEmpty() {
    return removed.isEmpty();
  }

  /**
   * Checks every group exists, is prunable and keeps at least one channel in each of its tensors.
   *
   * @throws IllegalArgumentException naming the group, what is wrong and the reasons it cannot be
   *     pruned
   */
  public void validate(ChannelDependencies deps) {
    for (Map.Entry<Integer, int[]> e : removed.entrySet()) {
      int gi = e.getKey();
      if (gi < 0 || gi >= deps.groups().size()) {
        throw new IllegalArgumentException(
            "channel group " + gi + " does not exist (the model has " + deps.groups().size() + ")");
      }
      ChannelGroup g = deps.groups().get(gi);
      if (!g.prunable()) {
        throw new IllegalArgumentException(
            "channel group "
                + g.label()
                + " cannot be pruned: "
                + String.join("; ", g.reasons())
                + " (leave it out of the selection)");
      }
      for (int u : e.getValue()) {
        if (u < 0 || u >= g.width()) {
          throw new IllegalArgumentException(
              "channel " + u + " is outside group " + g.label() + " of " + g.width() + " channels");
        }
      }
      for (Map.Entry<String, int[]> t : g.tensors().entrySet()) {
        boolean keepsOne = false;
        for (int u : t.getValue()) {
          keepsOne |= !isRemoved(gi, u);
        }
        if (!keepsOne) {
          throw new IllegalArgumentException(
              "pruning group "
                  + g.label()
                  + " would remove every channel of '"
                  + t.getKey()
                  + "'; keep at least one");
        }
      }
    }
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("PruneSelection{");
    removed.forEach((g, u) -> b.append(g).append('=').append(Arrays.toString(u)).append(' '));
    return b.append('}').toString();
  }
}
