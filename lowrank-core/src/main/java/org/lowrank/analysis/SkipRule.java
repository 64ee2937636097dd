package org.lowrank.analysis;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Why a layer is not factorized, and the option that would change that ({@link #option()} is null
 * when no option can: no low-rank method applies to such a layer).
 */
public enum SkipRule {
  /** Named in the exclude list. */
  EXCLUDED("excluded", "--exclude"),
  /** Depthwise convolution: no channel mixing to factorize. */
  DEPTHWISE("depthwise", null),
  /** Grouped convolution: the conv factorizations need groups = 1. */
  GROUPED("grouped", null),
  /**
   * A layer shape no method handles (conv with more than 3 spatial axes, MatMul with a tensor
   * weight).
   */
  UNSUPPORTED("unsupported shape", null),
  /** The weight is computed at run time, not a constant. */
  RUNTIME_WEIGHT("computed weight", null),
  /** 1x1 convolution, skipped by default. */
  POINTWISE("pointwise 1x1", "--include-pointwise"),
  /** Fewer weights than the minimum. */
  TOO_SMALL("too small", "--min-weights N or --include LAYER"),
  /** No rank of any method is cheaper than the layer. */
  NO_GAIN("no cheaper rank", null),
  /** The first convolution, kept by default. */
  FIRST_CONV("first conv", "--include-first"),
  /** The classifier (last dense layer), kept by default. */
  CLASSIFIER("classifier", "--include-classifier"),
  /** None of the requested methods applies to this kind of layer. */
  METHOD("no requested method", "--method");

  private final String label;
  private final String option;

  SkipRule(String label, String option) {
    this.label = label;
    this.option = option;
  }

  /** Short label, e.g. "pointwise 1x1". */
  public String label() {
    return label;
  }

  /** The option that would factorize such a layer, or null when none would. */
  public String option() {
    return option;
  }

  /** "10 pointwise 1x1 (--include-pointwise)", "1 depthwise (no low-rank method)". */
  public String count(long n) {
    return n + " " + label + " (" + (option == null ? "no low-rank method" : option) + ")";
  }

  /** Skipped layers per rule, in rule order (factorizable layers are not counted). */
  public static Map<SkipRule, Long> counts(List<LayerProfile> layers) {
    Map<SkipRule, Long> out = new EnumMap<>(SkipRule.class);
    layers.stream()
        .filter(l -> !l.isFactorizable())
        .forEach(l -> out.merge(l.skipRule(), 1L, Long::sum));
    return out;
  }

  /**
   * One line counting skipped layers by rule, e.g. "12 layers skipped: 10 pointwise 1x1
   * (--include-pointwise), 1 first conv (--include-first), 1 depthwise (no low-rank method)".
   *
   * @param counts layers per rule (not modified); iteration order is kept
   */
  public static String summary(Map<SkipRule, Long> counts) {
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    StringJoiner j =
        new StringJoiner(
            ", ",
            String.format(Locale.ROOT, "%d layer%s skipped: ", total, total == 1 ? "" : "s"),
            "");
    counts.forEach((rule, n) -> j.add(rule.count(n)));
    return j.toString();
  }
}
