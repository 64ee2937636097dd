package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.Budget;
import org.lowrank.train.data.Batch;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.Datasets;
import org.lowrank.train.data.ImageDataset;
import org.lowrank.train.exec.GraphExecutor;

/**
 * {@code --factorize data-distill}: the label-free distillation on the fit images brings the
 * compressed model's logits closer to the original's on those images than the data-aware
 * factorization alone, on the same plan and seed; and the data-aware fit's rewrite check compares
 * against a reference with its refitted biases.
 */
class DistillOnFitImagesTest {
  @TempDir Path tmp;

  private static final int FIT_IMAGES = 64;
  private static final long SEED = 42;

  private CompressionResult compress(Path model, int distillSteps) throws Exception {
    return CompressionPipeline.builder()
        .setModel(model)
        .optMethods(List.of(Method.TUCKER2))
        .optBudget(Budget.keepParams(0.5))
        .optSelector(Selectors.energy(0.6, 1))
        .optGuard(FidelityGuard.defaults().withForce(true))
        .optData(PipelineWithDataTest.cifar())
        .optCalibrationSize(8)
        .optDataAwareFactorization(FIT_IMAGES)
        .optDistillation(distillSteps, false)
        .optSeed(SEED)
        .build()
        .run();
  }

  /** The fit images, as the pipeline draws them: the seeded subset of the training split. */
  private static TensorValue fitImages(long[] shape) throws Exception {
    DataSource data = PipelineWithDataTest.cifar();
    try (ImageDataset train = data.open("train", shape)) {
      ImageDataset subset = Datasets.limit(train, FIT_IMAGES, SEED);
      Batch b =
          DataLoader.builder(subset)
              .setBatchSize(subset.size())
              .optNormalization(data.normalization())
              .build()
              .epoch(0)
              .next();
      return TensorValue.ofFloats(b.shape(), b.data());
    }
  }

  /** Mean squared difference of the logits of two models on {@code x}. */
  private static double logitError(Model a, Model b, TensorValue x) {
    try (GraphExecutor ea = GraphExecutor.of(a);
        GraphExecutor eb = GraphExecutor.of(b)) {
      float[] ya = ea.run(Map.of("x", x), List.of()).get("logits").toFloatArray();
      float[] yb = eb.run(Map.of("x", x), List.of()).get("logits").toFloatArray();
      double s = 0;
      for (int i = 0; i < ya.length; i++) {
        s += (ya[i] - yb[i]) * (double) (ya[i] - yb[i]);
      }
      return s / ya.length;
    }
  }

  @Test
  void distillationOnTheFitImagesBringsTheLogitsCloserToTheOriginal() throws Exception {
    Path model = tmp.resolve("encdec.onnx");
    OnnxWriter.write(ConvTransposePipelineTest.encoderDecoder(5L), model);
    CompressionResult fitted = compress(model, 0);
    CompressionResult distilled = compress(model, 40);
    assertEquals(fitted.plan().toJson(), distilled.plan().toJson(), "same plan");
    assertFalse(fitted.stageSeconds().containsKey(Stage.DISTILL));
    assertNotNull(distilled.stageSeconds().get(Stage.DISTILL));
    TensorValue x = fitImages(new long[] {FIT_IMAGES, 3, 32, 32});
    double before = logitError(fitted.original(), fitted.compressed(), x);
    double after = logitError(distilled.original(), distilled.compressed(), x);
    assertTrue(before > 0, "the factorization is lossy: " + before);
    assertTrue(after < 0.8 * before, "logit MSE on the fit images: " + before + " -> " + after);
  }

  @Test
  void theRewriteCheckOfTheDataFitComparesWithTheRefittedBiases() throws Exception {
    // the sequential fit refits each bias (b̂ = b + W mu - Ŵ mû): the dense reference must carry
    // them, or an exact rewrite fails the check and warns
    Path model = tmp.resolve("encdec.onnx");
    OnnxWriter.write(ConvTransposePipelineTest.encoderDecoder(5L), model);
    CompressionResult r = compress(model, 0);
    assertTrue(r.plan().layers().stream().anyMatch(d -> d.isFactorized()), r.plan().toJson());
    assertTrue(
        r.rewriteCheck().passes(CompressionResult.REWRITE_TOLERANCE), r.rewriteCheck().toString());
    assertTrue(
        r.warnings().stream().noneMatch(w -> w.kind() == PipelineWarning.Kind.REWRITE_CHECK),
        r.warnings().toString());
  }

  @Test
  void negativeStepsAndImagesAreRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> CompressionPipeline.builder().optDistillation(-1, false));
    assertTrue(e.getMessage().contains("distillation steps"), e.getMessage());
    IllegalArgumentException e2 =
        assertThrows(
            IllegalArgumentException.class,
            () -> CompressionPipeline.builder().optDistillationImages(-5));
    assertTrue(e2.getMessage().contains("distillation images"), e2.getMessage());
  }
}
