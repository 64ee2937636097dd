package org.lowrank.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.DataType;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.ValueInfo;

/** One resolution of input shapes: fixed batch, free height/width, given shapes, absurd sizes. */
class InputShapesTest {
  private static ValueInfo input(String name, Object... dims) {
    List<ValueInfo.Dim> shape = new java.util.ArrayList<>();
    for (Object d : dims) {
      shape.add(
          d instanceof String s
              ? ValueInfo.Dim.symbolic(s)
              : ValueInfo.Dim.of(((Number) d).longValue()));
    }
    return new ValueInfo(name, DataType.FLOAT, shape);
  }

  @Test
  void aFixedBatchIsTheOnlyBatch() {
    InputShapes s = InputShapes.resolve("m.onnx", List.of(input("x", 1, 1, 28, 28)), Map.of());
    assertEquals(1, s.fixedBatch().orElseThrow());
    assertArrayEquals(new int[] {1}, s.batches(1, 32));
    assertEquals(
        100,
        InputShapes.resolve("m.onnx", List.of(input("x", "N", 1, 28, 28)), Map.of()).batchOr(100));
    assertEquals(1, s.batchOr(100));
    assertEquals("batch 1 (fixed by the model)", s.describeBatch(1));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.atBatch(32));
    assertTrue(
        e.getMessage().contains("m.onnx") && e.getMessage().contains("fixed at 1"), e.getMessage());
    ModelException given =
        assertThrows(
            ModelException.class,
            () ->
                InputShapes.resolve(
                    "m.onnx",
                    List.of(input("x", 1, 1, 28, 28)),
                    Map.of("x", new long[] {4, 1, 28, 28})));
    assertTrue(given.getMessage().contains("fixed batch 1"), given.getMessage());
  }

  @Test
  void freeHeightAndWidthComeFromTheGivenShapeOrAreAnError() {
    List<ValueInfo> in = List.of(input("img", "N", 3, "H", "W"));
    ModelException e =
        assertThrows(ModelException.class, () -> InputShapes.resolve("det.onnx", in, Map.of()));
    assertTrue(
        e.getMessage().contains("det.onnx")
            && e.getMessage().contains("'img' has a free height")
            && e.getMessage().contains("--input-shape 1,3,224,224"),
        e.getMessage());
    InputShapes s = InputShapes.resolve("det.onnx", in, Map.of("img", new long[] {1, 3, 320, 320}));
    assertTrue(s.fixedBatch().isEmpty());
    assertArrayEquals(new long[] {8, 3, 320, 320}, s.atBatch(8).get("img"));
    assertArrayEquals(new long[] {1, 3, 320, 320}, s.first());
  }

  @Test
  void anInputWithAFixedLeadingDimensionBesideTheBatchKeepsIt() {
    InputShapes s =
        InputShapes.resolve("m", List.of(input("x", "N", 8), input("w", 16, 8)), Map.of());
    assertArrayEquals(new long[] {5, 8}, s.atBatch(5).get("x"));
    assertArrayEquals(new long[] {16, 8}, s.atBatch(5).get("w"));
  }

  @Test
  void absurdShapesAreRejectedNamingTheInputAndAxis() {
    ModelException e =
        assertThrows(
            ModelException.class,
            () ->
                InputShapes.resolve(
                    "huge.onnx", List.of(input("x", 1L << 40, 1, 28, 28)), Map.of()));
    assertTrue(
        e.getMessage().contains("huge.onnx")
            && e.getMessage().contains("'x'")
            && e.getMessage().contains("batch 1099511627776 at axis 0"),
        e.getMessage());
    InputShapes ok = InputShapes.resolve("m", List.of(input("x", "N", 3, 4096, 4096)), Map.of());
    assertThrows(IllegalArgumentException.class, () -> ok.atBatch(1000));
  }

  @Test
  void parsesOneOrNamedShapes() {
    List<ValueInfo> one = List.of(input("x", "N", 3, 32, 32));
    assertArrayEquals(
        new long[] {2, 3, 32, 32}, InputShapes.parse(List.of("2,3,32,32"), one).get("x"));
    assertArrayEquals(
        new long[] {2, 3, 32, 32}, InputShapes.parse(List.of("x=2x3x32x32"), one).get("x"));
    assertThrows(IllegalArgumentException.class, () -> InputShapes.parse(List.of("1,3,abc"), one));
    assertThrows(IllegalArgumentException.class, () -> InputShapes.parse(List.of("1,0,3"), one));
    List<ValueInfo> two = List.of(input("a", "N", 3), input("b", "N", 4));
    assertThrows(IllegalArgumentException.class, () -> InputShapes.parse(List.of("1,3"), two));
  }
}
