package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
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
    ExportCheckResult res =
        ExportCheck.compare(bytes, bytes, 2, 7L, RuntimeOptions.singleThreaded());
    assertEquals(0.0, res.maxAbsDifference());
    try (OrtRunner r = OrtRunner.open(bytes, "resnet20", RuntimeOptions.singleThreaded())) {
      Map<String, TensorValue> in = r.randomInputs(3, 1L);
      assertEquals(3, in.values().iterator().next().dim(0));
      assertEquals(in.values().iterator().next(), r.randomInputs(3, 1L).values().iterator().next());
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> r.run(Map.of("nope", r.randomInputs(1, 1L).values().iterator().next())));
      assertTrue(e.getMessage().contains("nope"));
    }
  }

  @Test
  void corruptBytesGiveCleanError() {
    OrtRunException e =
        assertThrows(
            OrtRunException.class,
            () ->
                OrtRunner.open(
                    new byte[] {1, 2, 3, 4, 5}, "garbage.onnx", RuntimeOptions.singleThreaded()));
    assertTrue(e.getMessage().contains("garbage.onnx"), e.getMessage());
  }

  @Test
  void latencyStatistics() {
    LatencyResult r =
        LatencyResult.of(4, 1, new long[] {5_000_000, 1_000_000, 3_000_000, 2_000_000, 4_000_000});
    assertEquals(3.0, r.medianMillis(), 1e-12);
    assertEquals(1.0, r.p10Millis(), 1e-12);
    assertEquals(5.0, r.p90Millis(), 1e-12);
    assertEquals(1.0, r.minMillis(), 1e-12);
    assertEquals(3.0, r.meanMillis(), 1e-12);
    assertEquals(4000.0 / 3.0, r.throughputPerSecond(), 1e-9);
    assertTrue(Double.isNaN(r.cpuMedianMillis()));
    LatencyResult c =
        LatencyResult.of(
            1, 1, new long[] {2_000_000, 4_000_000}, new long[] {1_000_000, 2_000_000});
    assertEquals(1.5, c.cpuMedianMillis(), 1e-12);
  }

  @Test
  void latencyComparisonHasOneRowPerBatchAndRejectsFixedBatch() {
    SyntheticModels.ConvSpec spec = RewriteOrtTest.convSpecs().get(1);
    byte[] a = org.lowrank.onnx.OnnxWriter.toBytes(SyntheticModels.conv(spec, 1L, false));
    byte[] b = org.lowrank.onnx.OnnxWriter.toBytes(SyntheticModels.conv(spec, 2L, false));
    LatencyBenchmark.Settings s = new LatencyBenchmark.Settings(1, 3, 1, 5L);
    LatencyComparison c = LatencyBenchmark.compare("tiny", a, b, 0.5, new int[] {1, 4}, s);
    assertEquals(2, c.rows().size());
    assertEquals(4, c.rows().get(1).batchSize());
    assertEquals(3, c.rows().get(0).original().runs());
    assertTrue(c.rows().get(0).rewritten().medianMillis() > 0);
    assertTrue(c.rows().get(0).rewritten().cpuMedianMillis() > 0, "CPU time measured");
    assertTrue(c.toTable().contains("tiny") && c.toTable().contains("0.500"), c.toTable());
    assertTrue(
        c.toTable().contains("runs") && c.toTable().lines().skip(2).allMatch(l -> l.endsWith(" -")),
        "3 runs: too few for a spread " + c.toTable());
    // adaptive: stops once settled (spread within tolerance) or after the most runs, never before
    // the least
    LatencyBenchmark.Settings adaptive = LatencyBenchmark.Settings.defaults().withRuns(1, 60);
    LatencyComparison d = LatencyBenchmark.compare("tiny", a, b, 0.5, new int[] {1}, adaptive);
    LatencyComparison.Row row = d.rows().get(0);
    assertEquals(row.original().runs(), row.rewritten().runs());
    assertTrue(row.original().runs() >= 20 && row.original().runs() <= 60, d.toTable());
    assertTrue(row.original().runs() == 60 || row.spread() <= 0.02, d.toTable());
    LatencyResult single = LatencyBenchmark.measure(a, 2, s);
    assertEquals(2, single.batchSize());
    assertEquals(1, single.intraOpThreads());

    org.lowrank.graph.Model fixed = SyntheticModels.conv(spec, 1L, false);
    org.lowrank.graph.Graph g =
        fixed.graph().toBuilder()
            .inputs(
                java.util.List.of(
                    org.lowrank.graph.ValueInfo.of(
                        "x", org.lowrank.graph.DataType.FLOAT, 2, 5, 11, 9)))
            .build();
    byte[] fixedBytes = org.lowrank.onnx.OnnxWriter.toBytes(fixed.withGraph(g));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> LatencyBenchmark.measure(fixedBytes, 1, s));
    assertTrue(e.getMessage().contains("batch"), e.getMessage());
  }

  @Test
  void differenceAndTop1Agreement() {
    TensorValue a = TensorValue.ofFloats(new long[] {2, 3}, new float[] {1, 5, 2, -4, 0, 8});
    TensorValue b = TensorValue.ofFloats(new long[] {2, 3}, new float[] {1, 5, 6, -4, 0, 7.5f});
    OutputDifference d = ExportCheck.difference("y", a, b);
    assertEquals(4.0, d.maxAbsDifference(), 1e-12);
    assertEquals(0.5, d.maxRelativeDifference(), 1e-12);
    assertEquals(0.5, ExportCheck.top1Agreement(a, b), 1e-12);
    assertEquals(1.0, ExportCheck.top1Agreement(a, a), 1e-12);
    assertThrows(
        IllegalArgumentException.class,
        () -> ExportCheck.difference("y", a, a.reshape(new long[] {3, 2})));
  }
}
