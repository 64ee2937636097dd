package org.lowrank.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.analysis.InferredShapes;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.analysis.ProfileOptions;
import org.lowrank.analysis.ShapeInference;
import org.lowrank.analysis.WeightFolding;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerRewriter;

/**
 * Latency of one layer alone, original vs factorized: answers "does this factorization really run
 * faster?" per layer, so a planner can drop candidates that cut FLOPs but not time. The layer is
 * cut out of its model ({@link #isolate}) with its inferred input shape and a symbolic batch.
 */
public final class LayerLatency {
  private LayerLatency() {}

  /**
   * A model holding only {@code layer} of {@code model}: its data input (shape from shape inference
   * with the batch made symbolic), its constant inputs (after {@link WeightFolding}) and its
   * output.
   *
   * @throws ModelException when the layer is missing or its input shape cannot be inferred
   */
  public static Model isolate(Model model, String layer) {
    return isolate(model, layer, Map.of());
  }

  /**
   * As {@link #isolate(Model, String)}, with the model's input shapes given by name (needed when an
   * input has a symbolic dimension other than the leading batch).
   */
  public static Model isolate(Model model, String layer, Map<String, long[]> inputShapes) {
    Model folded = WeightFolding.fold(model);
    Graph g = folded.graph();
    Node node = LayerRewriter.findLayer(g, layer);
    InferredShapes shapes = ShapeInference.infer(folded, inputShapes);
    Graph.Builder b = Graph.builder().name(layer);
    int dataInputs = 0;
    for (int i = 0; i < node.inputs().size(); i++) {
      String in = node.input(i);
      if (in.isEmpty()) {
        continue;
      }
      if (g.initializers().containsKey(in)) {
        b.putInitializer(in, g.initializers().get(in));
        continue;
      }
      long[] dims = shapes.require(in);
      b.addInput(withSymbolicBatch(in, dims, batchAxis(node, i, dims.length)));
      dataInputs++;
    }
    if (dataInputs != 1) {
      throw new ModelException(
          node, "expected one non-constant input to time the layer alone, found " + dataInputs);
    }
    b.addNode(node);
    for (String out : node.outputs()) {
      List<ValueInfo.Dim> dims = new ArrayList<>();
      for (int d = 0; d < shapes.require(out).length; d++) {
        dims.add(ValueInfo.Dim.symbolic(out + "_d" + d));
      }
      b.addOutput(new ValueInfo(out, DataType.FLOAT, dims));
    }
    return folded.withGraph(b.build());
  }

  /**
   * Latency of {@code layer} alone and of its rewrite with {@code spec}, interleaved, at each batch
   * size; the FLOPs ratio is the MAC ratio of the two single-layer models.
   */
  public static LatencyComparison compare(
      Model model,
      String layer,
      FactorizedLayer spec,
      int[] batchSizes,
      LatencyBenchmark.Settings settings) {
    return compareIsolated(isolate(model, layer), layer, spec, batchSizes, settings);
  }

  /** As {@link #compare}, on a model already cut down by {@link #isolate}. */
  public static LatencyComparison compareIsolated(
      Model alone,
      String layer,
      FactorizedLayer spec,
      int[] batchSizes,
      LatencyBenchmark.Settings settings) {
    Model factorized = LayerRewriter.rewrite(alone, layer, spec);
    Map<String, long[]> batchOne = new LinkedHashMap<>();
    for (ValueInfo in : alone.graph().runtimeInputs()) {
      long[] dims = in.dims();
      for (int d = 0; d < dims.length; d++) {
        dims[d] = Math.max(dims[d], 1);
      }
      batchOne.put(in.name(), dims);
    }
    double ratio =
        (double) ModelProfile.of(factorized, batchOne, ProfileOptions.DEFAULTS).totalMacs()
            / ModelProfile.of(alone, batchOne, ProfileOptions.DEFAULTS).totalMacs();
    String label = layer + " " + spec.method() + " ranks " + Arrays.toString(spec.ranks());
    return LatencyBenchmark.compare(
        label,
        OnnxWriter.toBytes(alone),
        OnnxWriter.toBytes(factorized),
        ratio,
        batchSizes,
        settings);
  }

  /** The batch axis of input {@code i}: last for MatMul(W, X), 1 for Gemm with transA, else 0. */
  private static int batchAxis(Node node, int i, int rank) {
    if (node.opType().equals("MatMul") && i == 1) {
      return rank - 1;
    }
    if (node.opType().equals("Gemm") && node.attrLong("transA", 0) != 0) {
      return 1;
    }
    return 0;
  }

  private static ValueInfo withSymbolicBatch(String name, long[] dims, int axis) {
    List<ValueInfo.Dim> shape = new ArrayList<>();
    for (int d = 0; d < dims.length; d++) {
      shape.add(d == axis ? ValueInfo.Dim.symbolic("N") : ValueInfo.Dim.of(dims[d]));
    }
    return new ValueInfo(name, DataType.FLOAT, shape);
  }
}
