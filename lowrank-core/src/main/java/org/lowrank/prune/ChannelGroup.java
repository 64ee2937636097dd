package org.lowrank.prune;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A set of coupled channels: the output channels of one or more producers (Conv filters, Gemm rows,
 * the zero channels a Pad adds) and every tensor they flow into, which must lose the same channels
 * together. Residual Adds merge the channels of both branches; a channel Pad or Concat places them
 * at an offset, so a tensor of the group may hold only some of its channels. Immutable.
 *
 * @param index position in {@link ChannelDependencies#groups()}
 * @param width number of channels (units) of the group
 * @param tensors the group's tensors; per tensor, the unit held at each channel position
 * @param filters the producer rows that make each unit (a unit of a residual group has one per
 *     branch)
 * @param reasons why the group cannot be pruned; empty when it can
 */
public record ChannelGroup(
    int index, int width, Map<String, int[]> tensors, List<Filter> filters, List<String> reasons) {

  /**
   * Output channel {@code row} of producer {@code node} makes unit {@code unit} of the group.
   *
   * @param node producer node name (Conv, Gemm or MatMul)
   * @param unit unit index in the group
   * @param row output channel of the node (weight row of a Conv, output column of a Gemm)
   */
  public record Filter(String node, int unit, int row) {}

  public ChannelGroup {
    tensors = Map.copyOf(tensors);
    filters = List.copyOf(filters);
    reasons = List.copyOf(reasons);
  }

  /** True when the group's channels can be removed. */
  public boolean prunable() {
    return reasons.isEmpty();
  }

  /** True when every tensor of the group holds all its units (no Pad/Concat offsets). */
  public boolean uniform() {
    for (int[] units : tensors.values()) {
      if (units.length != width) {
        return false;
      }
    }
    return true;
  }

  /** The producer nodes (filters) of the group, in graph order of first appearance. */
  public List<String> producers() {
    Set<String> out = new LinkedHashSet<>();
    filters.forEach(f -> out.add(f.node()));
    return new ArrayList<>(out);
  }

  /** A short label: the first producer and the width, e.g. "/layer1/conv1/Conv +2 (16 ch)". */
  public String label() {
    List<String> p = producers();
    String head = p.isEmpty() ? "group " + index : p.get(0);
    return head + (p.size() > 1 ? " +" + (p.size() - 1) : "") + " (" + width + " ch)";
  }
}
