package org.lowrank.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.report.CompressionReport.Accuracy;
import org.lowrank.report.CompressionReport.ExploredPoint;
import org.lowrank.report.CompressionReport.Latency;

/**
 * Reports for tests: a ResNet-20 (CIFAR-10) hybrid plan whose layer costs come from the real {@link
 * CostModel}; accuracies and latencies are made up but plausible. The CLI's rendering test reads
 * the same report from lowrank-cli/src/test/resources/report/sample-report.json, which is {@code
 * ReportJson.write(SampleReports.resnet20(List.of("<script>alert(1)</script>")))}.
 */
final class SampleReports {
  private SampleReports() {}

  /** ResNet-20's plan, plus one extra dense layer per name in {@code extraLayers}. */
  static Plan resnet20Plan(List<String> extraLayers) {
    List<LayerDecision> layers = new ArrayList<>();
    LayerGeometry stem = conv("/conv1/Conv", 16, 3, 32, 32);
    layers.add(
        LayerDecision.skipped(
            stem.name(),
            "conv2d",
            CostModel.original(stem),
            "first layer: 432 weights, below the 512-weight minimum"));
    Method[] cycle = {Method.TUCKER2, Method.CP, Method.TT};
    int idx = 0;
    int[] widths = {16, 32, 64};
    int[] sizes = {32, 16, 8};
    for (int stage = 0; stage < 3; stage++) {
      for (int block = 0; block < 3; block++) {
        for (int c = 1; c <= 2; c++) {
          int cin = c == 1 && block == 0 && stage > 0 ? widths[stage - 1] : widths[stage];
          int inSize = c == 1 && block == 0 && stage > 0 ? sizes[stage - 1] : sizes[stage];
          String name =
              "/layer" + (stage + 1) + "/layer" + (stage + 1) + "." + block + "/conv" + c + "/Conv";
          LayerGeometry g = conv(name, widths[stage], cin, inSize, sizes[stage]);
          Method m = cycle[idx++ % cycle.length];
          int r = Math.max(4, widths[stage] / 3 + stage * 2 + block);
          Choice choice =
              m == Method.CP ? Choice.of(m, 2 * r) : Choice.of(m, r, Math.max(4, r - 2));
          double score = 0.9990 - 0.0035 * stage - 0.0011 * block - 0.0004 * c;
          String note = idx == 5 ? "CP rank 15 rounded down to 14 (even ranks)" : "";
          layers.add(
              new LayerDecision(
                  name,
                  "conv2d",
                  choice,
                  CostModel.original(g),
                  CostModel.factorized(g, choice),
                  score,
                  note));
        }
      }
    }
    LayerGeometry fc = LayerGeometry.dense("/fc/Gemm", 10, 64, 1, true);
    layers.add(LayerDecision.skipped(fc.name(), "dense", CostModel.original(fc), "classifier"));
    for (String extra : extraLayers) {
      LayerGeometry g = LayerGeometry.dense(extra, 64, 64, 1, true);
      Choice c = Choice.of(Method.SVD, 16);
      layers.add(
          new LayerDecision(
              extra,
              "dense",
              c,
              CostModel.original(g),
              CostModel.factorized(g, c),
              0.97,
              "note about " + extra));
    }
    Cost before = Cost.ZERO;
    Cost after = Cost.ZERO;
    for (LayerDecision d : layers) {
      before = before.plus(d.before());
      after = after.plus(d.after());
    }
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("metric", "cosine");
    settings.put("threshold", 0.95);
    settings.put("calibration_samples", 256L);
    return new Plan(
        "resnet20_cifar10",
        "similarity",
        Budget.keepParams(0.25),
        7,
        settings,
        layers,
        before,
        after);
  }

  static LayerGeometry conv(String name, long cout, long cin, long inSize, long outSize) {
    return LayerGeometry.conv(
        name,
        cout,
        cin,
        1,
        new long[] {3, 3},
        new long[] {inSize, inSize},
        new long[] {outSize, outSize},
        true);
  }

  /** A report with every section filled. */
  static CompressionReport resnet20(List<String> extraLayers) {
    CompressionReport.Builder b =
        CompressionReport.builder()
            .setPlan(resnet20Plan(extraLayers))
            .optModelName("resnet20_cifar10")
            .optModelPath("models/resnet20_cifar10/model.onnx")
            .optInputShape(-1, 3, 32, 32)
            .optMethod("hybrid")
            .optSeed("search", 7)
            .optSeed("finetune", 11)
            .optVersion("lowrank", "0.1.0-test")
            .optVersion("java", "17.0.15")
            .optVersion("onnxruntime", "1.29.0")
            .optVersion("djl", "0.36.0")
            .optTiming("load", 0.41)
            .optTiming("analyze", 0.05)
            .optTiming("search", 48.2)
            .optTiming("factorize", 3.7)
            .optTiming("finetune", 131.5)
            .optTiming("evaluate", 9.8)
            .optTiming("export", 0.6)
            .optAccuracyBefore(new Accuracy(0.8236, 0.9912, "cifar10-test (jpeg)", 10_000))
            .optAccuracyCompressed(Accuracy.top1(0.7415, "cifar10-test (jpeg)", 10_000))
            .optAccuracyFinetuned(new Accuracy(0.8193, 0.9905, "cifar10-test (jpeg)", 10_000))
            .optLatency(new Latency(1, 1, 1.524, 0.842))
            .optLatency(new Latency(32, 1, 31.7, 14.9, 35, 0.012))
            .optLatency(new Latency(32, 2, 17.3, 8.6))
            .optExplorationMetric("top-1 accuracy")
            .optScoreLabel("cosine similarity")
            .optWarning(
                "layer '/layer3/layer3.2/conv2/Conv': tucker rank 70 exceeds the maximum 64, "
                    + "reduced to 64")
            .optWarning("calibration used 256 of 10,000 samples")
            .optCreated("2026-11-23T18:00:00Z");
    double[][] pts = {
      {0.62, 0.60, 0.8231}, {0.45, 0.44, 0.8222}, {0.36, 0.35, 0.8215}, {0.30, 0.29, 0.8204},
      {0.24, 0.28, 0.8193}, {0.19, 0.21, 0.8101}, {0.15, 0.16, 0.7920}, {0.11, 0.12, 0.7510},
      {0.27, 0.33, 0.8150}, {0.40, 0.31, 0.8190}
    };
    String[] labels = {
      "threshold 0.99",
      "threshold 0.98",
      "threshold 0.97",
      "threshold 0.96",
      "threshold 0.95",
      "threshold 0.93",
      "threshold 0.90",
      "threshold 0.85",
      "tucker only",
      "cp only"
    };
    for (int i = 0; i < pts.length; i++) {
      b.optExplored(new ExploredPoint(labels[i], pts[i][0], pts[i][1], pts[i][2], i == 4));
    }
    return b.build();
  }

  /** Only the required plan: no accuracy, latency, exploration, timings, seeds or warnings. */
  static CompressionReport minimal() {
    return CompressionReport.builder().setPlan(resnet20Plan(List.of())).build();
  }
}
