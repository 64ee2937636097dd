package org.lowrank.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.lowrank.graph.Node;

/** Gemm's attributes with the ONNX defaults, and M, K, N read through every transpose. */
class GemmAttributesTest {

  @Test
  void defaultsAreTheSpecs() {
    assertEquals(
        new GemmAttributes(false, false, 1f, 1f), GemmAttributes.of(Node.builder("Gemm").build()));
    assertEquals(
        new GemmAttributes(true, false, 0.5f, 2f),
        GemmAttributes.of(
            Node.builder("Gemm").attr("transA", 1L).attr("alpha", 0.5f).attr("beta", 2f).build()));
  }

  @Test
  void dimensionsThroughEveryTranspose() {
    long m = 2;
    long k = 3;
    long n = 5;
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        GemmAttributes g = new GemmAttributes(ta, tb, 1f, 1f);
        long[] a = ta ? new long[] {k, m} : new long[] {m, k};
        long[] b = tb ? new long[] {n, k} : new long[] {k, n};
        String at = "transA " + ta + ", transB " + tb;
        assertEquals(m, g.rows(a), at);
        assertEquals(k, g.inner(a), at);
        assertEquals(k, g.innerOfB(b), at);
        assertEquals(n, g.columns(b), at);
      }
    }
  }
}
