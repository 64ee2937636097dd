package org.lowrank.plan.select;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.lowrank.analysis.LayerProfile;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.analysis.ProfileOptions;
import org.lowrank.analysis.SkipRule;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.Method;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.plan.LayerDecision;
import org.lowrank.rewrite.ConvLayer;
import org.lowrank.rewrite.DenseLayer;
import org.lowrank.tensor.DenseTensor;

/**
 * Which analyzed layers the planner may factorize: those the profile, built with {@link #rules()},
 * marks factorizable and that one of the requested methods applies to. The rules are the object
 * {@code inspect} profiles with too, so both count the same layers. Every skipped layer gets a
 * reason in the plan.
 *
 * @param rules the layer rules (size, 1x1, first conv, classifier, names); profile with these
 * @param methods the methods the user asked for (a layer with none of them applicable is skipped)
 */
public record LayerSelection(ProfileOptions rules, List<Method> methods) {

  public LayerSelection {
    Objects.requireNonNull(rules, "rules");
    methods = List.copyOf(methods);
  }

  /**
   * Default size rules with the given names and position rules.
   *
   * @param include layer names to factorize even if a default rule would skip them
   * @param exclude layer names never to factorize
   * @param keepFirstConv leave the first convolution as it is
   * @param keepClassifier leave the last dense layer as it is
   */
  public LayerSelection(
      Set<String> include,
      Set<String> exclude,
      boolean keepFirstConv,
      boolean keepClassifier,
      List<Method> methods) {
    this(
        new ProfileOptions(
            ProfileOptions.DEFAULTS.minWeights(),
            ProfileOptions.DEFAULTS.skipPointwise(),
            keepFirstConv,
            keepClassifier,
            include,
            exclude),
        methods);
  }

  /** Default rules for the given methods. */
  public static LayerSelection defaults(List<Method> methods) {
    return new LayerSelection(ProfileOptions.DEFAULTS, methods);
  }

  /**
   * The selected layers (with their weights), a decision for each skipped one, and how many layers
   * each rule skipped (in rule order).
   */
  public record Result(
      List<LayerInput> selected, List<LayerDecision> skipped, Map<SkipRule, Long> skipCounts) {
    public Result {
      selected = List.copyOf(selected);
      skipped = List.copyOf(skipped);
      skipCounts = Collections.unmodifiableMap(new EnumMap<>(skipCounts));
    }

    /** "N layers skipped: ..." by rule, each with the option that would include such layers. */
    public String skipSummary() {
      return SkipRule.summary(skipCounts);
    }
  }

  /**
   * Applies the requested methods to a model profiled with {@link #rules()}.
   *
   * @param source the model file, for error messages
   * @throws IllegalArgumentException when an included or excluded name is not a layer of the model
   */
  public Result apply(Model model, ModelProfile profile, Object source) {
    rules.requireKnownLayers(profile, source);
    Graph g = model.graph();
    List<LayerInput> selected = new ArrayList<>();
    List<LayerDecision> skipped = new ArrayList<>();
    Map<SkipRule, Long> counts = new EnumMap<>(SkipRule.class);
    for (LayerProfile l : profile.layers()) {
      SkipRule rule = l.skipRule();
      String reason = l.skipReason();
      if (rule == null && methods.stream().noneMatch(m -> m.appliesTo(l.geometry()))) {
        rule = SkipRule.METHOD;
        reason = "no requested method applies to " + l.kind() + " (--method)";
      }
      if (rule != null) {
        skipped.add(
            LayerDecision.skipped(l.name(), l.kind(), CostModel.original(l.geometry()), reason));
        counts.merge(rule, 1L, Long::sum);
      } else {
        selected.add(new LayerInput(l.name(), l.kind(), l.geometry(), weight(g, l)));
      }
    }
    return new Result(selected, skipped, counts);
  }

  /** {@link #apply(Model, ModelProfile, Object)} for an unnamed model. */
  public Result apply(Model model, ModelProfile profile) {
    return apply(model, profile, "the model");
  }

  private static DenseTensor weight(Graph g, LayerProfile l) {
    var node = org.lowrank.rewrite.LayerRewriter.findLayer(g, l.name());
    var w = l.isConv() ? ConvLayer.of(g, node).weight() : DenseLayer.of(g, node).weight();
    int[] shape = new int[w.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = Math.toIntExact(w.dim(i));
    }
    return DenseTensor.fromFloats(w.toFloatArray(), shape);
  }
}
