package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccuracyBenchTest {
  private static Map<String, Object> row(String id, double top1, Object... more) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("params_removed", 0.78);
    m.put("flops_removed", 0.78);
    m.put("top1_original", 0.80);
    m.put("top1_compressed", top1);
    m.put("command", "./lowrank compress M -o OUT.onnx");
    for (int i = 0; i < more.length; i += 2) {
      m.put((String) more[i], more[i + 1]);
    }
    return m;
  }

  private static Map<String, Map<String, Object>> latest(List<Map<String, Object>> rows) {
    Map<String, Map<String, Object>> m = new LinkedHashMap<>();
    rows.forEach(r -> m.put((String) r.get("id"), r));
    return m;
  }

  @Test
  void pivotPutsTheFitsOfOnePlanInOneRowAndTheFitImageCurveOnOneLine() {
    String block =
        AccuracyBench.block(
            latest(
                List.of(
                    row("resnet20/cp/keep-params-0.22/data", 0.733, "fit_images", 256),
                    row("resnet20/tucker/keep-flops-0.22/data/fit-1024", 0.591),
                    row("resnet20/cp/keep-params-0.22/weights", 0.711),
                    row("resnet20/tucker/keep-flops-0.22/data/fit-64", 0.497),
                    row("resnet20/cp/keep-params-0.22/data/ft-2", 0.733, "top1_finetuned", 0.79),
                    row(
                        "resnet20/cp/keep-params-0.22/data-distill/images-2048",
                        0.7695,
                        "distill_seconds",
                        458.1))));
    List<String> lines = block.lines().filter(l -> l.startsWith("| resnet20")).toList();
    assertEquals(1, lines.size(), block);
    assertTrue(
        lines.get(0).contains("| 71.10% | 73.30% | 79.00% | 76.95% (images-2048, 458 s) | 256 |"),
        "weights, data, +2 ep, data-distill: " + lines.get(0));
    assertTrue(
        block.contains("- `resnet20/tucker/keep-flops-0.22`: 64: 49.70% /  / ; 1024: 59.10%"),
        "curve sorted by image count: " + block);
  }

  @Test
  void theInceptionFitRowsSkipTop1AndTheLineSaysNoLabels() {
    List<AccuracyBench.Row> inception =
        AccuracyBench.rows(Path.of("shared"), null, Path.of("i.onnx")).stream()
            .filter(r -> r.model().equals(AccuracyBench.INCEPTION))
            .toList();
    assertEquals(2, inception.size(), inception.toString());
    for (AccuracyBench.Row r : inception) {
      List<String> options = AccuracyBench.compressOptions(r, 2000);
      assertTrue(options.contains("--no-eval"), options.toString());
      assertTrue(!options.contains("--eval-limit"), "refused with --no-eval: " + options);
    }
    Map<String, Object> fit =
        row(
            AccuracyBench.INCEPTION + "/tucker/keep-flops-0.3/energy-plan/data/fit-16",
            Double.NaN,
            "command",
            "./lowrank compress INCEPTION_V3_224.onnx --no-eval",
            "factorize_seconds",
            301.25,
            "peak_rss_mib",
            2900L);
    fit.remove("top1_compressed");
    String block = AccuracyBench.block(latest(List.of(fit)));
    assertTrue(
        block.contains(
            "- `"
                + AccuracyBench.INCEPTION
                + "/tucker/keep-flops-0.3/energy-plan`: 16: no labels"
                + " / 301.3 / 2900"),
        block);
    assertTrue(block.contains("--size 224"), block);
  }

  @Test
  void rowIdsAreUniqueAndFashionCoversTheSixMethods() {
    List<AccuracyBench.Row> rows =
        AccuracyBench.rows(Path.of("shared"), Path.of("f.onnx"), Path.of("i.onnx"));
    assertEquals(
        rows.size(), new HashSet<>(rows.stream().map(AccuracyBench.Row::id).toList()).size());
    String fashion =
        String.join(
            " ",
            rows.stream()
                .filter(r -> r.model().startsWith("fashion"))
                .map(r -> r.plan().get(3))
                .toList());
    for (String method : List.of("tucker", "cp", "tt", "svd", "qr", "ttm", "hybrid")) {
      assertTrue(fashion.contains(method), method + " in " + fashion);
    }
  }
}
