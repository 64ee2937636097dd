package org.lowrank.analysis;

import java.util.Random;
import org.lowrank.graph.TensorValue;

/** Small helpers to build test graphs. */
final class TestGraphs {
  private TestGraphs() {}

  static TensorValue random(long seed, long... dims) {
    Random r = new Random(seed);
    float[] f = new float[(int) TensorValue.elementCount(dims)];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) r.nextGaussian();
    }
    return TensorValue.ofFloats(dims, f);
  }

  static TensorValue longs(long... v) {
    return TensorValue.ofLongs(new long[] {v.length}, v);
  }
}
