package org.lowrank.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.lowrank.analysis.ProfileOptions;
import picocli.CommandLine.Option;

/**
 * Which layers may be factorized, the same options on inspect, plan, compress and demo. They map to
 * one {@link ProfileOptions}, which both the profile (inspect's "factorizable" counts) and the
 * planner use, so inspect counts exactly the layers compress would consider.
 */
public final class LayerRuleOptions {
  @Option(
      names = "--include-pointwise",
      description = "Also factorize 1x1 convolutions (skipped by default).")
  boolean includePointwise;

  @Option(
      names = "--include-first",
      description = "Also factorize the first convolution (kept by default).")
  boolean includeFirst;

  @Option(
      names = "--include-classifier",
      description = "Also factorize the classifier, the last dense layer (kept by default).")
  boolean includeClassifier;

  @Option(
      names = "--include",
      split = ",",
      paramLabel = "LAYER",
      description =
          "Factorize these layers even if a default rule (size, 1x1, first, classifier) skips them.")
  List<String> include = new ArrayList<>();

  @Option(
      names = "--exclude",
      split = ",",
      paramLabel = "LAYER",
      description = "Never factorize these layers.")
  List<String> exclude = new ArrayList<>();

  @Option(
      names = "--min-weights",
      paramLabel = "N",
      defaultValue = "512",
      description =
          "Layers with fewer weights are skipped as too small (default: ${DEFAULT-VALUE}).")
  long minWeights;

  /** The rules these options describe. */
  ProfileOptions rules() {
    if (minWeights < 0) {
      throw new IllegalArgumentException("--min-weights must be >= 0, found " + minWeights);
    }
    return new ProfileOptions(
        minWeights,
        !includePointwise,
        !includeFirst,
        !includeClassifier,
        new LinkedHashSet<>(include),
        new LinkedHashSet<>(exclude));
  }
}
