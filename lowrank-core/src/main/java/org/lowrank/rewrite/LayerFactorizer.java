package org.lowrank.rewrite;

import java.util.Arrays;
import java.util.Objects;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Method;
import org.lowrank.decomp.ConvKernels;
import org.lowrank.decomp.ConvTensorTrain;
import org.lowrank.decomp.ConvTensorTrainSvd;
import org.lowrank.decomp.CpAls;
import org.lowrank.decomp.CpFits;
import org.lowrank.decomp.CpTensor;
import org.lowrank.decomp.DataAwareFactorization;
import org.lowrank.decomp.InputMoment;
import org.lowrank.decomp.PivotedQr;
import org.lowrank.decomp.TruncatedSvd;
import org.lowrank.decomp.TtMatrix;
import org.lowrank.decomp.TtMatrixSvd;
import org.lowrank.decomp.Tucker;
import org.lowrank.decomp.Tucker2;
import org.lowrank.decomp.TuckerTensor;
import org.lowrank.graph.Graph;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.linalg.LinearAlgebra;
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
  /** Input-factor updates of the data-aware Tucker-2 after its closed-form start. */
  static final int TUCKER_SWEEPS = 10;

  /** At most this many weighted CP-ALS sweeps after the weight-only CP-ALS. */
  static final int CP_SWEEPS = 15;

  /** Sweeps over the cores of the data-aware TT-matrix. */
  static final int TT_MATRIX_SWEEPS = 5;

  /**
   * CP-ALS runs at least this many sweeps before its tolerances may stop it: as many as the energy
   * selector scores CP with, so the deployed fit (same start, ALS never loses fit) keeps at least
   * the scored energy.
   */
  public static final int CP_MIN_SWEEPS = 25;

  /**
   * Default relative tolerance of the CP-ALS fits: stop once the relative error e changes by less
   * than {@code 1e-5 e} in a sweep (a fit at a high rank of an incompressible kernel otherwise runs
   * all 500 sweeps for the last 0.1% of its error).
   */
  public static final double CP_RELATIVE_TOLERANCE = 1e-5;

  /**
   * Sweep cap of the deployed CP-ALS fit, which after its first {@value #CP_MIN_SWEEPS} plain
   * sweeps (the scored ones) extrapolates each sweep by line search ({@link
   * CpAls.Builder#optLineSearch}). Measured on random kernels at their break-even ranks ([16, 9,
   * 16] r 56, [32, 9, 32] r 126, [64, 9, 64] r 250, [64, 25, 48] r 560): the line search reaches
   * the error of 500 plain sweeps by sweep 170-174, at about 1.2x the cost per sweep (measured when
   * each trial still cost a reconstruction GEMM; its error now comes from the sweep's partials), so
   * 200 such sweeps end at a lower error than the former 500 plain ones in about 0.5x the time.
   * With {@link Builder#optCpFits} the fit continues the scored sweeps instead of running them
   * again.
   */
  public static final int CP_FINAL_SWEEPS = 200;

  private final LinearAlgebra la;
  private final long seed;
  private final boolean separableCp;
  private final int cpIterations;
  private final boolean cpLineSearch;
  private final double dataAwareEffort;
  private final double cpRelativeTolerance;
  private final CpAls.StopRule cpStopRule;
  private final CpFits cpFits;

  private LayerFactorizer(Builder b) {
    this.la = b.la;
    this.seed = b.seed;
    this.separableCp = b.separableCp;
    this.cpIterations = b.cpIterations;
    this.cpLineSearch = b.cpLineSearch;
    this.dataAwareEffort = b.dataAwareEffort;
    this.cpRelativeTolerance = b.cpRelativeTolerance;
    this.cpStopRule = b.cpStopRule;
    this.cpFits = b.cpFits;
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
   * @throws UnsupportedModelException for grouped Conv/ConvTranspose layers
   */
  public FactorizedLayer factorize(Graph graph, String layer, Choice choice) {
    return factorize(graph, layer, choice, null);
  }

  /**
   * Factorizes layer {@code layer} as {@code choice} says, data-aware when {@code moment} (the
   * second moment of the layer's inputs, see {@link InputMoment}) is given and the method has a
   * data-aware form ({@link #isDataAware}); from the weights alone otherwise.
   */
  public FactorizedLayer factorize(Graph graph, String layer, Choice choice, InputMoment moment) {
    Node node = LayerRewriter.findLayer(graph, layer);
    Method m = choice.method();
    try {
      if (m.forConv()) {
        if (!ConvLayer.isConvOp(node)) {
          throw new ModelException(
              node, m.cliName() + " factorizes convolutions, not " + node.opType());
        }
        ConvLayer c = ConvLayer.of(graph, node);
        if (c.isGrouped()) {
          throw new UnsupportedModelException(
              node, "grouped " + c.opType() + " (group=" + c.groups() + ") is not factorized");
        }
        return factorizeConv(c.weight(), choice, moment);
      }
      if (ConvLayer.isConvOp(node)) {
        ConvLayer c = ConvLayer.of(graph, node);
        if (m == Method.SVD && c.isPointwise()) {
          return factorizePointwise(c.weight(), choice);
        }
        throw new ModelException(
            node,
            m.cliName()
                + " factorizes dense layers"
                + (m == Method.SVD ? " and 1x1 ungrouped Conv layers" : "")
                + ", not this "
                + node.opType()
                + " (kernel "
                + Arrays.toString(c.kernel())
                + ", group "
                + c.groups()
                + ")");
      }
      return factorizeDense(DenseLayer.of(graph, node).weight(), choice, moment);
    } catch (IllegalArgumentException e) {
      throw new ModelException(
          node, m.cliName() + " " + Arrays.toString(choice.ranks()) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Factorizes a conv weight W [Cout, Cin, k_1..k_d] (not modified).
   *
   * @throws IllegalArgumentException for a dense method or infeasible ranks
   */
  public FactorizedLayer factorizeConv(TensorValue weight, Choice choice) {
    return factorizeConv(weight, choice, null);
  }

  /**
   * Factorizes a weight (conv [Cout, Cin, k..] or dense [out, in]; not modified) data-aware with
   * {@code moment}, or from the weight alone when it is null.
   */
  public FactorizedLayer factorize(TensorValue weight, Choice choice, InputMoment moment) {
    return choice.method().forConv()
        ? factorizeConv(weight, choice, moment)
        : factorizeDense(weight, choice, moment);
  }

  /** Whether {@code method} has a data-aware form here (all but separable CP). */
  public boolean isDataAware(Method method) {
    return switch (method) {
      case TUCKER2, SVD, QR, TT, TTM -> true;
      case CP -> !separableCp;
      default -> false;
    };
  }

  private FactorizedLayer factorizeConv(TensorValue weight, Choice choice, InputMoment moment) {
    DenseTensor w = FormatSpecs.dense(weight);
    int[] r = choice.ranks();
    boolean data = moment != null && isDataAware(choice.method());
    DataAwareFactorization da = DataAwareFactorization.create(la);
    switch (choice.method()) {
      case TUCKER2 -> {
        TuckerTensor t = Tucker2.create(Tucker.Method.HOOI, la).factorize(w, r);
        return FormatSpecs.tucker2(data ? da.tucker2(w, moment, t, sweeps(TUCKER_SWEEPS)) : t);
      }
      case TT -> {
        ConvTensorTrain t = ConvTensorTrainSvd.create(la, false).factorize(w, r);
        return FormatSpecs.tt(data ? da.tt(w, moment, t, sweeps(TUCKER_SWEEPS)) : t);
      }
      case CP -> {
        int[] k = ConvKernels.spatialShape(w);
        long[] kernel = Arrays.stream(k).asLongStream().toArray();
        CpAls als =
            CpAls.builder()
                .optLinearAlgebra(la)
                .optSeed(seed)
                .optMaxIterations(cpIterations)
                .optMinIterations(Math.min(CP_MIN_SWEEPS, cpIterations))
                .optRelativeTolerance(cpRelativeTolerance)
                .optStopRule(cpStopRule)
                .optLineSearch(cpLineSearch)
                .optFits(cpFits)
                .build();
        if (!separableCp || k.length == 1) {
          CpTensor cp = cpFit(als, ConvKernels.threeWay(w), r[0]);
          return FormatSpecs.cp(data ? da.cp(w, moment, cp, sweeps(CP_SWEEPS), 1e-6) : cp, kernel);
        }
        // [Cout, Cin, k..] -> [Cout, k.., Cin]
        int n = w.order();
        int[] perm = new int[n];
        for (int j = 1; j < n - 1; j++) {
          perm[j] = j + 1;
        }
        perm[n - 1] = 1;
        return FormatSpecs.cp(cpFit(als, w.permute(perm), r[0]), kernel);
      }
      default ->
          throw new IllegalArgumentException(
              choice.method().cliName()
                  + " is a dense-layer method; conv methods are tucker, cp, tt");
    }
  }

  /**
   * Truncated SVD of a pointwise conv weight W [C_out, C_in, 1..] (not modified) as the matrix
   * [C_out, C_in]: {@code W ~ L R} with L [C_out, r], R [r, C_in], rewritten as two 1x1 convs.
   */
  public FactorizedLayer factorizePointwise(TensorValue weight, Choice choice) {
    long[] d = weight.dims();
    for (int j = 2; j < d.length; j++) {
      if (d[j] != 1) {
        throw new IllegalArgumentException(
            "svd of a conv needs a 1x1 kernel, found weight " + Arrays.toString(d));
      }
    }
    return factorizeDense(weight.reshape(new long[] {d[0], d[1]}), choice);
  }

  /**
   * Factorizes a dense weight W [out, in] ({@link DenseLayer#weight()}; not modified).
   *
   * @throws IllegalArgumentException for a conv method or infeasible ranks
   */
  public FactorizedLayer factorizeDense(TensorValue weight, Choice choice) {
    return factorizeDense(weight, choice, null);
  }

  private FactorizedLayer factorizeDense(TensorValue weight, Choice choice, InputMoment moment) {
    DenseTensor w = FormatSpecs.dense(weight);
    DataAwareFactorization da = moment == null ? null : DataAwareFactorization.create(la);
    switch (choice.method()) {
      case SVD -> {
        return FormatSpecs.lowRank(
            "svd",
            da != null
                ? da.svd(w, moment, choice.ranks()[0])
                : TruncatedSvd.builder().optLinearAlgebra(la).build().factorize(w, choice.ranks()));
      }
      case QR -> {
        return FormatSpecs.lowRank(
            "qr",
            da != null
                ? da.qr(w, moment, choice.ranks()[0])
                : PivotedQr.create(la).factorize(w, choice.ranks()));
      }
      case TTM -> {
        TtMatrix t =
            TtMatrixSvd.builder()
                .optLinearAlgebra(la)
                .optOrder(choice.outModes().length)
                .optRowFactors(choice.outModes())
                .optColFactors(choice.inModes())
                .build()
                .factorize(w, choice.ranks());
        return FormatSpecs.ttMatrix(
            da != null ? da.ttMatrix(w, moment, t, sweeps(TT_MATRIX_SWEEPS)) : t);
      }
      default ->
          throw new IllegalArgumentException(
              choice.method().cliName() + " is a conv method; dense methods are svd, qr, ttm");
    }
  }

  /**
   * The data-aware ALS sweeps at this factorizer's effort (at least 1 when the default has any).
   */
  private int sweeps(int full) {
    return dataAwareEffort >= 1 ? full : Math.max(1, (int) Math.round(full * dataAwareEffort));
  }

  /**
   * CP-ALS of {@code x} at {@code rank}: with {@link Builder#optCpFits}, continued from a kept fit
   * of the same tensor, seed and rank whose sweeps this one runs alike (the energy selector's
   * score, see {@link CpAls#resume}), and a fit of plain sweeps only is kept for the next.
   */
  private CpTensor cpFit(CpAls als, DenseTensor x, int rank) {
    return cpFits == null
        ? als.factorize(x, rank)
        : cpFits.fit(als, x, seed, rank, cpLineSearch ? CP_MIN_SWEEPS : cpIterations).tensor();
  }

  /** Builder: all options have defaults. */
  public static final class Builder {
    private LinearAlgebra la = LinearAlgebra.defaultInstance();
    private long seed;
    private boolean separableCp;
    private int cpIterations = CP_FINAL_SWEEPS;
    private boolean cpLineSearch = true;
    private double dataAwareEffort = 1;
    private double cpRelativeTolerance = CP_RELATIVE_TOLERANCE;
    private CpAls.StopRule cpStopRule;
    private CpFits cpFits;

    /**
     * Where CP-ALS fits of plain sweeps are kept and continued from (default none): a rank search
     * and the deployment sharing one {@link CpFits} run the common first sweeps of a layer's CP
     * rank once. Results are the same as without it.
     */
    public Builder optCpFits(CpFits fits) {
      this.cpFits = fits;
      return this;
    }

    /**
     * The fraction of the data-aware ALS sweeps to run (default 1: Tucker-2 and TT 10 input-factor
     * updates, CP 15 sweeps, TT-matrix 5; at least one each). A search that only rates candidates
     * can use less: the scores are then slightly pessimistic, never better than the deployed fit.
     */
    public Builder optDataAwareEffort(double fraction) {
      if (!(fraction > 0 && fraction <= 1)) {
        throw new IllegalArgumentException(
            "data-aware effort must be in (0, 1], found " + fraction);
      }
      this.dataAwareEffort = fraction;
      return this;
    }

    /**
     * Relative tolerance of CP-ALS after its first {@value #CP_MIN_SWEEPS} sweeps (default {@value
     * #CP_RELATIVE_TOLERANCE}; 0 runs until the absolute tolerance 1e-8 or the sweep cap).
     */
    public Builder optCpRelativeTolerance(double tolerance) {
      if (!(tolerance >= 0)) {
        throw new IllegalArgumentException(
            "CP-ALS relative tolerance must be >= 0, found " + tolerance);
      }
      this.cpRelativeTolerance = tolerance;
      return this;
    }

    /** An early stop of the CP-ALS sweeps (default none), e.g. a rank search's. */
    public Builder optCpStopRule(CpAls.StopRule rule) {
      this.cpStopRule = rule;
      return this;
    }

    /**
     * Plain CP-ALS of at most this many sweeps, without the line search of the deployed fit
     * (default: {@value #CP_FINAL_SWEEPS} sweeps with line search after the first {@value
     * #CP_MIN_SWEEPS}). A search that only rates candidates uses fewer: its scores are then
     * slightly pessimistic for CP, never above the deployed fit's from the same start.
     */
    public Builder optCpIterations(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("CP-ALS iterations must be >= 1, found " + n);
      }
      this.cpIterations = n;
      this.cpLineSearch = false;
      return this;
    }

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

    /**
     * CP as one depthwise conv per spatial axis (CP4 in 2-D) instead of one kxk depthwise (CP3).
     */
    public Builder optSeparableCp(boolean separable) {
      this.separableCp = separable;
      return this;
    }

    public LayerFactorizer build() {
      return new LayerFactorizer(this);
    }
  }
}
