package org.lowrank.train.search;

import java.util.Random;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.graph.TensorValue;

/** Layers with a planted low rank plus small Gaussian noise, for plant-and-recover tests. */
final class PlantedLayers {
  private PlantedLayers() {}

  /**
   * A 3x3 conv [cout, cin, 3, 3] of exact TT rank (r, r) plus noise of relative size {@code noise}.
   */
  static SearchLayer ttConv(
      String name, int cout, int cin, int r, double noise, long seed, Method m) {
    Random rnd = new Random(seed);
    int k = 9;
    double[] g1 = gaussian(rnd, cout * r);
    double[] g2 = gaussian(rnd, r * k * r);
    double[] g3 = gaussian(rnd, r * cin);
    double[] w = new double[cout * cin * k];
    for (int o = 0; o < cout; o++) {
      for (int a = 0; a < r; a++) {
        double x = g1[o * r + a];
        for (int s = 0; s < k; s++) {
          for (int b = 0; b < r; b++) {
            double y = x * g2[(a * k + s) * r + b];
            for (int c = 0; c < cin; c++) {
              w[(o * cin + c) * k + s] += y * g3[b * cin + c];
            }
          }
        }
      }
    }
    return layer(name, cout, cin, w, noise, rnd, m);
  }

  /** A 3x3 conv of exact CP rank r plus noise. */
  static SearchLayer cpConv(String name, int cout, int cin, int r, double noise, long seed) {
    Random rnd = new Random(seed);
    int k = 9;
    double[] a = gaussian(rnd, cout * r);
    double[] b = gaussian(rnd, k * r);
    double[] c = gaussian(rnd, cin * r);
    double[] w = new double[cout * cin * k];
    for (int o = 0; o < cout; o++) {
      for (int i = 0; i < cin; i++) {
        for (int s = 0; s < k; s++) {
          double v = 0;
          for (int q = 0; q < r; q++) {
            v += a[o * r + q] * b[s * r + q] * c[i * r + q];
          }
          w[(o * cin + i) * k + s] = v;
        }
      }
    }
    return layer(name, cout, cin, w, noise, rnd, Method.CP);
  }

  /** A dense [out, in] layer of exact rank r plus noise. */
  static SearchLayer dense(String name, int out, int in, int r, double noise, long seed) {
    Random rnd = new Random(seed);
    double[] u = gaussian(rnd, out * r);
    double[] v = gaussian(rnd, r * in);
    double[] w = new double[out * in];
    for (int i = 0; i < out; i++) {
      for (int q = 0; q < r; q++) {
        for (int j = 0; j < in; j++) {
          w[i * in + j] += u[i * r + q] * v[q * in + j];
        }
      }
    }
    addNoise(w, noise, rnd);
    LayerGeometry g = LayerGeometry.dense(name, out, in, 1, true);
    return new SearchLayer(
        name, g, TensorValue.ofFloats(new long[] {out, in}, toFloats(w)), Method.SVD);
  }

  static LayerGeometry convGeometry(String name, int cout, int cin) {
    return LayerGeometry.conv(
        name, cout, cin, 1, new long[] {3, 3}, new long[] {8, 8}, new long[] {8, 8}, true);
  }

  private static SearchLayer layer(
      String name, int cout, int cin, double[] w, double noise, Random rnd, Method m) {
    addNoise(w, noise, rnd);
    return new SearchLayer(
        name,
        convGeometry(name, cout, cin),
        TensorValue.ofFloats(new long[] {cout, cin, 3, 3}, toFloats(w)),
        m);
  }

  private static void addNoise(double[] w, double noise, Random rnd) {
    double ss = 0;
    for (double v : w) {
      ss += v * v;
    }
    double sd = noise * Math.sqrt(ss / w.length);
    for (int i = 0; i < w.length; i++) {
      w[i] += sd * rnd.nextGaussian();
    }
  }

  private static double[] gaussian(Random rnd, int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = rnd.nextGaussian();
    }
    return x;
  }

  private static float[] toFloats(double[] x) {
    float[] f = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      f[i] = (float) x[i];
    }
    return f;
  }
}
