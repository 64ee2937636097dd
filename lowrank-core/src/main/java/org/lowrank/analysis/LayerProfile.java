package org.lowrank.analysis;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;

/**
 * One Conv/ConvTranspose/Gemm/MatMul layer, as the profile sees it (batch 1).
 *
 * @param name node name (the output name when the node is unnamed)
 * @param opType Conv, ConvTranspose, Gemm or MatMul
 * @param kind "conv1d", "conv2d", "conv3d", "conv2d-depthwise", "conv2d-grouped", their
 *     ConvTranspose forms "conv2d-transpose", "conv2d-transpose-grouped", .., or "dense"
 * @param weightName the weight's initializer name
 * @param weightShape the weight as stored: Conv W [C_out, C_in/groups, k...], ConvTranspose W
 *     [C_in, C_out/groups, k...]; Gemm/MatMul as the node reads it
 * @param hasBias whether a constant bias is part of the layer (Conv/Gemm input 2)
 * @param strides conv strides (empty for dense)
 * @param pads conv pads as applied [b_1..b_n, e_1..e_n], auto_pad resolved (empty for dense)
 * @param dilations conv dilations (empty for dense)
 * @param groups conv groups (1 for dense)
 * @param inputShape shape of the activation input
 * @param outputShape shape of the output
 * @param params weights + bias
 * @param macs multiply-accumulates per sample: conv C_out*C_in/g*K*P_out, ConvTranspose
 *     C_out*C_in/g*K*P_in, dense rows*in*out
 * @param geometry what the cost model and planner need
 * @param methods the factorization methods that apply (empty when the layer is skipped)
 * @param skipReason why no method applies, or "" when some do
 * @param methodNotes why a method that could apply to this kind of layer does not
 * @param skipRule the rule behind {@code skipReason}, null when some method applies
 */
public record LayerProfile(
    String name,
    String opType,
    String kind,
    String weightName,
    long[] weightShape,
    boolean hasBias,
    long[] strides,
    long[] pads,
    long[] dilations,
    long groups,
    long[] inputShape,
    long[] outputShape,
    long params,
    long macs,
    LayerGeometry geometry,
    List<Method> methods,
    String skipReason,
    Map<Method, String> methodNotes,
    SkipRule skipRule) {

  public LayerProfile {
    weightShape = weightShape.clone();
    strides = strides.clone();
    pads = pads.clone();
    dilations = dilations.clone();
    inputShape = inputShape.clone();
    outputShape = outputShape.clone();
    methods = List.copyOf(methods);
    skipReason = skipReason == null ? "" : skipReason;
    methodNotes = Collections.unmodifiableMap(new LinkedHashMap<>(methodNotes));
    if (!methods.isEmpty()) {
      skipRule = null;
    } else if (skipRule == null) {
      skipRule = SkipRule.UNSUPPORTED;
    }
  }

  /** This layer skipped by a layer rule: no methods, the given rule and reason. */
  public LayerProfile skipped(SkipRule rule, String reason) {
    return new LayerProfile(
        name,
        opType,
        kind,
        weightName,
        weightShape,
        hasBias,
        strides,
        pads,
        dilations,
        groups,
        inputShape,
        outputShape,
        params,
        macs,
        geometry,
        List.of(),
        reason,
        methodNotes,
        rule);
  }

  /** Number of weights (the product of the weight shape, bias excluded). */
  public long weightCount() {
    long n = 1;
    for (long d : weightShape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** True for a convolution whose kernel is 1 along every spatial axis. */
  public boolean isPointwise() {
    if (!isConv() || weightShape.length < 3) {
      return false;
    }
    for (int i = 2; i < weightShape.length; i++) {
      if (weightShape[i] != 1) {
        return false;
      }
    }
    return true;
  }

  /**
   * True for convolutions, ConvTranspose included (any spatial rank, any groups): the conv methods
   * (tucker, cp, tt) apply to them, the dense ones do not.
   */
  public boolean isConv() {
    return opType.equals("Conv") || isTransposed();
  }

  /** True for a ConvTranspose layer. */
  public boolean isTransposed() {
    return opType.equals("ConvTranspose");
  }

  /** True when at least one method applies. */
  public boolean isFactorizable() {
    return !methods.isEmpty();
  }

  /** Accessors return copies: the record stays immutable. */
  @Override
  public long[] weightShape() {
    return weightShape.clone();
  }

  @Override
  public long[] strides() {
    return strides.clone();
  }

  @Override
  public long[] pads() {
    return pads.clone();
  }

  @Override
  public long[] dilations() {
    return dilations.clone();
  }

  @Override
  public long[] inputShape() {
    return inputShape.clone();
  }

  @Override
  public long[] outputShape() {
    return outputShape.clone();
  }
}
