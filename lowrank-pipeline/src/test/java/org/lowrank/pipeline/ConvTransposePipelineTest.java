package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.Method;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.runtime.ExportCheck;
import org.lowrank.runtime.ExportCheckResult;
import org.lowrank.runtime.RuntimeOptions;
import org.lowrank.train.finetune.FineTuneSettings;

/** A small encoder-decoder with a ConvTranspose through the whole compression pipeline. */
class ConvTransposePipelineTest {
  @TempDir Path tmp;

  /**
   * x [N, 3, 32, 32] -> Conv "enc" (3->16, 3x3, stride 2, pad 1) -> Relu -> ConvTranspose "dec"
   * (16->24, 3x3, stride 2, pad 1, output_padding 1: 16x16 -> 32x32) -> Relu -> Conv "head" (24->8,
   * 3x3, pad 1) -> GlobalAveragePool -> Flatten -> Gemm "fc" (8->10) -> logits. He-scaled random
   * weights, every layer with a bias.
   */
  static Model encoderDecoder(long seed) {
    Random rnd = new Random(seed);
    Graph g =
        Graph.builder()
            .name("encoder_decoder")
            .addInput(
                new ValueInfo(
                    "x",
                    DataType.FLOAT,
                    List.of(
                        ValueInfo.Dim.symbolic("N"),
                        ValueInfo.Dim.of(3),
                        ValueInfo.Dim.of(32),
                        ValueInfo.Dim.of(32))))
            .putInitializer("enc.weight", he(rnd, 3 * 9, 16, 3, 3, 3))
            .putInitializer("enc.bias", he(rnd, 100, 16))
            .putInitializer("dec.weight", he(rnd, 16 * 9 / 4, 16, 24, 3, 3))
            .putInitializer("dec.bias", he(rnd, 100, 24))
            .putInitializer("head.weight", he(rnd, 24 * 9, 8, 24, 3, 3))
            .putInitializer("head.bias", he(rnd, 100, 8))
            .putInitializer("fc.weight", he(rnd, 8, 10, 8))
            .putInitializer("fc.bias", he(rnd, 100, 10))
            .addNode(
                Node.builder("Conv")
                    .name("enc")
                    .inputs("x", "enc.weight", "enc.bias")
                    .outputs("e")
                    .attrInts("kernel_shape", 3, 3)
                    .attrInts("strides", 2, 2)
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("Relu").name("relu1").inputs("e").outputs("e1").build())
            .addNode(
                Node.builder("ConvTranspose")
                    .name("dec")
                    .inputs("e1", "dec.weight", "dec.bias")
                    .outputs("d")
                    .attrInts("kernel_shape", 3, 3)
                    .attrInts("strides", 2, 2)
                    .attrInts("pads", 1, 1, 1, 1)
                    .attrInts("output_padding", 1, 1)
                    .build())
            .addNode(Node.builder("Relu").name("relu2").inputs("d").outputs("d1").build())
            .addNode(
                Node.builder("Conv")
                    .name("head")
                    .inputs("d1", "head.weight", "head.bias")
                    .outputs("h")
                    .attrInts("kernel_shape", 3, 3)
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("GlobalAveragePool").name("gap").inputs("h").outputs("p").build())
            .addNode(Node.builder("Flatten").name("flatten").inputs("p").outputs("f").build())
            .addNode(
                Node.builder("Gemm")
                    .name("fc")
                    .inputs("f", "fc.weight", "fc.bias")
                    .outputs("logits")
                    .attr("transB", 1L)
                    .build())
            .addOutput(
                new ValueInfo(
                    "logits",
                    DataType.FLOAT,
                    List.of(ValueInfo.Dim.symbolic("N"), ValueInfo.Dim.of(10))))
            .build();
    return Model.of(g, 13);
  }

