package org.lowrank.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.lowrank.analysis.LayerProfile;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.plan.CostModel;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Method;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.rewrite.ConvLayer;
import org.lowrank.rewrite.DenseLayer;
import org.lowrank.tensor.DenseTensor;

/**
 * Which analyzed layers the planner may factorize. Defaults follow common practice (MISSION.md):
 * layers the profile marks as skipped (depthwise/grouped, too small, 1x1 when so configured) stay
 * skipped; the first convolution and the classifier (the last dense layer) are kept unless asked
 * for; explicit names override everything. Every skipped layer gets a reason in the plan.
 *
 * @param include layer names to factorize even if a default rule would skip them
 * @param exclude layer names never to factorize
 * @param keepFirstConv leave the first convolution as it is (few weights, sensitive)
 * @param keepClassifier leave the last dense layer as it is
 * @param methods the methods the user asked for (a layer with none of them applicable is skipped)
 */
public record LayerSelection(
    Set<String> include, Set<String> exclude, boolean keepFirstConv, boolean keepClassifier,
    List<Method> methods) {

  public LayerSelection {
    include = Set.copyOf(include);
    exclude = Set.copyOf(exclude);
    methods = List.copyOf(methods);
  }

  /** Default rules for the given methods. */
  public static LayerSelection defaults(List<Method> methods) {
    return new LayerSelection(Set.of(), Set.of(), true, true, methods);
  }

  /** The selected layers (with their weights) and a decision for each skipped one. */
  public record Result(List<LayerInput> selected, List<LayerDecision> skipped) {}

  /**
   * Applies the rules to a profiled model.
   *
   * @throws IllegalArgumentException when an included or excluded name is not a layer of the model
   */
  public Result apply(Model model, ModelProfile profile) {
    Set<String> names = new LinkedHashSet<>();
    profile.layers().forEach(l -> names.add(l.name()));
    for (String n : union(include, exclude)) {
      if (!names.contains(n)) {
        throw new IllegalArgumentException(
            "layer '" + n + "' is not a Conv/Gemm/MatMul layer of the model; its layers are " + names);
      }
    }
    String firstConv = profile.layers().stream().filter(LayerProfile::isConv).map(LayerProfile::name)
        .findFirst().orElse(null);
    String classifier = null;
    for (LayerProfile l : profile.layers()) {
      if (!l.isConv()) {
        classifier = l.name();
      }
    }
    Graph g = model.graph();
    List<LayerInput> selected = new ArrayList<>();
    List<LayerDecision> skipped = new ArrayList<>();
    for (LayerProfile l : profile.layers()) {
      String reason = skipReason(l, firstConv, classifier);
      if (reason != null) {
        var cost = CostModel.original(l.geometry());
        skipped.add(LayerDecision.skipped(l.name(), l.kind(), cost, reason));
      } else {
        selected.add(new LayerInput(l.name(), l.kind(), l.geometry(), weight(g, l)));
      }
    }
    return new Result(selected, skipped);
  }

  private String skipReason(LayerProfile l, String firstConv, String classifier) {
    if (exclude.contains(l.name())) {
      return "excluded by name";
    }
    boolean anyMethod = methods.stream().anyMatch(m -> m.forConv() == l.isConv());
    if (!anyMethod) {
      return "no requested method applies to " + l.kind();
    }
    if (include.contains(l.name())) {
      return l.groups() > 1 ? l.skipReason() : null; // grouped convs cannot be factorized
    }
    if (!l.isFactorizable()) {
      return l.skipReason();
    }
    if (keepFirstConv && l.name().equals(firstConv)) {
      return "first convolution kept (use --include to factorize it)";
    }
    if (keepClassifier && l.name().equals(classifier)) {
      return "classifier kept (use --include to factorize it)";
    }
    return null;
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

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> s = new LinkedHashSet<>(a);
    s.addAll(b);
    return s;
  }
}
