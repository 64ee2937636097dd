package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;

/** The fidelity check on a two-layer MLP whose second layer is damaged on purpose. */
class FidelityCheckTest {
  private static final List<FidelityCheck.LayerProbe> PROBES =
      List.of(
          new FidelityCheck.LayerProbe("fc1", "x", "h"),
          new FidelityCheck.LayerProbe("fc2", "r", "y"));

  /** x [N, 8] -> Gemm fc1 -> h -> Relu -> r -> Gemm fc2 -> y [N, 5]. */
  static Model mlp(TensorValue w1, TensorValue w2) {
    Graph g =
        Graph.builder()
            .name("mlp")
            .addInput(SyntheticModels.batched("x", 8))
            .putInitializer("fc1.weight", w1)
            .putInitializer("fc2.weight", w2)
            .addNode(
                Node.builder("Gemm")
                    .name("fc1")
                    .inputs("x", "fc1.weight")
                    .outputs("h")
                    .attr("transB", 1L)
                    .build())
            .addNode(Node.builder("Relu").name("relu").inputs("h").outputs("r").build())
            .addNode(
                Node.builder("Gemm")
                    .name("fc2")
                    .inputs("r", "fc2.weight")
                    .outputs("y")
                    .attr("transB", 1L)
                    .build())
            .addOutput(SyntheticModels.symbolicShape("y", 2))
            .build();
    return Model.of(g, SyntheticModels.OPSET);
  }

  static List<Map<String, TensorValue>> feeds(int batches) {
    Random rnd = new Random(7);
    List<Map<String, TensorValue>> out = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      out.add(Map.of("x", SyntheticModels.random(rnd, 16, 8)));
    }
    return out;
  }

  @Test
  void identicalModelsAgreeExactly() {
    Random rnd = new Random(1);
    Model m = mlp(SyntheticModels.random(rnd, 12, 8), SyntheticModels.random(rnd, 5, 12));
    FidelityCheck.Measurement r =
        FidelityCheck.measure(m, m, PROBES, feeds(2), RuntimeOptions.singleThreaded());
    assertEquals(32, r.samples());
    assertEquals(1.0, r.top1Agreement());
    assertEquals(0.0, r.outputError());
    assertEquals(0.0, r.layers().get(1).outputError());
  }

  @Test
  void outputRmsIsTheOriginalsScale() {
    Random rnd = new Random(1);
    TensorValue w1 = SyntheticModels.random(rnd, 12, 8);
    TensorValue w2 = SyntheticModels.random(rnd, 5, 12);
    float[] doubled = w2.toFloatArray();
    for (int i = 0; i < doubled.length; i++) {
      doubled[i] *= 2;
    }
    Model m = mlp(w1, w2);
    Model m2 = mlp(w1, TensorValue.ofFloats(w2.dims(), doubled));
    double rms =
        FidelityCheck.measure(m, m, PROBES, feeds(2), RuntimeOptions.singleThreaded()).outputRms();
    double rms2 =
        FidelityCheck.measure(m2, m, PROBES, feeds(2), RuntimeOptions.singleThreaded()).outputRms();
    assertTrue(rms > 0.01, "rms " + rms);
    assertEquals(2 * rms, rms2, 1e-6 * rms, "the original's (first model's) output sets the scale");
    Model zero = mlp(w1, TensorValue.ofFloats(w2.dims(), new float[doubled.length]));
    assertEquals(
        0.0,
        FidelityCheck.measure(zero, m, PROBES, feeds(1), RuntimeOptions.singleThreaded())
            .outputRms());
  }

  @Test
  void theDamagedLayerAddsTheError() {
    Random rnd = new Random(1);
    TensorValue w1 = SyntheticModels.random(rnd, 12, 8);
    TensorValue w2 = SyntheticModels.random(rnd, 5, 12);
    float[] damaged = w2.toFloatArray();
    for (int i = 0; i < damaged.length; i += 2) {
      damaged[i] = 0;
    }
    FidelityCheck.Measurement r =
        FidelityCheck.measure(
            mlp(w1, w2),
            mlp(w1, TensorValue.ofFloats(w2.dims(), damaged)),
            PROBES,
            feeds(2),
            RuntimeOptions.singleThreaded());
    FidelityCheck.LayerError fc1 = r.layers().get(0);
    FidelityCheck.LayerError fc2 = r.layers().get(1);
    assertEquals(0.0, fc1.inputError(), "x is a graph input");
    assertEquals(0.0, fc1.outputError(), "fc1 is untouched");
    assertEquals(0.0, fc2.inputError());
    assertTrue(fc2.added() > 0.3, "half of fc2's weights zeroed: " + fc2);
    assertEquals(fc2.outputError(), r.outputError(), 1e-12, "fc2 produces the model output");
    assertTrue(r.top1Agreement() < 1.0, "some predictions change: " + r.top1Agreement());
  }

  @Test
  void nonFiniteOutputsNeverAgree() {
    Random rnd = new Random(1);
    TensorValue w1 = SyntheticModels.random(rnd, 12, 8);
    float[] rows = SyntheticModels.random(rnd, 5, 12).toFloatArray();
    java.util.Arrays.fill(rows, 0, 12, 10f); // class 0 wins everywhere: argmax of NaNs is not it
    TensorValue w2 = TensorValue.ofFloats(new long[] {5, 12}, rows);
    float[] nan = w1.toFloatArray();
    java.util.Arrays.fill(nan, Float.NaN);
    FidelityCheck.Measurement r =
        FidelityCheck.measure(
            mlp(w1, w2),
            mlp(TensorValue.ofFloats(w1.dims(), nan), w2),
            PROBES,
            feeds(1),
            RuntimeOptions.singleThreaded());
    assertEquals(0.0, r.top1Agreement());
    assertEquals(Double.POSITIVE_INFINITY, r.outputError());
    assertEquals(Double.POSITIVE_INFINITY, r.layers().get(0).outputError());
  }
}
