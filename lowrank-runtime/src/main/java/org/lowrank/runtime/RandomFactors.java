package org.lowrank.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lowrank.cost.Choice;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.graph.TensorValue;
import org.lowrank.rewrite.CpConv;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LowRankDense;
import org.lowrank.rewrite.TtConv;
import org.lowrank.rewrite.TtMatrixDense;
import org.lowrank.rewrite.Tucker2Conv;

/**
 * Seeded random factors of a choice's shapes: enough to time a rewrite, whose run time does not
 * depend on the values.
 */
public final class RandomFactors {
  private RandomFactors() {}

  /**
   * Factors of the shapes {@code choice} gives on a layer of geometry {@code g}, filled with seeded
   * standard normal values: enough to time the rewritten layer (run time does not depend on
   * values).
   */
  public static FactorizedLayer of(LayerGeometry g, Choice choice, long seed) {
    Random rnd = new Random(seed);
    int[] r = choice.ranks();
    long cout = g.cout();
    long cin = g.cin();
    long[] k = g.kernel();
    return switch (choice.method()) {
      case TUCKER2 ->
          new Tucker2Conv(
              random(rnd, cout, r[0]), random(rnd, concat(r[0], r[1], k)), random(rnd, cin, r[1]));
      case TT ->
          new TtConv(
              random(rnd, cout, r[0]),
              random(rnd, ttMiddle(r[0], k, r[1])),
              random(rnd, r[1], cin));
      case CP ->
          CpConv.cp3(
              random(rnd, cout, r[0]),
              random(rnd, g.kernelElements(), r[0]),
              random(rnd, cin, r[0]),
              k);
      case SVD, QR ->
          new LowRankDense(
              choice.method().cliName(), random(rnd, cout, r[0]), random(rnd, r[0], cin));
      case TTM -> {
        List<TensorValue> cores = new ArrayList<>();
        int d = choice.outModes().length;
        for (int j = 0; j < d; j++) {
          long left = j == 0 ? 1 : r[j - 1];
          long right = j == d - 1 ? 1 : r[j];
          cores.add(random(rnd, left, choice.outModes()[j], choice.inModes()[j], right));
        }
        yield new TtMatrixDense(cores);
      }
    };
  }

  private static long[] concat(long a, long b, long[] rest) {
    long[] out = new long[rest.length + 2];
    out[0] = a;
    out[1] = b;
    System.arraycopy(rest, 0, out, 2, rest.length);
    return out;
  }

  private static long[] ttMiddle(long r1, long[] k, long r2) {
    long[] out = new long[k.length + 2];
    out[0] = r1;
    System.arraycopy(k, 0, out, 1, k.length);
    out[out.length - 1] = r2;
    return out;
  }

  private static TensorValue random(Random rnd, long... dims) {
    float[] data = new float[Math.toIntExact(TensorValue.elementCount(dims))];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) rnd.nextGaussian();
    }
    return TensorValue.ofFloats(dims, data);
  }
}