  private static TensorValue he(Random rnd, long fanIn, long... dims) {
    float[] f = new float[Math.toIntExact(TensorValue.elementCount(dims))];
    double s = Math.sqrt(2.0 / fanIn);
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) (rnd.nextGaussian() * s);
    }
    return TensorValue.ofFloats(dims, f);
  }

  @Test
  void convTransposeIsPlannedFactorizedExportedAndMatchesItsReconstructionInOnnxRuntime()
      throws Exception {
    Path model = tmp.resolve("encdec.onnx");
    OnnxWriter.write(encoderDecoder(1L), model);
    for (Method m : List.of(Method.TUCKER2, Method.CP, Method.TT)) {
      Path out = tmp.resolve("encdec-" + m.cliName() + ".onnx");
      CompressionResult r =
          CompressionPipeline.builder()
              .setModel(model)
              .optOutput(out)
              .optMethods(List.of(m))
              .optBudget(Budget.keepParams(0.6))
              .optSelector(Selectors.energy(0.6, 1))
              .optGuard(FidelityGuard.defaults().withForce(true))
              .build()
              .run();
      assertEquals("ConvTranspose", r.before().layer("dec").orElseThrow().opType());
      LayerDecision dec = r.plan().layer("dec");
      assertTrue(dec.isFactorized(), m + ": " + r.plan().layers());
      assertEquals(m, dec.choice().method());
      // the closed-form costs equal the profile of the rewritten graph
      assertEquals(r.plan().modelAfter().params(), r.after().totalParams(), m.cliName());
      assertEquals(r.plan().modelAfter().macs(), r.after().totalMacs(), m.cliName());
      assertTrue(r.rewriteCheck().passes(1e-4), m + ": " + r.rewriteCheck());
      assertTrue(Files.isRegularFile(out), "forced: written where asked");
      // the written file, in ONNX Runtime, against the model holding the dense reconstruction
      Model written = OnnxReader.read(out);
      assertTrue(
          written.graph().nodes().stream()
              .anyMatch(n -> n.opType().equals("ConvTranspose") && n.name().startsWith("dec/")));
      Model original = OnnxReader.read(model);
      LayerFactorizer factorizer = LayerFactorizer.builder().optSeed(r.seed()).build();
      Model reference = original;
      for (LayerDecision d : r.plan().layers()) {
        if (d.isFactorized()) {
          FactorizedLayer f = factorizer.factorize(original.graph(), d.layer(), d.choice());
          reference = LayerRewriter.withWeight(reference, d.layer(), f.reconstruct());
        }
      }
      ExportCheckResult check =
          ExportCheck.compare(
              OnnxWriter.toBytes(reference),
              Files.readAllBytes(out),
              2,
              7L,
              RuntimeOptions.singleThreaded());
      assertTrue(check.passes(1e-4), m + ": " + check);
      assertTrue(check.outputs().get(0).referenceMaxAbs() > 0);
    }
  }

  @Test
  void refitAndFineTuningRunOnAFactorizedConvTranspose() throws Exception {
    Path model = tmp.resolve("encdec.onnx");
    OnnxWriter.write(encoderDecoder(2L), model);
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(model)
            .optOutput(tmp.resolve("out.onnx"))
            .optMethods(List.of(Method.TUCKER2))
            .optBudget(Budget.keepParams(0.6))
            .optSelector(Selectors.energy(0.6, 1))
            .optGuard(FidelityGuard.defaults().withForce(true))
            .optData(PipelineWithDataTest.cifar())
            .optRefit(32)
            .optEvaluation(32)
            .optFineTune(
                FineTuneSettings.epochs(1)
                    .withSteps(2)
                    .withBatchSize(8)
                    .withLearningRate(1e-4)
                    .withTrainLimit(32))
            .build()
            .run();
    assertTrue(r.plan().layer("dec").isFactorized(), r.plan().layers().toString());
    var fit = r.refit().stream().filter(x -> x.layer().equals("dec")).findFirst().orElseThrow();
    assertTrue(
        fit.refitted() ? fit.errorAfter() <= fit.errorBefore() : !fit.skipped().isBlank(),
        fit.toString());
    assertNotNull(r.fineTune());
    assertEquals(2, r.fineTune().steps());
    assertNotNull(r.accuracy().get(Checkpoint.FINAL_ORT));
  }

  /**
   * Tucker-2 with r_out = C_out ends in the ConvTranspose core: the refit leaves it, saying why.
   */
  @Test
  void refitSkipsAChainEndingInTheConvTransposeCoreWithAReason() throws Exception {
    Path model = tmp.resolve("encdec.onnx");
    OnnxWriter.write(encoderDecoder(3L), model);
    String plan =
        CompressionPipeline.builder()
            .setModel(model)
            .optMethods(List.of(Method.TUCKER2))
            .optBudget(Budget.keepParams(0.9))
            .optSelector(Selectors.energy(0.6, 1))
            .build()
            .plan()
            .plan()
            .toJson();
    Path planFile = tmp.resolve("plan.json");
    Files.writeString(
        planFile,
        plan.replaceFirst("(\"layer\": \"dec\",[^}]*?\"ranks\": )\\[\\d+, \\d+\\]", "$1[24, 4]"));
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(model)
            .optPlan(planFile)
            .optGuard(FidelityGuard.defaults().withForce(true))
            .optData(PipelineWithDataTest.cifar())
            .optRefit(16)
            .optEvaluation(16)
            .build()
            .run();
    assertEquals(
        List.of(24, 4),
        java.util.Arrays.stream(r.plan().layer("dec").choice().ranks()).boxed().toList());
    var fit = r.refit().stream().filter(x -> x.layer().equals("dec")).findFirst().orElseThrow();
    assertTrue(
        !fit.refitted()
            && fit.node().contains("ConvTranspose")
            && fit.skipped().contains("not a Conv"),
        fit.toString());
    assertTrue(r.rewriteCheck().passes(1e-4), r.rewriteCheck().toString());
  }
}
