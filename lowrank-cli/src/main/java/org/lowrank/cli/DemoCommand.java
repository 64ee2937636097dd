package org.lowrank.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lowrank.demo.DemoAsset;
import org.lowrank.demo.DemoAssets;
import org.lowrank.demo.DemoModel;
import org.lowrank.demo.FashionMnist;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.pipeline.CompressionResult;
import org.lowrank.pipeline.DataSource;
import org.lowrank.pipeline.DataSpec;
import org.lowrank.pipeline.MeasurementSpec;
import org.lowrank.pipeline.PlanSpec;
import org.lowrank.pipeline.Reports;
import org.lowrank.plan.Budget;
import org.lowrank.plan.select.SelectorChoice;
import org.lowrank.plan.select.SelectorOption;
import org.lowrank.report.CompressionReport;
import org.lowrank.report.HtmlReport;
import org.lowrank.report.ReportJson;
import org.lowrank.report.ReportText;
import org.lowrank.train.finetune.FineTuneSettings;
import org.lowrank.util.OutputPaths;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lowrank demo}: the whole product on a fresh machine, offline. A small CNN with conv and
 * dense layers, trained on Fashion-MNIST on first use (cached), compressed with the hybrid method
 * and the feature-map similarity selector under a parameter budget, fine-tuned once with
 * distillation, exported, and reported (parameters, FLOPs, accuracy, ONNX Runtime latency before
 * and after).
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Train (first run only, cached) a small CNN on Fashion-MNIST, compress it",
      "(hybrid methods, feature-map similarity ranks), fine-tune once, export and report."
    })
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = {"-o", "--output-dir"},
      paramLabel = "DIR",
      defaultValue = "demo-out",
      description = "Where the compressed model and reports go (default: ${DEFAULT-VALUE}).")
  Path outDir;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      defaultValue = "fashion-cnn",
      description = "fashion-cnn (default) or vgg (large dense layers).")
  String modelName;

  @Option(
      names = "--method",
      paramLabel = "M",
      defaultValue = "tucker,tt,svd,qr,ttm",
      description = {
        "Methods the hybrid chooses from (default: ${DEFAULT-VALUE}; CP is left out",
        "because its depthwise convolutions ran slower than the original layers in ONNX Runtime",
        "on this model; add it with --method hybrid)."
      })
  String method;

  @Option(
      names = "--keep-params",
      paramLabel = "F",
      defaultValue = "0.1",
      description = "Fraction of the parameters to keep (default: ${DEFAULT-VALUE}).")
  double keepParams;

  @Option(
      names = "--finetune-steps",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Fine-tuning steps of 64 images after compression (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(
      names = "--eval-limit",
      paramLabel = "N",
      defaultValue = "0",
      description = "Evaluate on at most N test images (0 = all 10,000).")
  int evalLimit;

  @Option(
      names = "--cache",
      paramLabel = "DIR",
      description =
          "Where the trained demo model is cached (default: $LOWRANK_CACHE or ~/.cache/lowrank).")
  Path cache;

  @Mixin CommonOptions common;
  @Mixin LayerRuleOptions layers;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    common.apply();
    DemoModel which =
        switch (modelName) {
          case "fashion-cnn" -> DemoModel.FASHION_CNN;
          case "vgg" -> DemoModel.VGG_STYLE;
          default ->
              throw new IllegalArgumentException(
                  "--model: expected fashion-cnn or vgg, found '" + modelName + "'");
        };
    Path out = outDir.resolve(which.fileName().replace(".onnx", ".lowrank.onnx"));
    Path json = outDir.resolve("report.json");
    Path html = outDir.resolve("report.html");
    OutputPaths.check(
        Map.of("compressed model", out, "JSON report", json, "HTML report", html),
        Map.of()); // before training, not after
    String source = "Fashion-MNIST test";
    ProgressBar bar = common.progress();
    StageProgress stages = new StageProgress(bar, System.err, common.quiet);
    stages.announce("demo model (trained on first use, then cached)");
    DemoAsset asset =
        DemoAssets.trained(which, cache != null ? cache : DemoAssets.defaultCacheDir(), bar);
    Files.createDirectories(outDir);
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(asset.file())
            .optOutput(out)
            .optPlanSpec(
                new PlanSpec(
                    PlanningOptions.parseMethods(method),
                    Budget.keepParams(keepParams),
                    layers.rules(),
                    SelectorChoice.of("similarity", SelectorOption.Values.defaults()),
                    null,
                    null,
                    0,
                    null,
                    null))
            .optDataSpec(
                DataSpec.none()
                    .withSource(
                        new DataSource(FashionMnist.directory(), FashionMnist.NORMALIZATION))
                    .withEvalLimit(evalLimit))
            .optFineTune(FineTuneSettings.epochs(1).withSteps(steps))
            .optMeasurement(
                MeasurementSpec.defaults()
                    .withThreads(common.threads)
                    .withLatency(
                        CompressCommand.LATENCY_WARMUP, CompressCommand.LATENCY_RUNS, 1, 32))
            .optSeed(common.seed)
            .optListener(stages)
            .optCompanions(
                java.util.List.of(
                    new CompressionPipeline.Companion(
                        "JSON report",
                        p -> json,
                        res ->
                            utf8(
                                ReportJson.write(
                                    Reports.of(res, asset.file().toString(), source)))),
                    new CompressionPipeline.Companion(
                        "HTML report",
                        p -> html,
                        res ->
                            utf8(
                                HtmlReport.render(
                                    Reports.of(res, asset.file().toString(), source))))))
            .build()
            .run();
    CompressionReport report = Reports.of(r, asset.file().toString(), source);
    PrintWriter o = spec.commandLine().getOut();
    o.print(ReportText.summary(report));
    o.printf(Locale.ROOT, "wrote %s, %s, %s%n", r.output(), json, html);
    o.flush();
    if (!r.fidelity().passed()) {
      spec.commandLine()
          .getErr()
          .println(
              "lowrank demo: the compressed model failed the fidelity "
                  + "guard ("
                  + r.fidelity().verdict()
                  + "); written to "
                  + r.output());
      return ExitCodes.FIDELITY;
    }
    return ExitCodes.OK;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
