package org.lowrank.cli.testselector;

import java.util.List;
import java.util.Map;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.Method;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.RankSelector;
import org.lowrank.plan.select.SelectorContext;
import org.lowrank.plan.select.SelectorOption;
import org.lowrank.plan.select.SelectorProvider;
import org.lowrank.progress.ProgressListener;

/**
 * A selector that exists only in the tests, registered through the SPI alone (META-INF/services in
 * the test resources): ranks = ceil(scale x full rank), {@code --half-scale} (default 0.5). The CLI
 * must offer it by name, with its option, without being edited.
 */
public final class HalfRankSelectorProvider
    implements SelectorProvider<HalfRankSelectorProvider.Options> {
  static final SelectorOption SCALE =
      new SelectorOption(
          "--half-scale", Double.class, "S", "0.5", "Rank / full rank of the test-only selector");

  /**
   * @param scale rank / full rank
   */
  public record Options(double scale) {}

  @Override
  public String name() {
    return "half";
  }

  @Override
  public String description() {
    return "test-only: a fixed fraction of the full rank";
  }

  @Override
  public String scoreLabel() {
    return "test score";
  }

  @Override
  public List<SelectorOption> options() {
    return List.of(SCALE);
  }

  @Override
  public Options options(SelectorOption.Values v) {
    return new Options(v.getDouble(SCALE));
  }

  @Override
  public RankSelector create(Options o, SelectorContext ctx, ProgressListener progress) {
    return new RankSelector.Uniform() {
      @Override
      public String name() {
        return "half";
      }

      @Override
      public Map<String, Object> settings() {
        return Map.of("scale", o.scale());
      }

      @Override
      public double defaultScale() {
        return o.scale();
      }

      @Override
      public double maxScale() {
        return 1.0;
      }

      @Override
      public int[] ranks(LayerInput layer, Method method, double scale) {
        int[] full = CostModel.maxRanks(layer.geometry(), method);
        int[] r = new int[full.length];
        for (int i = 0; i < r.length; i++) {
          r[i] = Math.max(1, Math.min(full[i], (int) Math.ceil(scale * full[i])));
        }
        return r;
      }
    };
  }
}
