package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Method;
import org.lowrank.decomp.ConvTensorTrainSvd;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.rewrite.ConvLayer;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.rewrite.LayerRewriter;

/** Real models with every conv rewritten at full rank still give their stored outputs. */
class ResNetRewriteTest {

  @Test
  void resnet20AllConvsFullRankTucker2ReproducesStoredOutput() throws Exception {
    Path dir = TestData.modelDir("resnet20_cifar10");
    Path file = dir.resolve("model.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(file), "shared model absent: " + file);
    Model model = OnnxReader.read(file);
    Random rnd = new Random(20);
    Map<String, FactorizedLayer> specs = new LinkedHashMap<>();
    for (Node n : model.graph().nodes()) {
      if (n.opType().equals("Conv")) {
        ConvLayer c = ConvLayer.of(model.graph(), n);
        if (!c.isGrouped() && c.weight().dim(2) > 1) {
          specs.put(LayerRewriter.layerName(n), TestFactors.tucker2Exact(c.weight(), rnd));
        }
      }
    }
    assertEquals(19, specs.size(), "ResNet-20 has 19 3x3 convs");
    Model rewritten = LayerRewriter.rewriteAll(model, specs);
    assertEquals(
        0,
        rewritten.graph().nodes().stream()
            .filter(n -> n.opType().equals("Conv") && specs.containsKey(n.name()))
            .count());
    assertEquals(model.opset(), rewritten.opset());
    assertEquals(model.irVersion(), rewritten.irVersion());

    TensorValue input = TestData.readTensor(dir.resolve("test_data_set_0/input_0.pb"));
    TensorValue expected = TestData.readTensor(dir.resolve("test_data_set_0/output_0.pb"));
    try (OrtRunner r =
        OrtRunner.open(rewritten, "resnet20 tucker2 full rank", RuntimeOptions.singleThreaded())) {
      OutputDifference d = ExportCheck.difference("output_0", expected, r.run(input));
      assertTrue(d.maxRelativeDifference() <= 1e-4, d.toString());
    }
  }

  @Test
  void resnet56AllConvsFullRankTtSvdReproducesStoredOutput() throws Exception {
    Path dir = TestData.modelDir("resnet56_cifar10");
    Path file = dir.resolve("model.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(file), "shared model absent: " + file);
    Model model = OnnxReader.read(file);
    LayerFactorizer factorizer = LayerFactorizer.create();
    Map<String, FactorizedLayer> specs = new LinkedHashMap<>();
    for (Node n : model.graph().nodes()) {
      if (n.opType().equals("Conv")) {
        ConvLayer c = ConvLayer.of(model.graph(), n);
        int[] full =
            ConvTensorTrainSvd.fullRanks(
                (int) c.outChannels(),
                (int) c.inChannels(),
                (int) (c.weight().dim(2) * c.weight().dim(3)));
        String layer = LayerRewriter.layerName(n);
        specs.put(layer, factorizer.factorize(model.graph(), layer, Choice.of(Method.TT, full)));
      }
    }
    assertEquals(55, specs.size(), "ResNet-56 has 55 convs");
    Model rewritten = LayerRewriter.rewriteAll(model, specs);
    TensorValue input = TestData.readTensor(dir.resolve("test_data_set_0/input_0.pb"));
    TensorValue expected = TestData.readTensor(dir.resolve("test_data_set_0/output_0.pb"));
    try (OrtRunner r =
        OrtRunner.open(rewritten, "resnet56 tt full rank", RuntimeOptions.singleThreaded())) {
      OutputDifference d = ExportCheck.difference("output_0", expected, r.run(input));
      assertTrue(d.maxRelativeDifference() <= 1e-4, d.toString());
    }
  }
}
