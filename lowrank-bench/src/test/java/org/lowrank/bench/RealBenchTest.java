package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.demo.DemoModels;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.runtime.LatencyComparison;
import org.lowrank.runtime.LatencyResult;
import picocli.CommandLine;

class RealBenchTest {
  @TempDir Path dir;

  @Test
  void parsesTheTableBenchPrints() {
    LatencyResult a =
        LatencyResult.of(
            1,
            1,
            new long[] {4_000_000, 4_000_000, 4_000_000},
            new long[] {3_000_000, 3_000_000, 3_000_000});
    LatencyResult b =
        LatencyResult.of(
            1,
            1,
            new long[] {2_500_000, 2_500_000, 2_500_000},
            new long[] {2_000_000, 2_000_000, 2_000_000});
    String table =
        new LatencyComparison("a vs b", 0.5, List.of(new LatencyComparison.Row(a, b))).toTable();
    Matcher m = RealBench.BENCH_ROW.matcher(table);
    assertTrue(m.find(), table);
    assertEquals("1", m.group(1));
    assertEquals(4.0, Double.parseDouble(m.group(3)), 1e-9);
    assertEquals(3.0, Double.parseDouble(m.group(4)), 1e-9);
    assertEquals(2.5, Double.parseDouble(m.group(5)), 1e-9);
    assertEquals(1.60, Double.parseDouble(m.group(7)), 1e-9);
    assertEquals(1.50, Double.parseDouble(m.group(8)), 1e-9);
  }

  /**
   * The rows of one model end to end on a small model: inspect, two compress rows, bench of what
   * they wrote; numbers checked against what they must be, commands free of machine paths.
   */
  @Test
  void rowsOfOneModel() throws Exception {
    Path models = Files.createDirectories(dir.resolve("models"));
    OnnxWriter.write(DemoModels.fashionCnn(7), models.resolve("cnn.onnx"));
    RealBench bench = new RealBench();
    bench.work = Files.createDirectories(dir.resolve("work"));
    bench.runs = 3;
    List<Map<String, Object>> rows =
        bench.measure(
            new RealBench.RealModel("cnn.onnx", "1,1,28,28", "test CNN"),
            models.resolve("cnn.onnx"),
            models);
    Map<String, Map<String, Object>> byId = new LinkedHashMap<>();
    rows.forEach(r -> byId.put((String) r.get("id"), r));
    assertEquals(
        List.of(
            "real/cnn/inspect",
            "real/cnn/energy50",
            "real/cnn/bench-energy50",
            "real/cnn/energy50-pointwise",
            "real/cnn/bench-energy50-pointwise"),
        List.copyOf(byId.keySet()));
    Map<String, Object> inspect = byId.get("real/cnn/inspect");
    assertEquals(0, inspect.get("exit_code"));
    assertEquals(861_386L, ((Number) inspect.get("params")).longValue()); // DemoModels' Javadoc
    assertEquals(5L, ((Number) inspect.get("layers")).longValue());
    Map<String, Object> c = byId.get("real/cnn/energy50");
    double removed = ((Number) c.get("params_removed")).doubleValue();
    assertTrue(
        removed >= 0.5 - 1e-6 && removed < 0.6,
        "keep-params 0.5 removes at least half: " + removed);
    double err = ((Number) c.get("output_error")).doubleValue();
    assertTrue(err > 0 && err < 2, "relative output error of a rank-truncated model: " + err);
    int exit = (Integer) c.get("exit_code");
    assertEquals(Boolean.TRUE.equals(c.get("guard_passed")) ? 0 : 4, exit);
    Map<String, Object> b = byId.get("real/cnn/bench-energy50");
    assertEquals(1, b.get("batch"));
    double ratio =
        ((Number) b.get("original_ms")).doubleValue()
            / ((Number) b.get("written_ms")).doubleValue();
    assertEquals(ratio, ((Number) b.get("speedup")).doubleValue(), 0.01 + 0.01 * ratio);
    for (Map<String, Object> r : rows) {
      String cmd = (String) r.get("command");
      assertTrue(cmd.startsWith("./lowrank "), cmd);
      assertFalse(cmd.contains(dir.toString()), "machine path in " + cmd);
      assertTrue(cmd.contains("$LOWRANK_MODELS/cnn.onnx"), cmd);
    }
    // rendered from the JSON lines, as ./bench real --render-only does
    org.lowrank.bench.record.ResultLog log =
        new org.lowrank.bench.record.ResultLog(dir.resolve("real.jsonl"));
    for (Map<String, Object> r : rows) {
      log.append(r);
    }
    String block = RealBench.render(log.latest());
    assertFalse(block.contains(dir.toString()));
    assertTrue(block.contains("| real/cnn/energy50 | " + exit + " |"), block);
    assertTrue(block.contains("| cnn.onnx | 1,1,28,28 | 0 | 5 | 861,386 |"), block);
    String compressLine =
        block.lines().filter(l -> l.startsWith("| real/cnn/energy50 |")).findFirst().orElseThrow();
    assertTrue(
        compressLine.matches(".*\\| [0-9.]+ / [0-9.]+ \\| [0-9.]+x / [0-9.]+x \\|.*"),
        "the bench row's times and speedups beside its compress row: " + compressLine);
    assertFalse(block.contains("| real/cnn/bench-energy50 |"), "not a second time: " + block);
  }

  @Test
  void missingModelsAreSkippedWithALine() throws Exception {
    Path results = dir.resolve("R.md");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new RealBench());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code =
        cl.execute(
            "--models",
            dir.resolve("none").toString(),
            "--data",
            dir.resolve("r.jsonl").toString(),
            "--results",
            results.toString(),
            "--work",
            dir.resolve("w").toString());
    assertEquals(0, code, err.toString());
    for (RealBench.RealModel m : RealBench.MODELS) {
      assertTrue(
          err.toString()
              .contains(
                  "skipping "
                      + m.name()
                      + ": $LOWRANK_MODELS/"
                      + m.file()
                      + " is not installed (run scripts/install-models.sh)"),
          err.toString());
    }
    assertFalse(Files.exists(dir.resolve("r.jsonl")), "nothing measured, nothing recorded");
    assertTrue(Files.readString(results).contains("<!-- real:begin -->"));
  }
}
