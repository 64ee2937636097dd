package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.Method;
import org.lowrank.plan.Budget;
import org.lowrank.plan.select.EnergySelectorProvider;
import org.lowrank.plan.select.RankSelector;
import org.lowrank.plan.select.SelectorChoice;
import org.lowrank.plan.select.SelectorContext;
import org.lowrank.plan.select.SelectorOption;
import org.lowrank.plan.select.SelectorProvider;
import org.lowrank.progress.ProgressListener;
import org.lowrank.train.data.Normalization;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.finetune.FineTuneSettings;

class PipelineWithDataTest {
  @TempDir Path tmp;

  static DataSource cifar() {
    return new DataSource(
        SharedData.require("cifar10/cifar10-jpeg.zip"),
        Normalization.of(
            new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}));
  }

  @Test
  void evaluatesFineTunesAndExportedModelAgreesInOnnxRuntime() throws Exception {
    Path model = SharedData.require("models/resnet20_cifar10/model.onnx");
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(model)
            .optOutput(tmp.resolve("out.onnx"))
            .optMethods(List.of(Method.TUCKER2))
            .optBudget(Budget.keepParams(0.5))
            .optSelector(Selectors.energy(0.95, 1))
            .optData(cifar())
            .optEvaluation(200)
            .optFineTune(
                FineTuneSettings.epochs(1)
                    .withSteps(8)
                    .withBatchSize(16)
                    .withLearningRate(0.001)
                    .withTrainLimit(256))
            .build()
            .run();
    EvaluationResult orig = r.accuracy().get(Checkpoint.ORIGINAL);
    EvaluationResult tuned = r.accuracy().get(Checkpoint.FINE_TUNED);
    EvaluationResult ort = r.accuracy().get(Checkpoint.FINAL_ORT);
    assertEquals(200, orig.examples());
    assertTrue(orig.top1() > 0.6, "ResNet-20 scores ~80% on JPEG CIFAR-10: " + orig.top1());
    assertNotNull(r.accuracy().get(Checkpoint.COMPRESSED));
    // the data-aware (sequential) factorization ran by default and already fitted every Tucker-2
    // layer to the compressed model's inputs: the output reconstruction has nothing left to refit
    assertNotNull(r.accuracy().get(Checkpoint.FACTORIZED));
    long factorized = r.plan().layers().stream().filter(d -> d.isFactorized()).count();
    assertTrue(factorized > 0);
    assertEquals(0, r.refit().size());
    for (var f : r.refit()) {
      assertTrue(f.refitted() && f.errorAfter() < f.errorBefore(), f.toString());
    }
    assertNotNull(r.fineTune());
    assertEquals(8, r.fineTune().steps());
    // 1,000 held-out training images, validated before fine-tuning and every 8 / 4 = 2 steps
    assertTrue(r.fineTune().validationTop1Before() > 0.6, r.fineTune().toString());
    assertEquals(
        List.of(2L, 4L, 6L, 8L),
        r.fineTune().validations().stream()
            .map(org.lowrank.train.finetune.FineTuneResult.ValidationPoint::step)
            .toList());
    // the exported model predicts the same in ONNX Runtime as in the executor
    assertEquals(tuned.top1(), ort.top1(), 0.011, "executor " + tuned + " vs ORT " + ort);
    // every checkpoint, in run order, and the report reads each from its own checkpoint
    assertEquals(
        List.of(
            Checkpoint.ORIGINAL,
            Checkpoint.FACTORIZED,
            Checkpoint.COMPRESSED,
            Checkpoint.FINE_TUNED,
            Checkpoint.FINAL_ORT),
        List.copyOf(r.accuracy().keySet()));
    org.lowrank.report.CompressionReport report = Reports.of(r, model.toString(), "CIFAR-10 test");
    assertEquals(orig.top1(), report.accuracyBefore().orElseThrow().top1());
    assertEquals(
        r.accuracy().get(Checkpoint.COMPRESSED).top1(),
        report.accuracyCompressed().orElseThrow().top1());
    assertEquals(tuned.top1(), report.accuracyFinetuned().orElseThrow().top1());
  }

  /** The energy selector, recording whether its context says the layers will be refitted. */
  private record ContextSpy(List<SelectorContext> seen)
      implements SelectorProvider<EnergySelectorProvider.Options> {
    private static final EnergySelectorProvider ENERGY = new EnergySelectorProvider();

    @Override
    public String name() {
      return "context-spy";
    }

    @Override
    public String description() {
      return "energy, recording the selector context";
    }

    @Override
    public String scoreLabel() {
      return ENERGY.scoreLabel();
    }

    @Override
    public List<SelectorOption> options() {
      return ENERGY.options();
    }

    @Override
    public EnergySelectorProvider.Options options(SelectorOption.Values values) {
      return ENERGY.options(values);
    }

    @Override
    public RankSelector create(
        EnergySelectorProvider.Options o, SelectorContext ctx, ProgressListener progress) {
      seen.add(ctx);
      return ENERGY.create(o, ctx, progress);
    }
  }

  @Test
  void selectorsLearnWhetherTheLayersWillBeRefitted() throws Exception {
    Path model = SharedData.require("models/resnet20_cifar10/model.onnx");
    List<SelectorContext> seen = new java.util.ArrayList<>();
    for (int images : new int[] {CompressionPipeline.DEFAULT_REFIT_IMAGES, 0}) {
      CompressionPipeline.builder()
          .setModel(model)
          .optMethods(List.of(Method.TUCKER2))
          .optBudget(Budget.keepParams(0.5))
          .optSelector(
              SelectorChoice.of(new ContextSpy(seen), new EnergySelectorProvider.Options(0.95, 1)))
          .optData(cifar())
          .optCalibrationSize(4)
          .optRefit(images)
          .build()
          .plan();
    }
    assertEquals(List.of(true, false), seen.stream().map(SelectorContext::refit).toList());
  }

  /**
   * Selectors learn whether the factors will be fitted to the data or to the weights alone ({@code
   * --factorize weights}), independently of the refit, so the similarity search scores the fit that
   * will be deployed.
   */
  @Test
  void selectorsLearnWhetherTheFactorsWillBeFittedToTheData() throws Exception {
    Path model = SharedData.require("models/resnet20_cifar10/model.onnx");
    List<SelectorContext> seen = new java.util.ArrayList<>();
    for (int images : new int[] {CompressionPipeline.DEFAULT_REFIT_IMAGES, 0}) {
      CompressionPipeline.builder()
          .setModel(model)
          .optMethods(List.of(Method.TUCKER2))
          .optBudget(Budget.keepParams(0.5))
          .optSelector(
              SelectorChoice.of(new ContextSpy(seen), new EnergySelectorProvider.Options(0.95, 1)))
          .optData(cifar())
          .optCalibrationSize(4)
          .optDataAwareFactorization(images)
          .build()
          .plan();
    }
    assertEquals(List.of(true, false), seen.stream().map(SelectorContext::dataAware).toList());
    assertEquals(List.of(true, true), seen.stream().map(SelectorContext::refit).toList());
  }

  @Test
  void dataMismatchAndMissingDataAreClearErrors() throws Exception {
    Path model = SharedData.require("models/resnet20_cifar10/model.onnx");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CompressionPipeline.builder()
                    .setModel(model)
                    .optFineTune(FineTuneSettings.epochs(1))
                    .build());
    assertTrue(e.getMessage().contains("dataset"), e.getMessage());
    Path fashion = Path.of("/usr/share/datasets/fashion-mnist");
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(fashion));
    IllegalArgumentException e2 =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CompressionPipeline.builder()
                    .setModel(model)
                    .optMethods(List.of(Method.TUCKER2))
                    .optData(new DataSource(fashion, Normalization.unit()))
                    .optEvaluation(10)
                    .build()
                    .run());
    assertTrue(
        e2.getMessage().contains("1x28x28") && e2.getMessage().contains("3x32x32"),
        e2.getMessage());
  }
}
