package org.lowrank.rewrite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.lowrank.decomp.ConvKernels;
import org.lowrank.decomp.ConvTensorTrain;
import org.lowrank.decomp.ConvTensorTrainSvd;
import org.lowrank.decomp.CpAls;
import org.lowrank.decomp.CpTensor;
import org.lowrank.decomp.LowRankMatrix;
import org.lowrank.decomp.PivotedQr;
import org.lowrank.decomp.TruncatedSvd;
import org.lowrank.decomp.TtMatrix;
import org.lowrank.decomp.TtMatrixSvd;
import org.lowrank.decomp.Tucker2;
import org.lowrank.decomp.TuckerTensor;
import org.lowrank.graph.Graph;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.Choice;
import org.lowrank.plan.Method;
import org.lowrank.tensor.DenseTensor;

/**
 * Stage 4, Factorize: turns a layer's weight and a {@link Choice} (method + ranks) into the {@link
 * FactorizedLayer} the rewrite consumes, with the decomposition algorithms of {@code
 * org.lowrank.decomp} (computed in double, factors stored as float32).
 *
 * <ul>
 *   <li>Tucker-2: {@link Tucker2} (HOOI) with ranks (r_out, r_in).
 *   <li>TT: {@link ConvTensorTrainSvd} (TT-SVD of [Cout, K, Cin]) with ranks (r1, r2).
 *   <li>CP: {@link CpAls} of [Cout, K, Cin] (CP3), or of [Cout, k_1..k_d, Cin] when the separable
 *       form is selected ({@link Builder#optSeparableCp}; CP4 for 2-D kernels), rank R, seeded.
 *   <li>SVD: {@link TruncatedSvd}; QR: {@link PivotedQr}; rank r on W [out, in].
 *   <li>TT-matrix: {@link TtMatrixSvd} with the choice's output/input modes and inner ranks.
 * </ul>
 */
public final class LayerFactorizer {
  private final LinearAlgebra la;
  private final long seed;
  private final boolean separableCp;

