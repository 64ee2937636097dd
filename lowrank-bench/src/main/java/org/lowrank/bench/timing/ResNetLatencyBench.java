package org.lowrank.bench.timing;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxTensors;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.rewrite.ConvLayer;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.runtime.ExportCheck;
import org.lowrank.runtime.LatencyBenchmark;
import org.lowrank.runtime.LatencyComparison;
import org.lowrank.runtime.LayerLatency;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.runtime.RuntimeOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Benchmark (not a test): does factorizing every conv of a CIFAR ResNet make it faster in ONNX
 * Runtime? Baseline: the original model. Candidate: every non-grouped kxk conv (k > 1) replaced by
 * its factorization at ranks = {@code fraction} of the channels. Prints the FLOPs ratio (MACs of
 * {@link ModelProfile}) and the interleaved latency table, batch 1 and batch 32.
 *
 * <pre>
 * ./bench resnet-latency [model.onnx] [--method tucker|tt|cp]
 *     [--fraction 0.25] [--threads 1] [--warmup 10] [--runs 50] [--batches 1,32] [--per-layer]
 * </pre>
 *
 * The model defaults to ../shared/data/models/resnet20_cifar10/model.onnx from the repository root
 * (or $LOWRANK_SHARED_DATA/models/...).
 */
@Command(
    name = "resnet-latency",
    mixinStandardHelpOptions = true,
    description = "ONNX Runtime latency of a ResNet before and after factorizing every kxk conv.")
public final class ResNetLatencyBench implements Callable<Integer> {
  @Parameters(
      arity = "0..1",
      paramLabel = "MODEL.onnx",
      description = "The model (default: ResNet-20 of the shared data).")
  Path modelPath =
      Path.of(
          System.getenv().getOrDefault("LOWRANK_SHARED_DATA", "../shared/data"),
          "models",
          "resnet20_cifar10",
          "model.onnx");

  @Option(
      names = "--method",
      paramLabel = "METHOD",
      description = "tucker, tt or cp (default ${DEFAULT-VALUE}).")
  String methodName = "tucker";

