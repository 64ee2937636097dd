package org.lowrank.plan.select;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.Method;
import org.lowrank.linalg.LinearAlgebra;

/**
 * EVBMF baseline (Kim et al. 2016 for Tucker-2): each factored unfolding gets the rank that {@link
 * Evbmf} estimates from its singular values (CP takes the larger of the two). Where EVBMF finds no
 * component (rank 0, a known pitfall) the layer keeps its full rank and the plan says so. Under a
 * global budget all VBMF ranks are multiplied by one scale, found by bisection.
 */
public final class VbmfSelector implements RankSelector.Uniform {
  private final int rankMultiple;
  private final String rankMultipleSource;
  private final LinearAlgebra la;
  private final Map<String, int[]> base = new ConcurrentHashMap<>();

  public VbmfSelector(int rankMultiple, LinearAlgebra la) {
    this(org.lowrank.cost.RankMultiple.given(Math.max(1, rankMultiple)), la);
  }

  /** VBMF ranks rounded up to {@code rankMultiple} where the layer allows. */
  public VbmfSelector(org.lowrank.cost.RankMultiple rankMultiple, LinearAlgebra la) {
    this.rankMultiple = rankMultiple.multiple();
    this.rankMultipleSource = rankMultiple.source();
    this.la = la;
  }

  @Override
  public String name() {
    return "vbmf";
  }

  @Override
  public Map<String, Object> settings() {
    return Map.of("rank_multiple", (long) rankMultiple, "rank_multiple_source", rankMultipleSource);
  }

  @Override
  public double defaultScale() {
    return 1;
  }

  @Override
  public double maxScale() {
    return 64;
  }

  /** The EVBMF ranks of the output- and input-side unfoldings; 0 where EVBMF found nothing. */
  public int[] vbmfRanks(LayerInput layer) {
    return base.computeIfAbsent(
        layer.name(),
        k -> {
          Spectra s = Spectra.of(layer, la);
          int[] shape = layer.weight().shape();
          long rest0 = layer.weight().size() / shape[0];
          long rest1 = layer.weight().size() / shape[1];
          int r0 = Evbmf.estimate(s.output(), shape[0], (int) rest0).rank();
          int r1 =
              layer.geometry().conv()
                  ? Evbmf.estimate(s.input(), shape[1], (int) rest1).rank()
                  : r0;
          return new int[] {r0, r1};
        });
  }

  /** True when EVBMF found no component on some unfolding (the layer falls back to full rank). */
  public boolean fellBack(LayerInput layer) {
    int[] r = vbmfRanks(layer);
    return r[0] == 0 || r[1] == 0;
  }

  @Override
  public int[] ranks(LayerInput layer, Method method, double scale) {
    int[] max = CostModel.maxRanks(layer.geometry(), method);
    int[] v = vbmfRanks(layer);
    int[] fullTucker =
        CostModel.maxRanks(layer.geometry(), layer.geometry().conv() ? Method.TUCKER2 : Method.SVD);
    int b0 = v[0] == 0 ? fullTucker[0] : v[0];
    int b1 = v[1] == 0 ? fullTucker[fullTucker.length - 1] : v[1];
    return switch (method) {
      case TUCKER2, TT -> new int[] {scale(b0, scale, max[0]), scale(b1, scale, max[1])};
      case CP -> new int[] {scale(Math.max(b0, b1), scale, max[0])};
      case SVD, QR -> new int[] {scale(b0, scale, max[0])};
      case TTM -> throw new IllegalArgumentException("vbmf does not select TT-matrix ranks");
    };
  }

  private int scale(int base, double scale, int max) {
    int r = Math.max(1, (int) Math.ceil(base * scale - 1e-9));
    return CandidateGrid.round(Math.min(r, max), rankMultiple, max);
  }
}
