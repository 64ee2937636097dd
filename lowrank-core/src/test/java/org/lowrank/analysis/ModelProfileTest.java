package org.lowrank.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Method;
import org.lowrank.graph.Attribute;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.ValueInfo;

class ModelProfileTest {

  private static Model cnn() {
    return Model.of(
        Graph.builder()
            .addInput(
                new ValueInfo(
                    "x",
                    DataType.FLOAT,
                    List.of(
                        ValueInfo.Dim.symbolic("batch"),
                        ValueInfo.Dim.of(16),
                        ValueInfo.Dim.of(16),
                        ValueInfo.Dim.of(16))))
            .putInitializer("w1", TestGraphs.random(1, 32, 16, 3, 3))
            .putInitializer("b1", TestGraphs.random(2, 32))
            .putInitializer("wd", TestGraphs.random(3, 32, 1, 3, 3))
            .putInitializer("wg", TestGraphs.random(4, 32, 8, 3, 3))
            .putInitializer("wp", TestGraphs.random(5, 64, 32, 1, 1))
            .putInitializer("ws", TestGraphs.random(6, 4, 64, 1, 1))
            .putInitializer("fc", TestGraphs.random(7, 13, 256))
            .putInitializer("fcb", TestGraphs.random(8, 13))
            .addNode(
                Node.builder("Conv")
                    .name("conv")
                    .inputs("x", "w1", "b1")
                    .outputs("a")
                    .attrInts("pads", 1, 1, 1, 1)
                    .attrInts("strides", 2, 2)
                    .build())
            .addNode(
                Node.builder("Conv")
                    .name("dw")
                    .inputs("a", "wd")
                    .outputs("b")
                    .attr("group", 32L)
                    .attr("auto_pad", "SAME_UPPER")
                    .build())
            .addNode(
                Node.builder("Conv")
                    .name("grouped")
                    .inputs("b", "wg")
                    .outputs("c")
                    .attr("group", 4L)
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("Conv").name("pointwise").inputs("c", "wp").outputs("d").build())
            .addNode(Node.builder("Conv").name("small").inputs("d", "ws").outputs("e").build())
            .addNode(Node.builder("Flatten").name("flatten").inputs("e").outputs("f").build())
            .addNode(
                Node.builder("Constant")
                    .name("fc.w")
                    .outputs("fcw")
                    .attribute(Attribute.of("value", TestGraphs.random(9, 256, 13)))
                    .build())
            .addNode(
                Node.builder("Gemm")
                    .name("gemm")
                    .inputs("f", "fc", "fcb")
                    .outputs("g")
                    .attr("transB", 1L)
                    .build())
            .addNode(Node.builder("MatMul").name("matmul").inputs("f", "fcw").outputs("h").build())
            .addNode(Node.builder("Add").name("sum").inputs("g", "h").outputs("y").build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build(),
        13);
  }

  @Test
  void layersKindsCostsAndMethods() {
    ModelProfile p = ModelProfile.of(cnn());
    assertEquals(
        List.of("conv", "dw", "grouped", "pointwise", "small", "gemm", "matmul"),
        p.layers().stream().map(LayerProfile::name).toList());
    LayerProfile conv = p.layer("conv").orElseThrow();
    assertEquals("conv2d", conv.kind());
    assertArrayEquals(new long[] {1, 32, 8, 8}, conv.outputShape());
    assertEquals(32 * 16 * 9 + 32, conv.params());
    assertEquals(32L * 16 * 9 * 64, conv.macs());
    assertEquals(
        SkipRule.FIRST_CONV, conv.skipRule()); // kept by default; what applies is in includeFirst()
    assertArrayEquals(new long[] {2, 2}, conv.strides());
    assertArrayEquals(new long[] {1, 1, 1, 1}, conv.pads());

    LayerProfile dw = p.layer("dw").orElseThrow();
    assertEquals("conv2d-depthwise", dw.kind());
    assertTrue(dw.skipReason().contains("depthwise"));
    assertArrayEquals(new long[] {1, 1, 1, 1}, dw.pads()); // SAME_UPPER resolved
    assertTrue(p.layer("grouped").orElseThrow().skipReason().contains("groups=4"));
    assertEquals("conv2d-grouped", p.layer("grouped").orElseThrow().kind());
    assertTrue(p.layer("pointwise").orElseThrow().skipReason().contains("1x1"));
    assertTrue(p.layer("small").orElseThrow().skipReason().contains("1x1")); // 1x1 is checked first
    ModelProfile noPointwiseSkip =
        ModelProfile.of(cnn(), Map.of(), ProfileOptions.DEFAULTS.withPointwise());
    assertTrue(
        noPointwiseSkip.layer("small").orElseThrow().skipReason().contains("too small"),
        noPointwiseSkip.layer("small").orElseThrow().skipReason());
    assertTrue(noPointwiseSkip.layer("pointwise").orElseThrow().isFactorizable());

    LayerProfile gemm = p.layer("gemm").orElseThrow();
    assertEquals("dense", gemm.kind());
    assertEquals(13 * 256 + 13, gemm.params());
    assertEquals(13 * 256, gemm.macs());
    assertEquals(List.of(Method.SVD, Method.QR), gemm.methods());
    assertTrue(
        gemm.methodNotes().get(Method.TTM).contains("13"),
        gemm.methodNotes().toString()); // 13 is prime
    LayerProfile mm = p.layer("matmul").orElseThrow();
    assertEquals("fcw", mm.weightName()); // Constant folded into an initializer
    assertEquals(13 * 256, mm.params());

    long params =
        32 * 16 * 9 + 32 + 32 * 9 + 32 * 8 * 9 + 64 * 32 + 4 * 64 + 13 * 256 + 13 + 256 * 13;
    assertEquals(params, p.totalParams());
    long macs =
        32L * 16 * 9 * 64
            + 32 * 9 * 64
            + 32 * 8 * 9 * 64
            + 64 * 32 * 64
            + 4 * 64 * 64
            + 2 * 13 * 256;
    assertEquals(macs, p.totalMacs());
    assertArrayEquals(new long[] {1, 16, 16, 16}, p.inputShapes().get("x"));

    // batch 4: per-sample numbers unchanged
    ModelProfile b4 =
        ModelProfile.of(cnn(), Map.of("x", new long[] {4, 16, 16, 16}), ProfileOptions.DEFAULTS);
    assertEquals(macs, b4.totalMacs());
    assertEquals(13 * 256, b4.layer("gemm").orElseThrow().macs());
  }

  private static ProfileOptions rules(
      boolean keepFirst, boolean keepClassifier, Set<String> include, Set<String> exclude) {
    return new ProfileOptions(512, true, keepFirst, keepClassifier, include, exclude);
  }

  @Test
  void layerRulesSkipWithTheOptionThatWouldIncludeTheLayer() {
    ModelProfile p = ModelProfile.of(cnn());
    assertEquals(
        List.of("gemm"),
        p.layers().stream().filter(LayerProfile::isFactorizable).map(LayerProfile::name).toList());
    LayerProfile first = p.layer("conv").orElseThrow();
    assertTrue(
        first.methods().isEmpty() && first.skipReason().contains("--include-first"),
        first.skipReason());
    LayerProfile classifier = p.layer("matmul").orElseThrow();
    assertEquals(SkipRule.CLASSIFIER, classifier.skipRule());
    assertTrue(classifier.skipReason().contains("--include-classifier"), classifier.skipReason());
    LayerProfile pointwise = p.layer("pointwise").orElseThrow();
    assertEquals(SkipRule.POINTWISE, pointwise.skipRule());
    assertTrue(pointwise.skipReason().contains("--include-pointwise"), pointwise.skipReason());
    assertEquals(SkipRule.DEPTHWISE, p.layer("dw").orElseThrow().skipRule());
    assertEquals(SkipRule.GROUPED, p.layer("grouped").orElseThrow().skipRule());
    assertEquals(
        "6 layers skipped: 1 depthwise (no low-rank method), 1 grouped (no low-rank method), "
            + "2 pointwise 1x1 (--include-pointwise), 1 first conv (--include-first), 1 classifier "
            + "(--include-classifier)",
        SkipRule.summary(SkipRule.counts(p.layers())));

    LayerProfile small =
        ModelProfile.of(cnn(), Map.of(), ProfileOptions.DEFAULTS.withPointwise())
            .layer("small")
            .orElseThrow();
    assertEquals(SkipRule.TOO_SMALL, small.skipRule());
    assertTrue(
        small.skipReason().contains("--min-weights")
            && small.skipReason().contains("--include small"),
        small.skipReason());
  }

  @Test
  void includeFirstClassifierAndNamesLiftTheDefaultRulesButNotTheMissingMethods() {
    ModelProfile p =
        ModelProfile.of(
            cnn(),
            Map.of(),
            rules(false, false, Set.of("small", "dw", "pointwise"), Set.of("gemm")));
    assertEquals(
        List.of(Method.TUCKER2, Method.CP, Method.TT), p.layer("conv").orElseThrow().methods());
    assertTrue(p.layer("matmul").orElseThrow().isFactorizable());
    assertTrue(
        p.layer("small")
            .orElseThrow()
            .isFactorizable()); // 256 weights, 1x1: include lifts both rules
    assertTrue(p.layer("pointwise").orElseThrow().isFactorizable());
    assertEquals(
        SkipRule.DEPTHWISE, p.layer("dw").orElseThrow().skipRule()); // no method applies at all
    LayerProfile gemm = p.layer("gemm").orElseThrow();
    assertEquals(SkipRule.EXCLUDED, gemm.skipRule());
    assertTrue(gemm.skipReason().contains("--exclude"), gemm.skipReason());
    assertEquals(
        p.layer("conv").orElseThrow().params()
            + p.layer("matmul").orElseThrow().params()
            + p.layer("small").orElseThrow().params()
            + p.layer("pointwise").orElseThrow().params(),
        p.factorizableParams());

    IllegalArgumentException both =
        assertThrows(
            IllegalArgumentException.class,
            () -> rules(true, true, Set.of("conv"), Set.of("conv")));
    assertTrue(
        both.getMessage().contains("'conv'") && both.getMessage().contains("--exclude"),
        both.getMessage());
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () -> rules(true, true, Set.of("conv9"), Set.of()).requireKnownLayers(p, "cnn.onnx"));
    assertTrue(
        unknown.getMessage().startsWith("cnn.onnx: --include conv9:")
            && unknown.getMessage().contains("gemm"),
        unknown.getMessage());
  }