  @Option(
      names = "--fraction",
      paramLabel = "F",
      description = "Ranks as a fraction of the channels (default ${DEFAULT-VALUE}).")
  double fraction = 0.25;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "ONNX Runtime threads (default ${DEFAULT-VALUE}).")
  int threads = 1;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      description = "Warm-up runs (default ${DEFAULT-VALUE}).")
  int warmup = 10;

  @Option(
      names = "--runs",
      paramLabel = "N",
      description = "Timed runs (default ${DEFAULT-VALUE}).")
  int runs = 50;

  @Option(
      names = "--batches",
      split = ",",
      paramLabel = "B",
      description = "Batch sizes (default 1,32).")
  int[] batches = {1, 32};

  @Option(names = "--per-layer", description = "Also time each factorized layer alone.")
  boolean perLayer;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private PrintWriter out;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    Method method = Method.parse(methodName);
    Model original = OnnxReader.read(modelPath);
    Model rewritten = factorizeAllConvs(original, method, fraction);
    ModelProfile po = ModelProfile.of(original);
    ModelProfile pr = ModelProfile.of(rewritten);
    double flopsRatio = (double) pr.totalMacs() / po.totalMacs();

    byte[] a = OnnxWriter.toBytes(original);
    byte[] b = OnnxWriter.toBytes(rewritten);
    out.printf(
        Locale.ROOT,
        "model %s, %s at %.0f%% of channels: params %d -> %d, MACs/image %d -> %d%n",
        modelPath,
        method.cliName(),
        100 * fraction,
        po.totalParams(),
        pr.totalParams(),
        po.totalMacs(),
        pr.totalMacs());
    Path input = modelPath.resolveSibling("test_data_set_0").resolve("input_0.pb");
    if (Files.isRegularFile(input)) {
      TensorValue x = OnnxTensors.read(input);
      try (OrtRunner ro = OrtRunner.open(a, "original", RuntimeOptions.withThreads(threads));
          OrtRunner rr = OrtRunner.open(b, "rewritten", RuntimeOptions.withThreads(threads))) {
        TensorValue yo = ro.run(x);
        TensorValue yr = rr.run(x);
        out.printf(
            Locale.ROOT,
            "stored input (batch %d), before fine-tuning: max rel logit diff %.3f, top-1 agreement %.1f%%%n",
            x.dim(0),
            ExportCheck.difference("logits", yo, yr).maxRelativeDifference(),
            100 * ExportCheck.top1Agreement(yo, yr));
      }
    }
    LatencyBenchmark.Settings settings = new LatencyBenchmark.Settings(warmup, runs, threads, 42L);
    String label =
        modelPath.getParent().getFileName()
            + " "
            + method.cliName()
            + " "
            + Math.round(100 * fraction)
            + "% ranks";
    LatencyComparison cmp = LatencyBenchmark.compare(label, a, b, flopsRatio, batches, settings);
    out.print(cmp.toTable());
    if (perLayer) {
      printPerLayer(original, method, fraction, batches, settings);
    }
    out.flush();
    return 0;
  }

  /** One line per factorized layer: its MAC ratio and speedup alone, at each batch size. */
  private void printPerLayer(
      Model model,
      Method method,
      double fraction,
      int[] batches,
      LatencyBenchmark.Settings settings) {
    Model folded = org.lowrank.analysis.WeightFolding.fold(model);
    Map<String, FactorizedLayer> specs = factorizations(folded, method, fraction);
    StringBuilder head =
        new StringBuilder(String.format(Locale.ROOT, "%-28s %10s", "layer", "MAC ratio"));
    for (int b : batches) {
      head.append(String.format(Locale.ROOT, " %14s", "speedup b" + b));
    }
    out.println(head);
    for (Map.Entry<String, FactorizedLayer> e : specs.entrySet()) {
      LatencyComparison c =
          LayerLatency.compare(folded, e.getKey(), e.getValue(), batches, settings);
      StringBuilder line =
          new StringBuilder(String.format(Locale.ROOT, "%-28s %10.3f", e.getKey(), c.flopsRatio()));
      for (LatencyComparison.Row r : c.rows()) {
        line.append(String.format(Locale.ROOT, " %13.2fx", r.speedup()));
      }
      out.println(line);
    }
  }

  /** Every non-grouped conv with a kernel larger than 1 factorized at {@code fraction} ranks. */
  static Model factorizeAllConvs(Model model, Method method, double fraction) {
    return LayerRewriter.rewriteAll(model, factorizations(model, method, fraction));
  }

  private static Map<String, FactorizedLayer> factorizations(
      Model model, Method method, double fraction) {
    LayerFactorizer f = LayerFactorizer.builder().optSeed(1).build();
    Map<String, FactorizedLayer> specs = new LinkedHashMap<>();
    for (Node n : model.graph().nodes()) {
      if (!n.opType().equals("Conv")) {
        continue;
      }
      ConvLayer c = ConvLayer.of(model.graph(), n);
      long kk = Arrays.stream(c.kernel()).reduce(1, (x, y) -> x * y);
      if (c.isGrouped() || kk == 1) {
        continue;
      }
      int rOut = (int) Math.max(1, Math.round(fraction * c.outChannels()));
      int rIn = (int) Math.max(1, Math.round(fraction * c.inChannels()));
      Choice choice =
          switch (method) {
            case TUCKER2, TT -> Choice.of(method, rOut, rIn);
            case CP -> Choice.of(method, rOut);
            default -> throw new IllegalArgumentException("conv methods only: tucker, tt, cp");
          };
      String layer = LayerRewriter.layerName(n);
      specs.put(layer, f.factorize(model.graph(), layer, choice));
    }
    return specs;
  }
}
