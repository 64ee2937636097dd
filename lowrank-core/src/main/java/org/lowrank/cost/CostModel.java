package org.lowrank.cost;

/**
 * Closed-form parameter and MAC counts of a layer before and after factorization, matching the
 * chains the rewriter emits. Notation: conv weight [C_out, C_in, K] with K = prod(kernel), P_in and
 * P_out the input and output pixel counts; dense W [out, in] applied to {@code rows} rows.
 *
 * <ul>
 *   <li>original conv: params C_out*C_in/g*K (+C_out), MACs C_out*C_in/g*K*P_out
 *   <li>Tucker-2 / TT (r_o, r_i): 1x1 C_in->r_i at P_in, kxk r_i->r_o at P_out, 1x1 r_o->C_out at
 *       P_out: params C_in*r_i + r_i*r_o*K + r_o*C_out, MACs C_in*r_i*P_in + r_i*r_o*K*P_out +
 *       r_o*C_out*P_out; with r_i = C_in the square U_in is folded into the core (kxk C_in->r_o,
 *       1x1 r_o->C_out: params r_o*(C_in*K + C_out)), with r_o = C_out likewise U_out (1x1
 *       C_in->r_i, kxk r_i->C_out: params C_in*r_i + r_i*C_out*K)
 *   <li>CP (r): 1x1 C_in->r at P_in, depthwise kxk at P_out, 1x1 r->C_out: params r*(C_in+K+C_out),
 *       MACs C_in*r*P_in + r*K*P_out + r*C_out*P_out
 *   <li>SVD/QR (r): params r*(in+out), MACs rows*r*(in+out); SVD of a 1x1 conv: 1x1 C_in->r, 1x1
 *       r->C_out, params r*(C_in+C_out), MACs P_out*r*(C_in+C_out)
 *   <li>TT-matrix with modes m_k (out), n_k (in) and ranks r_0 = r_d = 1: params sum_k r_{k-1} n_k
 *       m_k r_k; contracting cores d..1 costs sum_k r_{k-1} n_k m_k r_k * prod_{j<k} n_j *
 *       prod_{j>k} m_j MACs per row
 *   <li>transposed conv (ConvTranspose, weight given in conv layout [C_out, C_in, K]): the kxk
 *       kernel runs once per input pixel, so every P_out of a kxk op above becomes P_in (original
 *       MACs C_out*C_in/g*K*P_in); the 1x1 convs around it are counted as above
 * </ul>
 *
 * Biases stay on the last factor, so they are counted once either way.
 */
public final class CostModel {
  private CostModel() {}

  /** Cost of the layer as it is. */
  public static Cost original(LayerGeometry g) {
    long bias = g.hasBias() ? g.cout() : 0;
    if (g.conv()) {
      long w = Math.multiplyExact(g.cout() * (g.cin() / g.groups()), g.kernelElements());
      return new Cost(w + bias, Math.multiplyExact(w, g.windowPixels()));
    }
    long w = Math.multiplyExact(g.cout(), g.cin());
    return new Cost(w + bias, Math.multiplyExact(w, g.rows()));
  }

  /** Cost of the layer factorized as {@code c}; throws if the method does not fit the layer. */
  public static Cost factorized(LayerGeometry g, Choice c) {
    if (!c.method().appliesTo(g)) {
      throw new IllegalArgumentException(
          "layer '"
              + g.name()
              + "' is "
              + (g.conv() ? "a convolution" : "dense")
              + ": method "
              + c.method().cliName()
              + " does not apply");
    }
    long bias = g.hasBias() ? g.cout() : 0;
    long k = g.kernelElements();
    long pw = g.windowPixels();
    return switch (c.method()) {
      case TUCKER2, TT -> {
        long ro = c.ranks()[0];
        long ri = c.ranks()[1];
        yield switch (TuckerChain.of(g, c)) {
          case INPUT_FOLDED -> { // kxk C_in->r_o, 1x1 r_o->C_out
            long params = ro * g.cin() * k + ro * g.cout();
            yield new Cost(params + bias, ro * g.cin() * k * pw + ro * g.cout() * g.outPixels());
          }
          case OUTPUT_FOLDED -> { // 1x1 C_in->r_i, kxk r_i->C_out
            long params = g.cin() * ri + ri * g.cout() * k;
            yield new Cost(params + bias, g.cin() * ri * g.inPixels() + ri * g.cout() * k * pw);
          }
          case THREE_CONVS -> {
            long params = g.cin() * ri + ri * ro * k + ro * g.cout();
            long macs =
                g.cin() * ri * g.inPixels() + ri * ro * k * pw + ro * g.cout() * g.outPixels();
            yield new Cost(params + bias, macs);
          }
        };
      }
      case CP -> {
        long r = c.ranks()[0];
        long macs = g.cin() * r * g.inPixels() + r * k * pw + r * g.cout() * g.outPixels();
        yield new Cost(r * (g.cin() + k + g.cout()) + bias, macs);
      }
      case SVD, QR -> {
        long r = c.ranks()[0];
        long params = r * (g.cin() + g.cout());
        // a pointwise conv runs both 1x1 convs at the output pixels (the first keeps the stride)
        yield new Cost(params + bias, params * (g.conv() ? g.outPixels() : g.rows()));
      }
      case TTM -> ttm(g, c, bias);
    };
  }

