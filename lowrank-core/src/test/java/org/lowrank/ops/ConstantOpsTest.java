package org.lowrank.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;

class ConstantOpsTest {
  private static final TensorValue X =
      TensorValue.ofFloats(new long[] {2, 3}, new float[] {0, 1, 2, 3, 4, 5});

  private static TensorValue longs(long... v) {
    return TensorValue.ofLongs(new long[] {v.length}, v);
  }

  private static TensorValue eval(Node n, TensorValue... in) {
    return ConstantOps.evaluate(n, Arrays.asList(in), 13).orElseThrow();
  }

  @Test
  void transposeReshapeSliceGatherConcat() {
    TensorValue t = eval(Node.builder("Transpose").build(), X);
    assertArrayEquals(new long[] {3, 2}, t.dims());
    assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, t.toFloatArray());
    TensorValue r = eval(Node.builder("Reshape").build(), X, longs(0, -1, 1));
    assertArrayEquals(new long[] {2, 3, 1}, r.dims());
    // reverse the columns with a negative step
    TensorValue s =
        eval(
            Node.builder("Slice").build(),
            X,
            longs(-1),
            longs(Long.MIN_VALUE),
            longs(1),
            longs(-1));
    assertArrayEquals(new float[] {2, 1, 0, 5, 4, 3}, s.toFloatArray());
    TensorValue g =
        eval(
            Node.builder("Gather").attr("axis", 1L).build(),
            X,
            TensorValue.ofLongs(new long[0], new long[] {-1}));
    assertArrayEquals(new long[] {2}, g.dims());
    assertArrayEquals(new float[] {2, 5}, g.toFloatArray());
    TensorValue c = eval(Node.builder("Concat").attr("axis", 1L).build(), X, X);
    assertArrayEquals(new float[] {0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}, c.toFloatArray());
    TensorValue u = eval(Node.builder("Unsqueeze").build(), X, longs(0, -1));
    assertArrayEquals(new long[] {1, 2, 3, 1}, u.dims());
    TensorValue uOld =
        ConstantOps.evaluate(Node.builder("Unsqueeze").attrInts("axes", 1).build(), List.of(X), 11)
            .orElseThrow();
    assertArrayEquals(new long[] {2, 1, 3}, uOld.dims());
    TensorValue cast =
        eval(
            Node.builder("Cast").attr("to", 7L).build(),
            TensorValue.ofFloats(new long[] {2}, new float[] {2.7f, -1.5f}));
    assertArrayEquals(new long[] {2, -1}, cast.toLongArray());
  }

  @Test
  void badInputsNameTheNode() {
    ModelException e =
        assertThrows(
            ModelException.class,
            () -> eval(Node.builder("Reshape").name("r1").build(), X, longs(4, -1)));
    assertTrue(e.getMessage().contains("r1") && e.getMessage().contains("reshape"), e.getMessage());
  }
}
