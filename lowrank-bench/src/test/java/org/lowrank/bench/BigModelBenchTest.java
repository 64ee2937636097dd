package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.Model;
import org.lowrank.graph.ValueInfo;

class BigModelBenchTest {
  @Test
  void theInceptionGeneratorTakesAnInputSizeWithTheSameWeights() {
    Model m = InceptionV3Onnx.build(1, 224);
    ValueInfo in = m.graph().inputs().get(0);
    assertEquals("[1, 3, 224, 224]", java.util.Arrays.toString(in.dims()));
    assertEquals(94, InceptionV3Onnx.convCount(m));
    assertEquals(
        InceptionV3Onnx.parameters(InceptionV3Onnx.build(1)), InceptionV3Onnx.parameters(m));
  }

  @Test
  void aCompressReportGivesTheStageSplitParametersAndFactorizedLayers() {
    Map<String, Object> report =
        Map.of(
            "timings_seconds", Map.of("plan", 50.0, "factorize", 8.5, "verify", 20.0),
            "totals", Map.of("before", Map.of("params", 1000L), "after", Map.of("params", 900L)),
            "plan",
                Map.of(
                    "layers",
                    List.of(
                        Map.of("layer", "a", "method", "none"),
                        Map.of("layer", "b", "method", "cp"))));
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", "inception-v3/cp");
    row.put("cpu_s", 81.25);
    row.put("exit_code", 0L);
    BigModelBench.reportFields(report, row);
    assertEquals(50.0, row.get("plan_wall_s"));
    assertEquals(8.5, row.get("factorize_wall_s"));
    assertEquals(1L, row.get("layers_factorized"));
    assertEquals(2, row.get("layers"));
    Map<String, Object> mem = new LinkedHashMap<>();
    mem.put("id", "memory/resnet56/256m");
    mem.put("peak_rss_mib", 1234.4);
    mem.put("exit_code", 137L);
    String block = BigModelBench.render(Map.of("a", row, "b", mem));
    assertTrue(block.contains("| `inception-v3/cp` | 81.3 |"), block);
    assertTrue(block.contains("50 / 9 / 20"), block);
    assertTrue(block.contains("1 of 2"), block);
    assertTrue(block.contains("1,000 -> 900"), block);
    assertTrue(block.contains("| `memory/resnet56/256m` exit 137 |  |  | 1234 |"), block);
    assertTrue(block.indexOf("inception-v3/cp") < block.indexOf("memory/"), block);
  }

  @Test
  void peakResidentSetIsReadFromProc() {
    long kib = BigModelBench.ChildRun.vmHwmKib(Path.of("/proc/self/status"));
    // this JVM holds at least its heap's used part resident; 0 only where /proc is absent
    assertTrue(kib > 10_000 || !Path.of("/proc/self/status").toFile().exists(), "VmHWM " + kib);
  }
}
