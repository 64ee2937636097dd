package org.lowrank.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.pipeline.CompressionResult;
import org.lowrank.pipeline.FineTuneSettings;
import org.lowrank.pipeline.Reports;
import org.lowrank.report.CompressionReport;
import org.lowrank.report.HtmlReport;
import org.lowrank.report.ReportFiles;
import org.lowrank.report.ReportJson;
import org.lowrank.report.ReportText;
import org.lowrank.train.finetune.OptimizerKind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lowrank compress MODEL -o OUT.onnx}: the whole pipeline. Writes OUT.onnx plus
 * OUT.report.json and OUT.report.html, and prints a summary.
 */
@Command(name = "compress", mixinStandardHelpOptions = true,
    description = {"Compress a model: plan ranks, factorize, rewrite, optionally fine-tune once,",
        "export ONNX, and report parameters, FLOPs, accuracy and ONNX Runtime latency."})
public final class CompressCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL.onnx") Path model;

  @Option(names = {"-o", "--output"}, paramLabel = "OUT.onnx", required = true,
      description = "The compressed model (the report files go beside it).")
  Path output;

  @Option(names = "--finetune-epochs", paramLabel = "N", defaultValue = "0",
      description = "Fine-tune the compressed model for N epochs (needs --data).")
  int epochs;

  @Option(names = "--finetune-steps", paramLabel = "N", defaultValue = "0",
      description = "Fine-tune for N optimizer steps instead of epochs.")
  long steps;

  @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default: 0.001 with adam, 0.01 with sgd).")
  Double lr;

  @Option(names = "--warmup", paramLabel = "F", defaultValue = "0.05", description = "Fraction of the fine-tuning steps over which the learning rate rises linearly to its peak, then cosine decay (default: ${DEFAULT-VALUE}).")
  double warmup;

  @Option(names = "--batch-size", paramLabel = "B", defaultValue = "64", description = "Fine-tuning batch size (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--optimizer", paramLabel = "sgd|adam", defaultValue = "adam", description = "SGD with Nesterov momentum or AdamW (default: ${DEFAULT-VALUE}).")
  String optimizer;

  @Option(names = "--train-limit", paramLabel = "N", defaultValue = "0", description = "Fine-tune on at most N training images (0 = all).")
  int trainLimit;

  @Option(names = "--augment", description = "Random crop and flip while fine-tuning (natural images).")
  boolean augment;

  @Option(names = "--no-distill", description = "Fine-tune on labels only (default: distill from the original).")
  boolean noDistill;

  @Option(names = "--eval-limit", paramLabel = "N", defaultValue = "0",
      description = "Evaluate on at most N test images (0 = all; needs --data).")
  int evalLimit;

  @Option(names = "--latency-batches", paramLabel = "B", split = ",", defaultValue = "1,32",
      description = "ONNX Runtime latency at these batch sizes (default: ${DEFAULT-VALUE}).")
  int[] latencyBatches;

  @Option(names = "--no-latency", description = "Skip the latency measurement.")
  boolean noLatency;

  @Mixin CommonOptions common;
  @Mixin PlanningOptions planning;
  @Mixin DataOptions data;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    common.apply();
    ProgressBar bar = common.progress();
    CompressionPipeline.Builder b = CompressionPipeline.builder().setModel(model).optOutput(output)
        .optSeed(common.seed).optThreads(common.threads)
        .optListener(new StageProgress(bar, System.err, common.quiet));
    planning.configure(b, data, bar);
    if (data.present()) {
      b.optData(data.source()).optEvaluation(evalLimit);
    }
    if (epochs > 0 || steps > 0) {
      if (!data.present()) {
        throw new IllegalArgumentException("fine-tuning needs training data: add --data PATH");
      }
      OptimizerKind kind = parseOptimizer(optimizer);
      b.optFineTune(new FineTuneSettings(Math.max(epochs, 1), steps, batchSize,
          lr != null ? lr : FineTuneSettings.defaultLearningRate(kind), kind,
          FineTuneSettings.defaultWeightDecay(kind), trainLimit, augment, !noDistill, 4.0, 0.5, 0.5, warmup));
    }
    if (!noLatency) {
      b.optLatency(5, 30, latencyBatches);
    }
    CompressionResult r = b.build().run();
    CompressionReport report = Reports.of(r, model.toString(),
        data.present() ? data.data.getFileName() + " test" : "");
    Path json = sibling(output, ".report.json");
    Path html = sibling(output, ".report.html");
    ReportFiles.writeAtomically(json, ReportJson.write(report));
    ReportFiles.writeAtomically(html, HtmlReport.render(report));
    PrintWriter out = spec.commandLine().getOut();
    out.print(ReportText.summary(report));
    out.println("wrote " + output + ", " + json + ", " + html);
    out.flush();
    return ExitCodes.OK;
  }

  /** OUT.onnx -> OUT + suffix. */
  static Path sibling(Path out, String suffix) {
    String name = out.getFileName().toString();
    String stem = name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
    return out.resolveSibling(stem + suffix);
  }

  /** "adam" (AdamW) or "sgd" (Nesterov); anything else is a bad-input error. */
  static OptimizerKind parseOptimizer(String name) {
    return switch (name.toLowerCase(java.util.Locale.ROOT)) {
      case "adam", "adamw" -> OptimizerKind.ADAM;
      case "sgd" -> OptimizerKind.SGD_NESTEROV;
      default -> throw new IllegalArgumentException(
          "--optimizer: expected adam or sgd, found '" + name + "'");
    };
  }
}
