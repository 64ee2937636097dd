package org.lowrank.cost;

import java.util.Locale;

/**
 * Factorization methods. Convolutions: Tucker-2 (1x1, kxk, 1x1), CP (1x1, depthwise kxk, 1x1; CP3
 * of MISSION.md), Tensor-Train (3 cores, 1x1, kxk, 1x1). Dense layers: truncated SVD,
 * column-pivoted QR (two Gemms each) and TT-matrix (a chain of small MatMuls).
 */
public enum Method {
  TUCKER2("tucker", true, 2),
  CP("cp", true, 1),
  TT("tt", true, 2),
  SVD("svd", false, 1),
  QR("qr", false, 1),
  TTM("ttm", false, -1);

  private final String cliName;
  private final boolean conv;
  private final int rankCount;

  Method(String cliName, boolean conv, int rankCount) {
    this.cliName = cliName;
    this.conv = conv;
    this.rankCount = rankCount;
  }

  /** The name used on the command line and in plan files. */
  public String cliName() {
    return cliName;
  }

  /** True for convolution methods, false for dense-layer methods. */
  public boolean forConv() {
    return conv;
  }

  /**
   * Number of ranks the method takes: Tucker-2 (r_out, r_in), TT (r1 on the output side, r2 on the
   * input side), CP/SVD/QR one rank; -1 for TT-matrix (d-1 ranks, d chosen per layer).
   */
  public int rankCount() {
    return rankCount;
  }

  /**
   * True when the method can factorize layer {@code g}: conv methods on convolutions, dense methods
   * on dense layers, and SVD also on a pointwise (1x1, ungrouped, not transposed) convolution,
   * whose weight [C_out, C_in, 1..] is the matrix [C_out, C_in]: rank r gives 1x1 C_in->r, 1x1
   * r->C_out.
   */
  public boolean appliesTo(LayerGeometry g) {
    return conv == g.conv() || (this == SVD && isPointwiseConv(g));
  }

  /** A 1x1 ungrouped Conv (not ConvTranspose). */
  public static boolean isPointwiseConv(LayerGeometry g) {
    return g.conv() && !g.transposed() && g.groups() == 1 && g.kernelElements() == 1;
  }

  /** Parses a CLI/plan name ("tucker", "tucker2", "cp", "tt", "svd", "qr", "ttm"). */
  public static Method parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (Method m : values()) {
      if (m.cliName.equals(n) || m.name().toLowerCase(Locale.ROOT).equals(n)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown factorization method '"
            + name
            + "': expected one of tucker, cp, tt, svd, qr, ttm");
  }
}
