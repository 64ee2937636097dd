package org.lowrank.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lowrank.analysis.InferredShapes;
import org.lowrank.analysis.LayerProfile;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.analysis.ShapeInference;
import org.lowrank.analysis.WeightFolding;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.ValueInfo;

/** Weight folding, shape inference and the profile on the real ResNet-20/56 exports. */
class RealModelAnalysisTest {

  @Test
  void resnet20ShapesIncludingOptionAShortcuts() throws IOException {
    Model m = OnnxReader.read(TestModels.realModel("resnet20_cifar10"));
    InferredShapes s = ShapeInference.infer(m);
    assertArrayEquals(new long[] {1, 10}, s.require("logits"));
    // the Slice/Pad shortcut of layer2.0 halves the spatial size and pads 16 -> 32 channels
    assertArrayEquals(
        new long[] {1, 32, 16, 16}, s.require("/layer2/layer2.0/shortcut/Pad_output_0"));
    assertArrayEquals(
        new long[] {1, 64, 8, 8}, s.require("/layer3/layer3.0/shortcut/Pad_output_0"));
    assertArrayEquals(new long[] {1, 64}, s.require("/Reshape_output_0"));
    assertArrayEquals(
        new long[] {7, 10}, ShapeInference.infer(m, new long[] {7, 3, 32, 32}).require("logits"));

    Model annotated = ShapeInference.annotate(m, s);
    assertEquals(
        m.graph().nodes().size() - 1,
        annotated.graph().valueInfos().size()); // every output but logits
    Model back = OnnxReader.parse(OnnxWriter.toBytes(annotated), "annotated");
    ValueInfo pad =
        back.graph().valueInfos().stream()
            .filter(v -> v.name().equals("/layer2/layer2.0/shortcut/Pad_output_0"))
            .findFirst()
            .orElseThrow();
    assertArrayEquals(new long[] {1, 32, 16, 16}, pad.dims());
    assertEquals(org.lowrank.graph.DataType.FLOAT, pad.elementType());
  }

  @Test
  void resnet20Profile() throws IOException {
    ModelProfile p = ModelProfile.of(OnnxReader.read(TestModels.realModel("resnet20_cifar10")));
    assertEquals(20, p.layers().size()); // 19 convs + the classifier
    assertEquals(269_036, p.totalParams());
    assertEquals(40_551_040, p.totalMacs());
    LayerProfile first = p.layers().get(0);
    assertTrue(first.skipReason().startsWith("too small"), first.skipReason());
    LayerProfile fc = p.layer("/linear/Gemm").orElseThrow();
    assertEquals("dense", fc.kind());
    assertEquals(650, fc.params());
    assertEquals(640, fc.macs());
    LayerProfile l3 = p.layer("/layer3/layer3.2/conv2/Conv").orElseThrow();
    assertEquals(36_928, l3.params());
    assertEquals(64L * 64 * 9 * 64, l3.macs());
    assertEquals(java.util.List.of(Method.TUCKER2, Method.CP, Method.TT), l3.methods());
    long convMacs =
        p.layers().stream().filter(LayerProfile::isConv).mapToLong(LayerProfile::macs).sum();
    assertEquals(p.totalMacs() - 640, convMacs);
  }

  @Test
  void resnet56ProfileAndFoldedModelRoundTrips() throws IOException {
    Model m = OnnxReader.read(TestModels.realModel("resnet56_cifar10"));
    ModelProfile p =
        ModelProfile.of(
            m,
            Map.of("input", new long[] {2, 3, 32, 32}),
            org.lowrank.analysis.ProfileOptions.DEFAULTS);
    assertEquals(56, p.layers().size());
    assertEquals(850_988, p.totalParams());
    assertEquals(125_485_696, p.totalMacs());
    Model folded = WeightFolding.fold(m);
    assertTrue(folded.graph().nodes().stream().noneMatch(n -> n.opType().equals("Constant")));
    for (Node n : folded.graph().nodes()) {
      if (n.opType().equals("Conv") || n.opType().equals("Gemm")) {
        assertTrue(folded.graph().initializer(n.input(1)).isPresent(), n.label());
      }
    }
    Model back = OnnxReader.parse(OnnxWriter.toBytes(folded), "folded");
    TestModels.assertSameModel(folded, back);
    assertEquals(p.totalMacs(), ModelProfile.of(back).totalMacs());
  }
}
