package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.Cost;
import org.lowrank.cost.Method;
import org.lowrank.demo.DemoModels;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.TensorValue;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.Budget;
import org.lowrank.rewrite.LayerRewriter;

/** Bad input costs no work and no data: outputs checked first, outputs written as one unit. */
class BadInputPipelineTest {
  @TempDir Path tmp;

  private Path cnn() throws Exception {
    Path model = tmp.resolve("cnn.onnx");
    OnnxWriter.write(DemoModels.fashionCnn(3), model);
    return model;
  }

  private static CompressionPipeline.Builder svd(Path model) {
    return CompressionPipeline.builder()
        .setModel(model)
        .optMethods(List.of(Method.SVD))
        .optBudget(Budget.keepParams(0.5))
        .optSelector(Selectors.energy(0.5, 1))
        .optGuard(FidelityGuard.defaults().withForce(true));
  }

  private static CompressionPipeline.Companion report(String text) {
    return CompressionPipeline.Companion.sibling(
        ".report.json", "JSON report", r -> text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aFailureWhileWritingLeavesTheEarlierModelAndReportsAsTheyWere() throws Exception {
    Path model = cnn();
    Path out = Files.writeString(tmp.resolve("out.onnx"), "old model");
    Path json = Files.writeString(tmp.resolve("out.report.json"), "old report");
    CompressionPipeline.Companion broken =
        CompressionPipeline.Companion.sibling(
            ".report.html",
            "HTML report",
            r -> {
              throw new IllegalStateException("the report renderer failed");
            });
    assertThrows(
        IllegalStateException.class,
        () ->
            svd(model)
                .optOutput(out)
                .optCompanions(List.of(report("new report"), broken))
                .build()
                .run());
    assertEquals(
        "old model",
        new String(Files.readAllBytes(out), StandardCharsets.ISO_8859_1),
        "the model is not replaced before its reports");
    assertEquals("old report", Files.readString(json));

    CompressionResult r =
        svd(model).optOutput(out).optCompanions(List.of(report("new report"))).build().run();
    assertEquals(out, r.output());
    assertEquals("new report", Files.readString(json));
    assertEquals(
        r.compressed().graph().nodes().size(), OnnxReader.read(out).graph().nodes().size());
  }

  @Test
  void outputsAreCheckedBeforeAnyWork() throws Exception {
    Path model = cnn();
    Path plan = Files.writeString(tmp.resolve("plan.json"), "{}");
    Path file = Files.writeString(tmp.resolve("file"), "x");
    Path reportDir = Files.createDirectories(tmp.resolve("dir.report.json"));
    List<String> stages = new ArrayList<>();
    PipelineListener l =
        new PipelineListener() {
          @Override
          public void stage(Stage stage) {
            stages.add(stage.label());
          }
        };
    String[][] cases = {
      {plan.toString(), "would overwrite the plan file", plan.toString()},
      {tmp.resolve("sub/../cnn.onnx").toString(), "would overwrite the input model", ""},
      {file.resolve("out.onnx").toString(), "is not a directory", ""},
      {tmp.resolve("dir.onnx").toString(), "JSON report path is a directory", reportDir.toString()},
    };
    for (String[] c : cases) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  svd(model)
                      .optPlan(plan)
                      .optOutput(Path.of(c[0]))
                      .optListener(l)
                      .optCompanions(List.of(report("r")))
                      .build());
      assertTrue(
          e.getMessage().contains(c[1]) && e.getMessage().startsWith(c[2].isEmpty() ? c[0] : c[2]),
          e.getMessage());
    }
    assertTrue(stages.isEmpty(), "no stage ran: " + stages);
    assertEquals("{}", Files.readString(plan));
    assertTrue(Files.isDirectory(reportDir));
  }

  @Test
  void nonFiniteWeightsAreBadInputNamingTensorAndLayer() throws Exception {
    Model m = DemoModels.fashionCnn(3);
    String weight = LayerRewriter.findLayer(m.graph(), "conv2").input(1);
    TensorValue w = m.graph().initializer(weight).orElseThrow();
    float[] f = w.toFloatArray();
    f[17] = Float.NaN;
    Path bad = tmp.resolve("nan.onnx");
    Model withNan = LayerRewriter.withWeight(m, "conv2", TensorValue.ofFloats(w.dims(), f));
    weight = LayerRewriter.findLayer(withNan.graph(), "conv2").input(1);
    OnnxWriter.write(withNan, bad);
    ModelException e = assertThrows(ModelException.class, () -> svd(bad).build().plan());
    assertTrue(
        e.getMessage().contains(bad + ": weight tensor '" + weight + "' of layer 'conv2' (Conv)")
            && e.getMessage().contains("NaN at element 17"),
        weight + " / " + e.getMessage());
    f[17] = Float.NEGATIVE_INFINITY;
    Path inf = tmp.resolve("inf.onnx");
    OnnxWriter.write(LayerRewriter.withWeight(m, "conv2", TensorValue.ofFloats(w.dims(), f)), inf);
    e = assertThrows(ModelException.class, () -> svd(inf).build().plan());
    assertTrue(e.getMessage().contains("-Infinity"), e.getMessage());
  }

  @Test
  void aPlanThatMissesItsStatedBudgetReportsWhatItKeeps() {
    Cost total = new Cost(1000, 5000);
    Path f = Path.of("p.json");
    assertEquals(
        Budget.keepParams(0.5),
        PlanFiles.realBudget(f, Budget.keepParams(0.5), total, new Cost(400, 3000)));
    assertEquals(
        Budget.keepParams(0.992),
        PlanFiles.realBudget(f, Budget.keepParams(0.5), total, new Cost(992, 3000)));
    assertEquals(
        Budget.keepFlops(0.9),
        PlanFiles.realBudget(f, Budget.keepFlops(0.5), total, new Cost(400, 4500)));
    assertEquals(Budget.none(), PlanFiles.realBudget(f, Budget.keepParams(0.5), total, total));
    assertEquals(Budget.none(), PlanFiles.realBudget(f, Budget.none(), total, total));
  }
}
