package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.Method;
import org.lowrank.demo.DemoModels;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.report.CompressionReport;

class StageTest {
  @TempDir Path tmp;

  @Test
  void listenerStagesTimingsAndReportKeysAgreeInStageOrder() throws Exception {
    Path model = tmp.resolve("cnn.onnx");
    OnnxWriter.write(DemoModels.fashionCnn(3), model);
    List<Stage> announced = new ArrayList<>();
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(model)
            .optOutput(tmp.resolve("out.onnx"))
            .optMethods(List.of(Method.TUCKER2))
            .optGuard(FidelityGuard.defaults().withForce(true))
            .optLatency(0, 1, 1)
            .optListener(
                new PipelineListener() {
                  @Override
                  public void stage(Stage stage) {
                    announced.add(stage);
                  }
                })
            .build()
            .run();
    List<Stage> expected =
        List.of(
            Stage.READ,
            Stage.ANALYZE,
            Stage.PLAN,
            Stage.FACTORIZE,
            Stage.CHECK,
            Stage.VERIFY,
            Stage.MEASURE,
            Stage.EXPORT);
    assertEquals(expected, announced);
    assertEquals(expected, List.copyOf(r.stageSeconds().keySet()));
    CompressionReport report = Reports.of(r, model.toString(), "none");
    assertEquals(
        List.of("read", "analyze", "plan", "factorize", "check", "verify", "measure", "export"),
        List.copyOf(report.timingsSeconds().keySet()));
  }

  /** A listener written against the string hook (as in the README) still hears every stage. */
  @Test
  @SuppressWarnings("deprecation")
  void theStringHookHearsTheLabels() {
    List<String> heard = new ArrayList<>();
    PipelineListener old =
        new PipelineListener() {
          @Override
          public void stage(String name) {
            heard.add(name);
          }
        };
    old.stage(Stage.FINE_TUNE);
    old.stage(Stage.EXPORT);
    assertEquals(List.of("fine-tune", "export"), heard);
  }

  @Test
  void labelsAreTheReportNames() {
    assertEquals("fine-tune", Stage.FINE_TUNE.label());
    assertEquals("read", Stage.READ.toString());
  }
}
