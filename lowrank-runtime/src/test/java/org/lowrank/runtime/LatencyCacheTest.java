package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.Choice;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.LayerTimer;
import org.lowrank.tensor.DenseTensor;

class LatencyCacheTest {
  @TempDir Path dir;

  @Test
  void roundTripsThroughTheFileOfItsKey() throws Exception {
    LatencyCache a = LatencyCache.open(dir, "cpu X | onnxruntime 1.29.0 | threads 1");
    a.put("Conv cp[16] | batch 1", new LayerTimer.Timing(0.75, 0.3125));
    a.put("Conv cp[17] | batch 1", new LayerTimer.Timing(0.75, 0.875));
    LatencyCache again = LatencyCache.open(dir, "cpu X | onnxruntime 1.29.0 | threads 1");
    assertEquals(2, again.size());
    assertEquals(new LayerTimer.Timing(0.75, 0.3125), again.get("Conv cp[16] | batch 1").get());
    // another thread count or runtime version is another file, empty
    LatencyCache other = LatencyCache.open(dir, "cpu X | onnxruntime 1.29.0 | threads 2");
    assertEquals(0, other.size());
    assertNotEquals(a.file().get(), other.file().get());
    assertTrue(a.file().get().startsWith(dir));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary file left behind");
    }
  }

  @Test
  void corruptFileIsIgnoredThenRewritten() throws Exception {
    String key = "cpu X | onnxruntime 1.29.0 | threads 1";
    LatencyCache a = LatencyCache.open(dir, key);
    a.put("e1", new LayerTimer.Timing(1, 2));
    Path f = a.file().get();
    Files.writeString(f, Files.readString(f) + "e2\tnot-a-number\t1\n", StandardCharsets.UTF_8);
    LatencyCache b = LatencyCache.open(dir, key);
    assertEquals(0, b.size(), "a corrupt file is not trusted");
    b.put("e3", new LayerTimer.Timing(1, 0.5));
    assertEquals(List.of("e3"), List.copyOf(LatencyCache.open(dir, key).keysForTest()));
    Files.writeString(f, "garbage\n");
    assertEquals(0, LatencyCache.open(dir, key).size(), "a file without the header is ignored");
  }

  @Test
  void secondTimerAnswersFromTheCacheWithoutTiming() {
    Model model = SyntheticModels.groupedThenPlain(3);
    // the second conv, 6 -> 5 channels 3x3 (the timer reads the real node from the model)
    LayerInput layer =
        new LayerInput(
            "conv",
            "conv2d",
            LayerGeometry.conv(
                "conv", 5, 6, 1, new long[] {3, 3}, new long[] {9, 9}, new long[] {9, 9}, true),
            DenseTensor.zeros(5, 6, 3, 3));
    String key = LatencyCache.machineKey(1);
    LatencyBenchmark.Settings s = new LatencyBenchmark.Settings(1, 5, 1, 7);
    OrtLayerTimer first = new OrtLayerTimer(model, Map.of(), s, LatencyCache.open(dir, key));
    LayerTimer.Timing t = first.time(layer, Choice.of(Method.CP, 2), 2);
    assertTrue(t.originalMillis() > 0 && t.factorizedMillis() > 0, t.toString());
    assertEquals(1, first.measured());
    OrtLayerTimer second = new OrtLayerTimer(model, Map.of(), s, LatencyCache.open(dir, key));
    assertEquals(t, second.time(layer, Choice.of(Method.CP, 2), 2));
    assertEquals(0, second.measured());
    assertEquals(1, second.cached());
    second.time(layer, Choice.of(Method.CP, 2), 1);
    assertEquals(1, second.measured(), "another batch size is another entry");
    assertTrue(key.contains("onnxruntime") && key.contains("threads 1"), key);
  }
}
