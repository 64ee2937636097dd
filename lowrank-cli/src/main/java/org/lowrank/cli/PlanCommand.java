package org.lowrank.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.pipeline.DataSpec;
import org.lowrank.pipeline.MeasurementSpec;
import org.lowrank.pipeline.PlanFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lowrank plan MODEL -o PLAN.json}: choose a method and ranks per layer, write the plan. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "Choose a factorization method and ranks for every layer under a budget and",
      "write the plan (JSON, editable; apply it with 'lowrank compress --plan')."
    })
public final class PlanCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL.onnx")
  Path model;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "PLAN.json",
      required = true,
      description = "Where to write the plan.")
  Path output;

  @Mixin CommonOptions common;
  @Mixin PlanningOptions planning;
  @Mixin DataOptions data;
  @Mixin FactorizeOptions factorize;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * Planning's data spec with the data-aware fit of {@code --factorize} and {@code --fit-images},
   * so the similarity search scores the fit {@code compress} will deploy.
   */
  DataSpec dataSpec() {
    OptionChecks.nonNegative("--fit-images", factorize.fitImages, "no data-aware fit");
    if (!data.present()) {
      OptionChecks.refuseGiven(
          spec,
          "they use the training images of --data PATH, and none is given",
          "add --data PATH or drop them",
          "--fit-images",
          "--factorize");
      return planning.dataSpec(data);
    }
    return factorize.apply(planning.dataSpec(data), spec);
  }

  @Override
  public Integer call() throws Exception {
    common.apply();
    org.lowrank.pipeline.PruneStep prune = planning.pruneStep();
    if (prune != null && prune.only()) {
      throw new IllegalArgumentException(
          "--method prune alone factorizes no layer, and a plan file records factorizations only"
              + " ('compress --plan' cannot apply filter pruning): run 'lowrank compress "
              + model
              + " --method prune' with the same budget instead; it lists the pruned groups");
    }
    OutputCheck.check(
        "plan", output, "input model", model, "plan file", planning.plan, "dataset", data.data);
    ProgressBar bar = common.progress();
    CompressionPipeline.Builder b =
        CompressionPipeline.builder()
            .setModel(model)
            .optSeed(common.seed)
            .optPlanSpec(planning.spec(data))
            .optDataSpec(dataSpec())
            .optMeasurement(
                MeasurementSpec.defaults()
                    .withThreads(common.threads)
                    .withLatency(
                        CompressCommand.LATENCY_WARMUP,
                        CompressCommand.LATENCY_RUNS,
                        planning.latencyBatches))
            .optListener(new StageProgress(bar, System.err, common.quiet));
    CompressionPipeline.Planned p = b.build().plan();
    PlanFiles.write(p.plan(), output);
    PlanTable.print(p.plan(), spec.commandLine().getOut());
    spec.commandLine().getOut().println("plan written to " + output);
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
