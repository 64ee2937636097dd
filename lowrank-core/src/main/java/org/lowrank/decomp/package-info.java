/**
 * Stage 4, Factorize: tensor decompositions of layer weights. Algorithms ({@link
 * org.lowrank.decomp.TruncatedSvd}, {@link org.lowrank.decomp.PivotedQr}, {@link
 * org.lowrank.decomp.CpAls}, {@link org.lowrank.decomp.Tucker}, {@link org.lowrank.decomp.Tucker2},
 * {@link org.lowrank.decomp.TensorTrainSvd}, {@link org.lowrank.decomp.ConvTensorTrainSvd}, {@link
 * org.lowrank.decomp.TtMatrixSvd}) take a {@link org.lowrank.tensor.DenseTensor} (never modified)
 * and ranks, and return an immutable {@link org.lowrank.decomp.FactorizedTensor} format ({@link
 * org.lowrank.decomp.LowRankMatrix}, {@link org.lowrank.decomp.CpTensor}, {@link
 * org.lowrank.decomp.TuckerTensor}, {@link org.lowrank.decomp.TensorTrain}, {@link
 * org.lowrank.decomp.ConvTensorTrain}, {@link org.lowrank.decomp.TtMatrix}) that rebuilds the dense
 * tensor and counts its parameters. Each format also has a static closed-form {@code
 * parameterCount} so the planner (stage 3) can cost a rank without decomposing; the rewriter (stage
 * 5) turns the factors into ONNX ops. Conv kernels are [Cout, Cin, k_1..k_d] for d = 1, 2, 3:
 * spatial modes are just more modes.
 *
 * <p>Conv recipes: Tucker-2 = {@code Tucker2.create().factorize(w, r1, r2)}; CP3 = {@code
 * CpAls.create().factorize(ConvKernels.threeWay(w), r)} (factors [Cout, R], [K, R], [Cin, R]); CP4
 * = {@code CpAls.create().factorize(w, r)} (factors [Cout, R], [Cin, R], [k_1, R], [k_2, R]); TT =
 * {@code ConvTensorTrainSvd.create().factorize(w, r1, r2)}. Dense W[out, in]: {@code TruncatedSvd},
 * {@code PivotedQr}, {@code TtMatrixSvd}. All run single-threaded BLAS unless given {@code
 * LinearAlgebra.openBlas(n)}.
 */
package org.lowrank.decomp;
