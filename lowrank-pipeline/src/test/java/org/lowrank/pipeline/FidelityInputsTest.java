package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lowrank.analysis.InputShapes;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;

/**
 * The fidelity check's inputs stay bounded for large images and keep 256 samples for small ones.
 */
class FidelityInputsTest {
  /** x -> Relu -> y with the given declared input dims (-1 = free). */
  private static Model relu(long... dims) {
    return Model.of(
        Graph.builder()
            .addInput(ValueInfo.of("x", DataType.FLOAT, dims))
            .addNode(Node.builder("Relu").name("r").inputs("x").outputs("y").build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build(),
        13);
  }

  private static FidelityInputs.Feeds random(Model m, Map<String, long[]> given) {
    InputShapes shapes = InputShapes.resolve("m.onnx", m.graph().runtimeInputs(), given);
    return new FidelityInputs(m, shapes, 7L).random(CompressionPipeline.FIDELITY_SAMPLES);
  }

  private static long samples(FidelityInputs.Feeds f) {
    return f.feeds().stream().mapToLong(feed -> feed.get("x").dim(0)).sum();
  }

  @Test
  void smallImagesGet256SamplesInBatchesOf32() {
    FidelityInputs.Feeds f = random(relu(-1, 3, 32, 32), Map.of());
    assertEquals(8, f.feeds().size());
    assertEquals(256, samples(f));
    assertArrayEquals(new long[] {32, 3, 32, 32}, f.feeds().get(0).get("x").dims());
    assertFalse(f.inputs().detail().contains("asked"), f.inputs().detail());
  }

  @Test
  void largeImagesGetFewerSamplesOneAtATime() {
    FidelityInputs.Feeds f = random(relu(-1, 3, -1, -1), Map.of("x", new long[] {1, 3, 640, 640}));
    // 2^24 / (3 * 640 * 640) = 13.65: 13 samples, 2^21 / 1228800 = 1.7: batches of 1
    assertEquals(13, samples(f));
    for (Map<String, TensorValue> feed : f.feeds()) {
      assertArrayEquals(new long[] {1, 3, 640, 640}, feed.get("x").dims());
    }
    assertTrue(f.inputs().detail().contains("256 asked"), f.inputs().detail());
  }

  @Test
  void aFixedBatchIsKeptAndRunInWholeBatches() {
    FidelityInputs.Feeds f = random(relu(4, 3, 640, 640), Map.of());
    List<Map<String, TensorValue>> feeds = f.feeds();
    assertEquals(4, feeds.size()); // 13 samples asked for, rounded up to whole batches of 4
    assertArrayEquals(new long[] {4, 3, 640, 640}, feeds.get(0).get("x").dims());
  }
}
