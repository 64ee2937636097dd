package org.lowrank.plan.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lowrank.progress.ProgressListener;

/** The core selectors are found through the SPI, with their options, defaults and score labels. */
class SelectorRegistryTest {

  @Test
  void coreSelectorsAreRegisteredInListingOrder() {
    List<String> names = SelectorRegistry.all().stream().map(SelectorProvider::name).toList();
    assertEquals(List.of("vbmf", "energy", "ratio"), names);
    assertEquals("vbmf, energy, ratio", SelectorRegistry.names());
    assertEquals("energy kept", SelectorRegistry.require("ENERGY").scoreLabel());
  }

  @Test
  void sharedOptionsAreListedOnce() {
    List<String> options = SelectorRegistry.options().stream().map(SelectorOption::name).toList();
    assertEquals(List.of("--rank-multiple", "--energy", "--ratio"), options);
  }

  @Test
  void optionsAreTypedWithTheDefaultsTheCliHad() {
    // the rank multiple defaults to this CPU's NCHWc block (auto)
    assertEquals(
        new EnergySelectorProvider.Options(
            EnergySelector.DEFAULT_THRESHOLD, org.lowrank.cost.RankMultiple.detect()),
        new EnergySelectorProvider().defaults());
    assertEquals(
        new RatioSelectorProvider.Options(0.25, org.lowrank.cost.RankMultiple.detect()),
        new RatioSelectorProvider().defaults());
    SelectorOption.Values v =
        SelectorOption.Values.of(Map.of("--ratio", 0.5, "--rank-multiple", 8));
    assertEquals(new RatioSelectorProvider.Options(0.5, 8), new RatioSelectorProvider().options(v));
    assertEquals(
        new EnergySelectorProvider.Options(0.9, 1),
        new EnergySelectorProvider()
            .options(
                SelectorOption.Values.defaults()
                    .with(EnergySelectorProvider.ENERGY, "0.9")
                    .with(SelectorOption.RANK_MULTIPLE, "1")));
  }

  @Test
  void providersMakeTheirSelectors() {
    SelectorContext ctx = new SelectorContext(null, null, List.of(), 7, null, null, false, false);
    RankSelector r =
        SelectorRegistry.require("ratio")
            .bind(SelectorOption.Values.defaults(), ProgressListener.NONE)
            .apply(ctx);
    assertInstanceOf(RatioSelector.class, r);
    assertEquals(0.25, ((RatioSelector) r).defaultScale());
  }

  @Test
  void unknownNamesAndBadValuesAreClearErrors() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SelectorRegistry.require("magic"));
    assertEquals("unknown selector 'magic': expected one of vbmf, energy, ratio", e.getMessage());
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () -> SelectorOption.Values.defaults().with(EnergySelectorProvider.ENERGY, "high"));
    assertTrue(
        bad.getMessage().contains("--energy takes a number, found 'high'"), bad.getMessage());
  }
}