  private LayerFactorizer(Builder b) {
    this.la = b.la;
    this.seed = b.seed;
    this.separableCp = b.separableCp;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Default backend, seed 0, CP3. */
  public static LayerFactorizer create() {
    return builder().build();
  }

  /**
   * Factorizes layer {@code layer} of {@code graph} as {@code choice} says.
   *
   * @throws ModelException when the method does not fit the layer kind or a rank is infeasible (the
   *     message names the layer and the feasible range)
   * @throws UnsupportedModelException for grouped convs
   */
  public FactorizedLayer factorize(Graph graph, String layer, Choice choice) {
    Node node = LayerRewriter.findLayer(graph, layer);
    Method m = choice.method();
    try {
      if (m.forConv()) {
        if (!node.opType().equals("Conv")) {
          throw new ModelException(node, m.cliName() + " factorizes convolutions, not " + node.opType());
        }
        ConvLayer c = ConvLayer.of(graph, node);
        if (c.isGrouped()) {
          throw new UnsupportedModelException(
              node, "grouped conv (group=" + c.groups() + ") is not factorized");
        }
        return factorizeConv(c.weight(), choice);
      }
      if (node.opType().equals("Conv")) {
        throw new ModelException(node, m.cliName() + " factorizes dense layers, not Conv");
      }
      return factorizeDense(DenseLayer.of(graph, node).weight(), choice);
    } catch (IllegalArgumentException e) {
      throw new ModelException(node, m.cliName() + " " + Arrays.toString(choice.ranks()) + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * Factorizes a conv weight W [Cout, Cin, k_1..k_d] (not modified).
   *
   * @throws IllegalArgumentException for a dense method or infeasible ranks
   */
  public FactorizedLayer factorizeConv(TensorValue weight, Choice choice) {
    DenseTensor w = toDense(weight);
    int[] r = choice.ranks();
    switch (choice.method()) {
      case TUCKER2 -> {
        TuckerTensor t = Tucker2.create(org.lowrank.decomp.Tucker.Method.HOOI, la).factorize(w, r);
        return new Tucker2Conv(
            toTensor(t.factor(0).orElseThrow()), toTensor(t.core()), toTensor(t.factor(1).orElseThrow()));
      }
      case TT -> {
        ConvTensorTrain tt = ConvTensorTrainSvd.create(la, false).factorize(w, r);
        int[] k = tt.spatialShape();
        int[] mid = new int[k.length + 2];
        mid[0] = tt.rank1();
        System.arraycopy(k, 0, mid, 1, k.length);
        mid[k.length + 1] = tt.rank2();
        return new TtConv(
            toTensor(tt.outputFactor()), toTensor(tt.core().reshape(mid)), toTensor(tt.inputFactor()));
      }
      case CP -> {
        return cp(w, r);
      }
      default -> throw new IllegalArgumentException(
          choice.method().cliName() + " is a dense-layer method; conv methods are tucker, cp, tt");
    }
  }

  private FactorizedLayer cp(DenseTensor w, int[] ranks) {
    int[] k = ConvKernels.spatialShape(w);
    CpAls als = CpAls.builder().optLinearAlgebra(la).optSeed(seed).build();
    if (!separableCp || k.length == 1) {
      CpTensor cp = als.factorize(ConvKernels.threeWay(w), ranks);
      return CpConv.cp3(toTensor(cp.factor(0)), toTensor(cp.factor(1)), toTensor(cp.factor(2)),
              toLongs(k))
          .withWeights(toFloats(cp.weights()));
    }
    // [Cout, Cin, k..] -> [Cout, k.., Cin]
    int n = w.order();
    int[] perm = new int[n];
    for (int j = 1; j < n - 1; j++) {
      perm[j] = j + 1;
    }
    perm[n - 1] = 1;
    CpTensor cp = als.factorize(w.permute(perm), ranks);
    List<TensorValue> axes = new ArrayList<>();
    for (int j = 1; j < n - 1; j++) {
      axes.add(toTensor(cp.factor(j)));
    }
    return CpConv.separable(toTensor(cp.factor(0)), axes, toTensor(cp.factor(n - 1)))
        .withWeights(toFloats(cp.weights()));
  }

  /**
   * Factorizes a dense weight W [out, in] ({@link DenseLayer#weight()}; not modified).
   *
   * @throws IllegalArgumentException for a conv method or infeasible ranks
   */
  public FactorizedLayer factorizeDense(TensorValue weight, Choice choice) {
    DenseTensor w = toDense(weight);
    switch (choice.method()) {
      case SVD -> {
        LowRankMatrix lr = TruncatedSvd.builder().optLinearAlgebra(la).build().factorize(w, choice.ranks());
        return new LowRankDense("svd", toTensor(lr.left()), toTensor(lr.right()));
      }
      case QR -> {
        LowRankMatrix lr = PivotedQr.create(la).factorize(w, choice.ranks());
        return new LowRankDense("qr", toTensor(lr.left()), toTensor(lr.right()));
      }
      case TTM -> {
        TtMatrix tt = TtMatrixSvd.builder().optLinearAlgebra(la)
            .optOrder(choice.outModes().length)
            .optRowFactors(choice.outModes()).optColFactors(choice.inModes())
            .build().factorize(w, choice.ranks());
        List<TensorValue> cores = new ArrayList<>();
        for (DenseTensor g : tt.cores()) {
          cores.add(toTensor(g));
        }
        return new TtMatrixDense(cores);
      }
      default -> throw new IllegalArgumentException(
          choice.method().cliName() + " is a conv method; dense methods are svd, qr, ttm");
    }
  }

  static DenseTensor toDense(TensorValue t) {
    int[] shape = Arrays.stream(t.dims()).mapToInt(Math::toIntExact).toArray();
    return DenseTensor.fromFloats(t.toFloatArray(), shape);
  }

  static TensorValue toTensor(DenseTensor t) {
    return TensorValue.ofFloats(Arrays.stream(t.shape()).asLongStream().toArray(), t.toFloats());
  }

  private static long[] toLongs(int[] v) {
    return Arrays.stream(v).asLongStream().toArray();
  }

  private static float[] toFloats(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  /** Builder: all options have defaults. */
  public static final class Builder {
    private LinearAlgebra la = LinearAlgebra.defaultInstance();
    private long seed;
    private boolean separableCp;

    private Builder() {}

    public Builder optLinearAlgebra(LinearAlgebra la) {
      this.la = Objects.requireNonNull(la, "la");
      return this;
    }

    /** Seed of the randomized steps (CP-ALS initialization beyond the SVD columns). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** CP as one depthwise conv per spatial axis (CP4 in 2-D) instead of one kxk depthwise (CP3). */
    public Builder optSeparableCp(boolean separable) {
      this.separableCp = separable;
      return this;
    }

    public LayerFactorizer build() {
      return new LayerFactorizer(this);
    }
  }
}
