package org.lowrank.plan.select;

import org.lowrank.cost.Choice;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.graph.TensorValue;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.tensor.DenseTensor;

/** Seeded layers for the selector tests, and the kept energy of what compress would deploy. */
final class TestLayers {
  private TestLayers() {}

  static LayerGeometry conv3x3(String name, int c) {
    return LayerGeometry.conv(
        name, c, c, 1, new long[] {3, 3}, new long[] {16, 16}, new long[] {16, 16}, true);
  }

  /** A conv kernel [c, c, 3, 3] of multilinear rank (r, r) on the channel modes, plus noise. */
  static LayerInput tucker(String name, int c, int r, long seed, double noise) {
    DenseTensor core = DenseTensor.random(seed, r, r, 3, 3);
    DenseTensor w =
        core.modeProduct(DenseTensor.random(seed + 1, c, r), 0)
            .modeProduct(DenseTensor.random(seed + 2, c, r), 1)
            .plus(DenseTensor.random(seed + 3, c, c, 3, 3).scale(noise));
    return new LayerInput(name, "conv2d", conv3x3(name, c), w);
  }

  /** A conv kernel [c, c, 3, 3] of CP rank r plus noise of {@code noise} times its RMS entry. */
  static LayerInput cp(String name, int c, int r, long seed, double noise) {
    DenseTensor a = DenseTensor.random(seed, c, r);
    DenseTensor b = DenseTensor.random(seed + 1, c, r);
    DenseTensor k = DenseTensor.random(seed + 2, 9, r);
    double[] w = new double[c * c * 9];
    for (int o = 0; o < c; o++) {
      for (int i = 0; i < c; i++) {
        for (int s = 0; s < 9; s++) {
          double v = 0;
          for (int q = 0; q < r; q++) {
            v += a.get(o, q) * b.get(i, q) * k.get(s, q);
          }
          w[(o * c + i) * 9 + s] = v;
        }
      }
    }
    DenseTensor t = DenseTensor.of(w, c, c, 3, 3);
    t =
        t.plus(
            DenseTensor.random(seed + 3, c, c, 3, 3)
                .scale(noise * t.frobeniusNorm() / Math.sqrt(t.size())));
    return new LayerInput(name, "conv2d", conv3x3(name, c), t);
  }

  /** A full-rank random conv kernel [c, c, 3, 3]. */
  static LayerInput random(String name, int c, long seed) {
    return new LayerInput(name, "conv2d", conv3x3(name, c), DenseTensor.random(seed, c, c, 3, 3));
  }

  /** A dense W [out, in] of rank r plus noise. */
  static LayerInput dense(String name, int out, int in, int r, long seed, double noise) {
    DenseTensor w =
        DenseTensor.random(seed, out, r)
            .matmul(DenseTensor.random(seed + 1, r, in))
            .plus(DenseTensor.random(seed + 2, out, in).scale(noise));
    return new LayerInput(name, "dense", LayerGeometry.dense(name, out, in, 1, true), w);
  }

  /**
   * Kept energy of {@code c} as compress deploys it: LayerFactorizer (500 CP sweeps) with {@code
   * seed}.
   */
  static double deployed(LayerInput l, Choice c, long seed) {
    DenseTensor w = l.weight();
    long[] dims = java.util.Arrays.stream(w.shape()).asLongStream().toArray();
    TensorValue tv = TensorValue.ofFloats(dims, w.toFloats());
    LayerFactorizer f = LayerFactorizer.builder().optSeed(seed).build();
    FactorizedLayer fl = l.geometry().conv() ? f.factorizeConv(tv, c) : f.factorizeDense(tv, c);
    return KeptEnergy.of(w, DenseTensor.fromFloats(fl.reconstruct().toFloatArray(), w.shape()));
  }
}
