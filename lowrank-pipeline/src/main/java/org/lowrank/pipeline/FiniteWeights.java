package org.lowrank.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;

/**
 * Checks that a model's floating-point weights are finite before any work: a NaN or infinite weight
 * makes every decomposition, fidelity number and fine-tuning step meaningless, so it is bad input
 * naming the tensor, the layer that uses it and the first bad element.
 */
public final class FiniteWeights {
  private FiniteWeights() {}

  /**
   * Throws {@link ModelException} at the first floating-point initializer holding NaN or an
   * infinity, in graph order of the layers that use it. {@code file} names the model in the
   * message.
   */
  public static void require(Model model, Path file) {
    Map<String, List<Node>> consumers = model.graph().consumers();
    for (Map.Entry<String, TensorValue> e : model.graph().initializers().entrySet()) {
      TensorValue t = e.getValue();
      if (!t.isFloatingPoint()) {
        continue;
      }
      long n = t.elementCount();
      for (int i = 0; i < n; i++) {
        double v = t.doubleAt(i);
        if (!Double.isFinite(v)) {
          List<Node> users = consumers.getOrDefault(e.getKey(), List.of());
          String layer =
              users.isEmpty()
                  ? "no layer"
                  : "layer '" + users.get(0).name() + "' (" + users.get(0).opType() + ")";
          throw new ModelException(
              file
                  + ": weight tensor '"
                  + e.getKey()
                  + "' of "
                  + layer
                  + " holds "
                  + v
                  + " at element "
                  + i
                  + " of "
                  + n
                  + "; expected finite numbers "
                  + "(the model was probably saved after training diverged: export it again from a "
                  + "good checkpoint)");
        }
      }
    }
  }
}
