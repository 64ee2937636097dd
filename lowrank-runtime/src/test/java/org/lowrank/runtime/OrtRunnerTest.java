package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.TensorValue;

class OrtRunnerTest {

  @ParameterizedTest
  @ValueSource(strings = {"resnet20_cifar10", "resnet56_cifar10"})
  void realModelReproducesStoredOutput(String name) throws Exception {
    Path dir = TestData.modelDir(name);
    Path model = dir.resolve("model.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(model), "shared model absent: " + model);
    TensorValue input = TestData.readTensor(dir.resolve("test_data_set_0/input_0.pb"));
    TensorValue expected = TestData.readTensor(dir.resolve("test_data_set_0/output_0.pb"));
    try (OrtRunner r = OrtRunner.open(model, RuntimeOptions.singleThreaded())) {
      assertEquals(1, r.inputs().size());
      TensorValue actual = r.run(input);
      assertArrayEquals(expected.dims(), actual.dims());
      OutputDifference d = ExportCheck.difference("output_0", expected, actual);
      assertTrue(d.maxRelativeDifference() <= 1e-4, d.toString());
      assertTrue(d.referenceMaxAbs() > 0.1, "reference output is not trivial");
    }
  }

  @Test
  void sameModelComparesExactlyAndRejectsWrongInputs() throws Exception {
    Path model = TestData.modelDir("resnet20_cifar10").resolve("model.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(model), "shared model absent: " + model);
    byte[] bytes = Files.readAllBytes(model);
    ExportCheckResult res = ExportCheck.compare(bytes, bytes, 2, 7L, RuntimeOptions.singleThreaded());
    assertEquals(0.0, res.maxAbsDifference());
    try (OrtRunner r = OrtRunner.open(bytes, "resnet20", RuntimeOptions.singleThreaded())) {
      Map<String, TensorValue> in = r.randomInputs(3, 1L);
      assertEquals(3, in.values().iterator().next().dim(0));
      assertEquals(in.values().iterator().next(), r.randomInputs(3, 1L).values().iterator().next());
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> r.run(Map.of("nope", r.randomInputs(1, 1L).values().iterator().next())));
      assertTrue(e.getMessage().contains("nope"));
    }
  }

  @Test
  void corruptBytesGiveCleanError() {
    OrtRunException e =
        assertThrows(
            OrtRunException.class,
            () -> OrtRunner.open(new byte[] {1, 2, 3, 4, 5}, "garbage.onnx", RuntimeOptions.singleThreaded()));
    assertTrue(e.getMessage().contains("garbage.onnx"), e.getMessage());
  }

  @Test
  void latencyStatistics() {
    LatencyResult r = LatencyResult.of(4, 1, new long[] {5_000_000, 1_000_000, 3_000_000, 2_000_000, 4_000_000});
    assertEquals(3.0, r.medianMillis(), 1e-12);
    assertEquals(1.0, r.p10Millis(), 1e-12);
    assertEquals(5.0, r.p90Millis(), 1e-12);
    assertEquals(1.0, r.minMillis(), 1e-12);
    assertEquals(3.0, r.meanMillis(), 1e-12);
    assertEquals(4000.0 / 3.0, r.throughputPerSecond(), 1e-9);
  }
}