  @Test
  void convWithRuntimeWeightIsListedButSkipped() {
    Model m =
        Model.of(
            Graph.builder()
                .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 8, 10, 10))
                .addInput(ValueInfo.of("w", DataType.FLOAT, 16, 8, 3, 3))
                .addNode(Node.builder("Conv").name("dyn").inputs("x", "w").outputs("y").build())
                .addOutput(new ValueInfo("y", DataType.FLOAT, null))
                .build(),
            13);
    LayerProfile l = ModelProfile.of(m).layer("dyn").orElseThrow();
    assertTrue(l.skipReason().contains("run time"), l.skipReason());
    assertArrayEquals(new long[] {1, 16, 8, 8}, l.outputShape());
    assertEquals(16L * 8 * 9 * 64, ModelProfile.of(m).totalMacs());
  }

  @Test
  void conv1dAndConv3dKinds() {
    Model m =
        Model.of(
            Graph.builder()
                .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 8, 50))
                .addInput(ValueInfo.of("v", DataType.FLOAT, 1, 4, 6, 6, 6))
                .putInitializer("w1", TestGraphs.random(1, 16, 8, 5))
                .putInitializer("w3", TestGraphs.random(2, 8, 4, 3, 3, 3))
                .addNode(Node.builder("Conv").name("c1").inputs("x", "w1").outputs("y1").build())
                .addNode(Node.builder("Conv").name("c3").inputs("v", "w3").outputs("y3").build())
                .addOutput(new ValueInfo("y1", DataType.FLOAT, null))
                .addOutput(new ValueInfo("y3", DataType.FLOAT, null))
                .build(),
            13);
    ModelProfile p = ModelProfile.of(m);
    assertEquals("conv1d", p.layer("c1").orElseThrow().kind());
    assertEquals(16L * 8 * 5 * 46, p.layer("c1").orElseThrow().macs());
    assertEquals("conv3d", p.layer("c3").orElseThrow().kind());
    assertArrayEquals(new long[] {1, 8, 4, 4, 4}, p.layer("c3").orElseThrow().outputShape());
    assertTrue(p.layer("c3").orElseThrow().isFactorizable());
  }

  @Test
  void convTransposeIsProfiledWithMacsPerInputPixel() {
    Model m =
        Model.of(
            Graph.builder()
                .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 32, 8, 8))
                .addInput(ValueInfo.of("wdyn", DataType.FLOAT, 16, 8, 3, 3))
                .putInitializer("w", TestGraphs.random(1, 32, 16, 3, 3))
                .putInitializer("b", TestGraphs.random(2, 16))
                .putInitializer("w2", TestGraphs.random(3, 16, 8, 3, 3))
                .addNode(
                    Node.builder("ConvTranspose")
                        .name("up")
                        .inputs("x", "w", "b")
                        .outputs("u")
                        .attrInts("strides", 2, 2)
                        .attrInts("pads", 1, 1, 1, 1)
                        .attrInts("output_padding", 1, 1)
                        .build())
                .addNode(
                    Node.builder("ConvTranspose")
                        .name("sized")
                        .inputs("u", "w2")
                        .outputs("v")
                        .attrInts("strides", 2, 2)
                        .attrInts("output_shape", 31, 32)
                        .build())
                .addNode(
                    Node.builder("ConvTranspose")
                        .name("dyn")
                        .inputs("u", "wdyn")
                        .outputs("z")
                        .build())
                .addOutput(new ValueInfo("v", DataType.FLOAT, null))
                .addOutput(new ValueInfo("z", DataType.FLOAT, null))
                .build(),
            13);
    ModelProfile p =
        ModelProfile.of(
            m, Map.of(), rules(false, true, Set.of(), Set.of())); // "up" is the first conv
    assertEquals(
        List.of("up", "sized", "dyn"), p.layers().stream().map(LayerProfile::name).toList());
    LayerProfile up = p.layer("up").orElseThrow();
    assertEquals("conv2d-transpose", up.kind());
    assertTrue(up.isConv() && up.isTransposed());
    assertArrayEquals(new long[] {32, 16, 3, 3}, up.weightShape());
    assertArrayEquals(new long[] {1, 16, 16, 16}, up.outputShape()); // 2*7 + 1 + 3 - 2
    assertEquals(32 * 16 * 9 + 16, up.params());
    assertEquals(32L * 16 * 9 * 64, up.macs()); // per input pixel
    assertEquals(List.of(Method.TUCKER2, Method.CP, Method.TT), up.methods());
    assertEquals(16, up.geometry().cout());
    assertEquals(32, up.geometry().cin());
    assertTrue(up.geometry().transposed());
    LayerProfile sized = p.layer("sized").orElseThrow();
    // total padding 2*15 + 3 - 31 = 2 and 2*15 + 3 - 32 = 1, the odd pixel at the beginning
    assertArrayEquals(new long[] {1, 1, 1, 0}, sized.pads());
    assertArrayEquals(new long[] {1, 8, 31, 32}, sized.outputShape());
    LayerProfile dyn = p.layer("dyn").orElseThrow();
    assertTrue(dyn.skipReason().contains("run time"), dyn.skipReason());
    assertEquals("conv2d-transpose", dyn.kind());
    assertEquals(32L * 16 * 9 * 64 + 16L * 8 * 9 * 256 * 2, p.totalMacs());
  }
}
