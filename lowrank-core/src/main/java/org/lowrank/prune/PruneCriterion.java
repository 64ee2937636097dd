package org.lowrank.prune;

/**
 * Importance of each channel of a group: the lowest-scored channels are pruned first. Scores are
 * comparable within a group only.
 */
public interface PruneCriterion {
  /** The name used on the command line and in reports, e.g. "l1". */
  String name();

  /**
   * Scores of the units of {@code group}, higher = more important.
   *
   * @return one score per unit, length {@code group.width()}
   */
  double[] scores(ChannelDependencies deps, ChannelGroup group);
}
