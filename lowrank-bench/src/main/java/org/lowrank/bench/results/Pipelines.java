package org.lowrank.bench.results;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.cost.Cost;
import org.lowrank.demo.FashionMnist;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.pipeline.CompressionResult;
import org.lowrank.pipeline.DataSource;
import org.lowrank.pipeline.PlanFiles;
import org.lowrank.plan.Budget;
import org.lowrank.plan.Plan;
import org.lowrank.plan.select.SelectorChoice;
import org.lowrank.plan.select.SelectorOption;
import org.lowrank.train.data.Normalization;
import org.lowrank.train.finetune.FineTuneSettings;

/**
 * Every call of {@code ./bench results} into the compression pipeline ({@link CompressionPipeline},
 * {@link PlanFiles}, {@link SelectorChoice}): what a row plans and runs, built from the run's
 * options. When the pipeline's API changes, this is the class of lowrank-bench to adapt.
 */
final class Pipelines {
  private final ResultsOptions o;

  /**
   * @param o the run's options (not modified)
   */
  Pipelines(ResultsOptions o) {
    this.o = o;
  }

  /** {@code DATA_ROOT/models/NAME_cifar10/model.onnx}. */
  Path modelPath(String name) {
    return o.dataRoot().resolve("models").resolve(name + "_cifar10").resolve("model.onnx");
  }

  /** The CIFAR-10 fine-tuning of experiment 1: the product's settings with the run's options. */
  FineTuneSettings cifarFineTune() {
    FineTuneSettings f =
        o.fineTune(o.epochs)
            .withLearningRate(o.learningRate())
            .withAugmentation(true)
            .withTrainLimit(o.cifarTrainLimit());
    return o.quick ? f.withSteps(8).withBatchSize(32) : f;
  }

  /** The plan of a ResNet row (experiments 1, 3, 5): read, analyze, calibrate, search. */
  Plan plan(Experiment e) throws IOException {
    return planning(e).build().plan().plan();
  }

  /**
   * Applies {@code plan} from a plan file (as {@code lowrank compress --plan}) and runs the other
   * stages: evaluation, and with {@code fineTune} fine-tuning and ONNX Runtime latency at batch 1
   * and 32 (experiment 1); without, top-1 before fine-tuning (experiment 3).
   */
  CompressionResult apply(Experiment e, Plan plan, boolean fineTune) throws IOException {
    return withPlanFile(
        plan,
        file -> {
          CompressionPipeline.Builder b = planning(e).optPlan(file).optEvaluation(o.evalImages());
          if (fineTune) {
            b.optFineTune(cifarFineTune()).optLatency(o.quick ? 2 : 5, o.quick ? 5 : 30, 1, 32);
          }
          return b.build().run();
        });
  }

  /**
   * Experiment 1's reference: the original fine-tuned with the rows' exact schedule (same epochs,
   * images, lr, augmentation, seed, loss), through the pipeline with a plan that factorizes no
   * layer.
   */
  CompressionResult reference(Experiment e) throws IOException {
    Path model = modelPath(e.model());
    ModelProfile profile = ModelProfile.of(OnnxReader.read(model));
    Cost total = new Cost(profile.totalParams(), profile.totalMacs());
    Plan none =
        new Plan(
            model.getFileName().toString(),
            "none (reference)",
            Budget.none(),
            o.seed,
            Map.of("note", "no layer factorized: fine-tuning reference"),
            List.of(),
            total,
            total);
    return withPlanFile(
        none,
        file ->
            CompressionPipeline.builder()
                .setModel(model)
                .optPlan(file)
                .optData(cifar())
                .optEvaluation(o.evalImages())
                .optFineTune(cifarFineTune())
                .optThreads(o.ortThreads)
                .optSeed(o.seed)
                .build()
                .run());
  }

  /** Experiment 2: one layer type of the Fashion-MNIST model factorized under {@code budget}. */
  CompressionResult fashion(Experiment e, Path modelFile, Budget budget) throws IOException {
    boolean conv = e.layers().equals("conv");
    FineTuneSettings ft =
        o.fineTune(o.epochs)
            .withLearningRate(o.learningRate())
            .withTrainLimit(o.fashionTrainLimit());
    return common(
            CompressionPipeline.builder()
                .setModel(modelFile)
                .optMethods(
                    (conv ? Experiments.CONV_METHODS : Experiments.FC_METHODS).get(e.method()))
                .optBudget(budget)
                .optSelector(selector(e.selector()))
                .optData(new DataSource(FashionMnist.directory(), FashionMnist.NORMALIZATION))
                .optEvaluation(o.quick ? 1000 : 0)
                .optFineTune(o.quick ? ft.withSteps(10) : ft))
        .build()
        .run();
  }

  /** Model, methods, budget, selector and data of a ResNet row, with the common options. */
  private CompressionPipeline.Builder planning(Experiment e) {
    return common(
        CompressionPipeline.builder()
            .setModel(modelPath(e.model()))
            .optMethods(Experiments.CONV_METHODS.get(e.method()))
            .optBudget(e.budget())
            .optSelector(selector(e.selector()))
            .optData(cifar()));
  }

  /** Calibration images, ORT threads, seed, --refit and, when given, --prune-latency (batch 1). */
  private CompressionPipeline.Builder common(CompressionPipeline.Builder b) {
    b.optCalibrationSize(o.calibration())
        .optThreads(o.ortThreads)
        .optSeed(o.seed)
        .optRefit(o.refit);
    return o.pruneLatency == null ? b : b.optLatencyPruning(o.pruneLatency, 1);
  }

  /** The rows' selector: its defaults, ranks not rounded (rank multiple 1, as recorded). */
  private static SelectorChoice selector(String name) {
    return SelectorChoice.of(
        name, SelectorOption.Values.defaults().with(SelectorOption.RANK_MULTIPLE, "1"));
  }

  private DataSource cifar() {
    return new DataSource(
        o.dataRoot().resolve("cifar10").resolve("cifar10-jpeg.zip"), Normalization.imagenet());
  }

  /** A pipeline step that reads a plan file. */
  private interface WithPlan {
    CompressionResult run(Path planFile) throws IOException;
  }

  /** Runs {@code step} with {@code plan} written to a temporary plan file, deleted afterwards. */
  private static CompressionResult withPlanFile(Plan plan, WithPlan step) throws IOException {
    Path file = Files.createTempFile("lowrank-results-", ".plan.json");
    try {
      PlanFiles.write(plan, file);
      return step.run(file);
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
