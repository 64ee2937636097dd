package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cli.ExitCodes;
import picocli.CommandLine;

class GpuBenchTest {

  private static Map<String, Object> row(String kind, String device, double ips) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("id", "gpu/resnet56/" + device + "/b128");
    r.put("model", "resnet56");
    r.put("input", "3x32x32");
    r.put("batch", 128L);
    r.put("device", device);
    r.put("kind", kind);
    r.put("threads", 16L);
    r.put("train_images_per_s", ips);
    return r;
  }

  @Test
  void withoutGpuRowsTheBlockIsOneLineSayingNotMeasured() {
    String empty = GpuBench.render(Map.of());
    assertEquals(1, empty.strip().lines().count(), empty);
    assertTrue(empty.contains("not measured: no GPU machine"), empty);
    Map<String, Map<String, Object>> cpuOnly = Map.of("a", row("cpu", "cpu", 100));
    assertEquals(empty, GpuBench.render(cpuOnly), "CPU rows alone are no comparison");
  }

  @Test
  void cpuAndGpuRowsOfAModelShareOneLineWithTheirRatio() {
    Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
    latest.put("c", row("cpu", "cpu", 100));
    latest.put("g", row("gpu", "cuda:0", 400));
    String block = GpuBench.render(latest);
    assertTrue(
        block.contains("| resnet56 | 3x32x32 | 128 | 100.0 (16) | 400.0 (cuda:0) | 4.0x |"), block);
  }

  @Test
  void aGpuThisBuildCannotSeeIsTheResourceErrorBeforeAnyWork(@TempDir Path dir) {
    Assumptions.assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0, "CPU-only build");
    StringWriter err = new StringWriter();
    CommandLine cl = BenchMain.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter()));
    Path log = dir.resolve("gpu.jsonl");
    int code =
        cl.execute("gpu", "--model", "absent.onnx", "--device", "cuda", "--log", log.toString());
    assertEquals(ExitCodes.RESOURCE, code, err.toString());
    assertTrue(
        err.toString().startsWith("bench gpu: --device cuda:0: the PyTorch engine sees no GPU")
            && err.toString().contains("-Pcuda"),
        err.toString());
    assertTrue(!Files.exists(log), "nothing recorded");
  }
}
