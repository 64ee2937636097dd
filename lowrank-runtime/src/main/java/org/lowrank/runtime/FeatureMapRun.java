package org.lowrank.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;

/**
 * Intermediate feature maps of a model in ONNX Runtime: the tapped tensors are added as model
 * outputs and the model is run once on the given batch. Used by data-driven pruning criteria.
 */
public final class FeatureMapRun {
  private FeatureMapRun() {}

  /**
   * The values of {@code taps} on one batch.
   *
   * @param model the model (not modified)
   * @param taps names of tensors computed by the model
   * @param feeds one batch per model input
   * @return tap name -> value, in the order of {@code taps}
   */
  public static Map<String, TensorValue> collect(
      Model model, Set<String> taps, Map<String, TensorValue> feeds, RuntimeOptions options) {
    try (OrtRunner r =
        OrtRunner.open(FidelityCheck.withOutputs(model, taps), "feature-map taps", options)) {
      Map<String, TensorValue> all = r.run(feeds);
      Map<String, TensorValue> out = new LinkedHashMap<>();
      for (String t : taps) {
        out.put(t, all.get(t));
      }
      return out;
    }
  }
}