  /**
   * The conv chain a Tucker-2 / TT choice (r_o, r_i) is emitted as: with r_i = C_in the square U_in
   * is folded into the core, else with r_o = C_out the square U_out is; otherwise three convs.
   */
  public enum TuckerChain {
    THREE_CONVS,
    INPUT_FOLDED,
    OUTPUT_FOLDED;

    public static TuckerChain of(LayerGeometry g, Choice c) {
      return c.ranks()[1] == g.cin()
          ? INPUT_FOLDED
          : c.ranks()[0] == g.cout() ? OUTPUT_FOLDED : THREE_CONVS;
    }
  }

  private static Cost ttm(LayerGeometry g, Choice c, long bias) {
    int[] m = c.outModes();
    int[] n = c.inModes();
    int d = m.length;
    if (LayerGeometry.product(toLong(m)) != g.cout()
        || LayerGeometry.product(toLong(n)) != g.cin()) {
      throw new IllegalArgumentException(
          "layer '"
              + g.name()
              + "': ttm modes "
              + c
              + " do not multiply to out "
              + g.cout()
              + " and in "
              + g.cin());
    }
    long params = 0;
    long macs = 0;
    for (int kk = 0; kk < d; kk++) {
      long rPrev = kk == 0 ? 1 : c.ranks()[kk - 1];
      long rNext = kk == d - 1 ? 1 : c.ranks()[kk];
      long core = rPrev * n[kk] * m[kk] * rNext;
      params += core;
      long outer = 1;
      for (int j = 0; j < kk; j++) {
        outer *= n[j];
      }
      for (int j = kk + 1; j < d; j++) {
        outer *= m[j];
      }
      macs += core * outer;
    }
    return new Cost(params + bias, macs * g.rows());
  }

  private static long[] toLong(int[] v) {
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  /**
   * The largest meaningful ranks of a method on a layer (a full-rank factorization): Tucker-2/TT
   * (C_out, C_in) capped by the other unfoldings, SVD/QR min(out, in); CP has no such bound and
   * returns the rank at which its parameters reach the original's.
   */
  public static int[] maxRanks(LayerGeometry g, Method method) {
    long k = g.kernelElements();
    return switch (method) {
      case TUCKER2 ->
          new int[] {(int) Math.min(g.cout(), g.cin() * k), (int) Math.min(g.cin(), g.cout() * k)};
      case TT ->
          new int[] {(int) Math.min(g.cout(), g.cin() * k), (int) Math.min(g.cin(), g.cout() * k)};
      case CP -> new int[] {(int) Math.max(1, g.cout() * g.cin() * k / (g.cin() + k + g.cout()))};
      case SVD, QR -> new int[] {(int) Math.min(g.cout(), g.cin())};
      case TTM -> throw new IllegalArgumentException("ttm ranks depend on the chosen modes");
    };
  }

  /** True when the choice strictly lowers both parameters and MACs of the layer. */
  public static boolean reducesCost(LayerGeometry g, Choice c) {
    Cost before = original(g);
    Cost after = factorized(g, c);
    return after.params() < before.params() && after.macs() < before.macs();
  }
}
