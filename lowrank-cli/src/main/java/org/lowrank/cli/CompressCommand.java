package org.lowrank.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.pipeline.CompressionResult;
import org.lowrank.pipeline.DataSpec;
import org.lowrank.pipeline.FidelityGuard;
import org.lowrank.pipeline.MeasurementSpec;
import org.lowrank.pipeline.Reports;
import org.lowrank.report.CompressionReport;
import org.lowrank.report.HtmlReport;
import org.lowrank.report.ReportJson;
import org.lowrank.report.ReportText;
import org.lowrank.train.finetune.FineTuneSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lowrank compress MODEL -o OUT.onnx}: the whole pipeline. Writes OUT.onnx plus
 * OUT.report.json and OUT.report.html, and prints a summary.
 */
@Command(
    name = "compress",
    mixinStandardHelpOptions = true,
    description = {
      "Compress a model: plan ranks, factorize, rewrite, optionally fine-tune once,",
      "export ONNX, and report parameters, FLOPs, accuracy and ONNX Runtime latency."
    })
public final class CompressCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL.onnx")
  Path model;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "OUT.onnx",
      required = true,
      description = "The compressed model (the report files go beside it).")
  Path output;

  @Option(
      names = "--finetune-epochs",
      paramLabel = "N",
      defaultValue = "0",
      description = "Fine-tune the compressed model for N epochs (needs --data).")
  int epochs;

  @Option(
      names = "--finetune-steps",
      paramLabel = "N",
      defaultValue = "0",
      description = "Fine-tune for N optimizer steps instead of epochs.")
  long steps;

  @Mixin FineTuneOptions fineTune;

  @Option(
      names = "--no-distill",
      description = "Fine-tune on labels only (default: distill from the original).")
  boolean noDistill;

  @Option(
      names = "--refit-images",
      paramLabel = "N",
      defaultValue = "" + CompressionPipeline.DEFAULT_REFIT_IMAGES,
      description =
          "Output reconstruction after factorizing: refit each factorized layer's last "
              + "factor (conv or Gemm) by least squares so its output matches the original layer's on N "
              + "training images (default: ${DEFAULT-VALUE}; 0 = off; needs --data).")
  int refitImages;

  @Option(
      names = "--distill-steps",
      paramLabel = "N",
      defaultValue = "" + CompressionPipeline.DEFAULT_DISTILL_STEPS,
      description =
          "Steps of the label-free distillation of --factorize data-distill, in batches of 64 "
              + "fit images (default: ${DEFAULT-VALUE}).")
  int distillSteps;

  @Option(
      names = "--distill-images",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Training images the distillation of --factorize data-distill draws from, the fit "
              + "images first (default: 0 = the --fit-images images only).")
  int distillImages;

  @Mixin FactorizeOptions factorize;

  @Option(
      names = "--eval-limit",
      paramLabel = "N",
      defaultValue = "0",
      description = "Evaluate on at most N test images (0 = all; needs --data).")
  int evalLimit;

  @Option(
      names = "--no-eval",
      description =
          "Skip top-1 on the test split (e.g. a model whose classes are not those of --data's"
              + " labels); --data still feeds the data-aware fit and the fidelity check.")
  boolean noEval;

  @Option(names = "--no-latency", description = "Skip the latency measurement.")
  boolean noLatency;

  @Option(
      names = "--max-drop",
      paramLabel = "P",
      defaultValue = "" + FidelityGuard.DEFAULT_MAX_DROP,
      description =
          "Fidelity guard with --data: top-1 may fall at most P points on the test "
              + "images, the final model run in ONNX Runtime (default: ${DEFAULT-VALUE}).")
  double maxDrop;

  @Option(
      names = "--min-agreement",
      paramLabel = "A",
      defaultValue = "" + FidelityGuard.DEFAULT_MIN_AGREEMENT,
      description =
          "Fidelity guard without labels: at least this fraction of top-1 predictions "
              + "unchanged on the test_data_set inputs next to the model, else on seeded random "
              + "inputs (default: ${DEFAULT-VALUE}).")
  double minAgreement;

  @Option(
      names = "--max-output-error",
      paramLabel = "E",
      defaultValue = "" + FidelityGuard.DEFAULT_MAX_OUTPUT_ERROR,
      description =
          "Fidelity guard for models that are not classifiers: relative output error "
              + "at most E (default: ${DEFAULT-VALUE}).")
  double maxOutputError;

  @Option(
      names = "--force",
      description =
          "Write OUT.onnx even when the model fails the fidelity "
              + "guard (the report still says so); without it a failing model goes to OUT.rejected.onnx "
              + "and the exit code is "
              + ExitCodes.FIDELITY
              + ".")
  boolean force;

  /** Warm-up and timed runs per model and batch of the latency comparison. */
  static final int LATENCY_WARMUP = 5;

  static final int LATENCY_RUNS = 30;

  @Mixin CommonOptions common;
  @Mixin PlanningOptions planning;
  @Mixin DataOptions data;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * The run's data spec: planning's (images, calibration, input shapes) with, given {@code --data},
   * the evaluation limit, the refit images and the data-aware fit ({@code --fit-images}, 0 with
   * {@code --factorize weights}).
   */
  DataSpec dataSpec() {
    DataSpec dataSpec = planning.dataSpec(data);
    OptionChecks.nonNegative("--fit-images", factorize.fitImages, "no data-aware fit");
    OptionChecks.nonNegative("--refit-images", refitImages, "no refit");
    OptionChecks.nonNegative("--eval-limit", evalLimit, "the whole test split");
    if (!data.present()) {
      OptionChecks.refuseGiven(
          spec,
          "they use the training or test images of --data PATH, and none is given",
          "add --data PATH or drop them",
          "--fit-images",
          "--refit-images",
          "--factorize",
          "--eval-limit",
          "--no-eval",
          "--max-drop",
          "--distill-steps",
          "--distill-images");
      return dataSpec;
    }
    if (factorize.factorize != FactorizeOptions.Factorize.distill) {
      OptionChecks.refuseGiven(
          spec,
          "they set the distillation of --factorize data-distill",
          "add --factorize data-distill or drop them",
          "--distill-steps",
          "--distill-images");
    }
    if (noEval) {
      OptionChecks.refuseGiven(
          spec, "--no-eval skips the evaluation it limits", "drop it or --no-eval", "--eval-limit");
    }
    dataSpec = dataSpec.withEvalLimit(noEval ? -1 : evalLimit).withRefitImages(refitImages);
    return factorize.apply(dataSpec, spec);
  }

  @Override
  public Integer call() throws Exception {
    common.apply();
    ProgressBar bar = common.progress();
    DataSpec dataSpec = dataSpec();
    FineTuneSettings tune = null;
    if (epochs > 0 || steps > 0) {
      if (!data.present()) {
        throw new IllegalArgumentException("fine-tuning needs training data: add --data PATH");
      }
      tune = fineTune.settings(epochs, steps, !noDistill);
    }
    MeasurementSpec measurement =
        MeasurementSpec.defaults()
            .withThreads(common.threads)
            .withLatency(
                LATENCY_WARMUP, LATENCY_RUNS, noLatency ? new int[0] : planning.latencyBatches)
            .withGuard(new FidelityGuard(maxDrop, minAgreement, maxOutputError, force));
    CompressionPipeline.Builder b =
        CompressionPipeline.builder()
            .setModel(model)
            .optOutput(output)
            .optSeed(common.seed)
            .optListener(new StageProgress(bar, System.err, common.quiet))
            .optPlanSpec(planning.spec(data))
            .optDataSpec(dataSpec)
            .optFineTune(tune)
            .optDistillation(
                factorize.factorize == FactorizeOptions.Factorize.distill ? distillSteps : 0,
                fineTune.augment)
            .optDistillationImages(distillImages)
            .optMeasurement(measurement);
    String dataName = data.present() ? data.data.getFileName() + " test" : "";
    b.optCompanions(
        List.of(
            CompressionPipeline.Companion.sibling(
                ".report.json",
                "JSON report",
                res -> utf8(ReportJson.write(Reports.of(res, model.toString(), dataName)))),
            CompressionPipeline.Companion.sibling(
                ".report.html",
                "HTML report",
                res -> utf8(HtmlReport.render(Reports.of(res, model.toString(), dataName))))));
    CompressionResult r = b.build().run();
    if (!r.fidelity().passed() && !force) {
      removeStale(output, "this run was rejected");
    } else {
      removeStale(CompressionPipeline.rejectedPath(output), "this run passed");
    }
    CompressionReport report = Reports.of(r, model.toString(), dataName);
    Path written = r.output();
    Path json = CompressionPipeline.sibling(written, ".report.json");
    Path html = CompressionPipeline.sibling(written, ".report.html");
    PrintWriter out = spec.commandLine().getOut();
    out.print(ReportText.summary(report));
    out.println("wrote " + written + ", " + json + ", " + html);
    out.flush();
    if (!r.fidelity().passed()) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          force
              ? "lowrank: WARNING: the compressed model FAILED the fidelity guard; written to "
                  + written
                  + " anyway (--force)"
              : "lowrank: REJECTED: the compressed model failed the fidelity guard; it was written to "
                  + written
                  + ", not "
                  + output
                  + " (exit code "
                  + ExitCodes.FIDELITY
                  + "; --force writes it to "
                  + output
                  + ")");
      err.flush();
      return force ? ExitCodes.OK : ExitCodes.FIDELITY;
    }
    return ExitCodes.OK;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * After a run, only its own verdict's files may be there (OUT.onnx after a pass,
   * OUT.rejected.onnx after a rejection): an earlier run's files would pass for this run's result.
   * Removes them, saying so.
   */
  private void removeStale(Path out, String why) throws java.io.IOException {
    for (Path p :
        new Path[] {
          out,
          CompressionPipeline.sibling(out, ".report.json"),
          CompressionPipeline.sibling(out, ".report.html")
        }) {
      if (java.nio.file.Files.deleteIfExists(p)) {
        spec.commandLine()
            .getErr()
            .println("lowrank: removed " + p + " (an earlier run's output; " + why + ")");
      }
    }
  }
}
