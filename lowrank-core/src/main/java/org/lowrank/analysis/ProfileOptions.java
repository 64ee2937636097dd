package org.lowrank.analysis;

/**
 * Layer-selection rules of the profile (MISSION.md defaults: skip layers with fewer than 512
 * weights, 1x1 convolutions and grouped/depthwise convolutions).
 *
 * @param minWeights layers with fewer weights are "too small"
 * @param skipPointwise skip 1x1 convolutions (their Tucker-2/CP/TT chains are 1x1 chains)
 */
public record ProfileOptions(long minWeights, boolean skipPointwise) {
  public static final ProfileOptions DEFAULTS = new ProfileOptions(512, true);

  public ProfileOptions {
    if (minWeights < 0) {
      throw new IllegalArgumentException("minWeights must be >= 0, found " + minWeights);
    }
  }
}
