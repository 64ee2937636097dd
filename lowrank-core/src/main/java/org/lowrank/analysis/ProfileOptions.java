package org.lowrank.analysis;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The layer-selection rules, one set for the profile ({@code inspect}) and the planner ({@code
 * plan}, {@code compress}). Defaults (MISSION.md): skip layers with fewer than 512 weights, 1x1
 * convolutions, the first convolution and the classifier (the last dense layer). Depthwise and
 * grouped convolutions are always skipped: no low-rank method applies. A layer is decided in this
 * order: excluded by name; no method applies; included (by name, or as first conv / classifier when
 * those are asked for), which lifts the size rules; 1x1; too small; first conv; classifier.
 *
 * @param minWeights layers with fewer weights are "too small"
 * @param skipPointwise skip 1x1 convolutions (their Tucker-2/CP/TT chains are 1x1 chains)
 * @param keepFirstConv leave the first convolution as it is (few weights, sensitive)
 * @param keepClassifier leave the last dense layer as it is
 * @param include layer names to factorize even if a size or position rule would skip them
 * @param exclude layer names never to factorize
 */
public record ProfileOptions(
    long minWeights,
    boolean skipPointwise,
    boolean keepFirstConv,
    boolean keepClassifier,
    Set<String> include,
    Set<String> exclude) {
  public static final ProfileOptions DEFAULTS = new ProfileOptions(512, true);

  /** How many layer names an unknown-name error lists before pointing at {@code inspect}. */
  private static final int NAMES_SHOWN = 8;

  public ProfileOptions {
    if (minWeights < 0) {
      throw new IllegalArgumentException("minWeights must be >= 0, found " + minWeights);
    }
    include = Set.copyOf(include);
    exclude = Set.copyOf(exclude);
    for (String n : include) {
      if (exclude.contains(n)) {
        throw new IllegalArgumentException(
            "layer '" + n + "' is both included and excluded; drop it from --include or --exclude");
      }
    }
  }

  /** The default position rules (first conv and classifier kept), no names. */
  public ProfileOptions(long minWeights, boolean skipPointwise) {
    this(minWeights, skipPointwise, true, true, Set.of(), Set.of());
  }

  /** These rules with 1x1 convolutions considered too. */
  public ProfileOptions withPointwise() {
    return new ProfileOptions(minWeights, false, keepFirstConv, keepClassifier, include, exclude);
  }

  /**
   * Applies the rules to profiled layers whose {@link LayerProfile#methods()} say what applies to
   * the layer as such.
   *
   * @param layers the layers in graph order (not modified)
   * @return the layers, those the rules skip replaced by skipped copies
   */
  public List<LayerProfile> apply(List<LayerProfile> layers) {
    String firstConv =
        layers.stream()
            .filter(LayerProfile::isConv)
            .map(LayerProfile::name)
            .findFirst()
            .orElse(null);
    String classifier = null;
    for (LayerProfile l : layers) {
      if (!l.isConv()) {
        classifier = l.name();
      }
    }
    List<LayerProfile> out = new ArrayList<>(layers.size());
    for (LayerProfile l : layers) {
      boolean first = l.name().equals(firstConv);
      boolean last = l.name().equals(classifier);
      boolean included =
          include.contains(l.name()) || (first && !keepFirstConv) || (last && !keepClassifier);
      if (exclude.contains(l.name())) {
        out.add(l.skipped(SkipRule.EXCLUDED, "excluded by --exclude"));
      } else if (!l.isFactorizable() || included) {
        out.add(l);
      } else if (skipPointwise && l.isPointwise()) {
        out.add(
            l.skipped(
                SkipRule.POINTWISE,
                "1x1 conv: pointwise layers are skipped by default (--include-pointwise to factorize)"));
      } else if (l.weightCount() < minWeights) {
        out.add(
            l.skipped(
                SkipRule.TOO_SMALL,
                "too small: "
                    + l.weightCount()
                    + " weights < "
                    + minWeights
                    + " (--min-weights or --include "
                    + l.name()
                    + " to factorize)"));
      } else if (first && keepFirstConv) {
        out.add(
            l.skipped(
                SkipRule.FIRST_CONV, "first conv: kept by default (--include-first to factorize)"));
      } else if (last && keepClassifier) {
        out.add(
            l.skipped(
                SkipRule.CLASSIFIER,
                "classifier: kept by default (--include-classifier to factorize)"));
      } else {
        out.add(l);
      }
    }
    return out;
  }

  /**
   * Checks that every included and excluded name is a layer of the profiled model.
   *
   * @param source the model file or name, for the message
   * @throws IllegalArgumentException naming the unknown layer and some of the model's layers
   */
  public void requireKnownLayers(ModelProfile profile, Object source) {
    Set<String> names = new LinkedHashSet<>();
    profile.layers().forEach(l -> names.add(l.name()));
    for (Set<String> given : List.of(include, exclude)) {
      for (String n : given) {
        if (!names.contains(n)) {
          List<String> some = names.stream().limit(NAMES_SHOWN).toList();
          throw new IllegalArgumentException(
              source
                  + ": "
                  + (given == include ? "--include" : "--exclude")
                  + " "
                  + n
                  + ": no Conv/ConvTranspose/Gemm/MatMul layer of that name; its layers are "
                  + some
                  + (names.size() > NAMES_SHOWN
                      ? " and " + (names.size() - NAMES_SHOWN) + " more"
                      : "")
                  + " (lowrank inspect MODEL lists them)");
        }
      }
    }
  }
}
