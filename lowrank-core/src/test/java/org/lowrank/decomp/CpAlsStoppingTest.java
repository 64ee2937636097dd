package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lowrank.tensor.DenseTensor;

/** CP-ALS stopping: relative tolerance after a minimum of sweeps, and a caller's stop rule. */
class CpAlsStoppingTest {
  private static final DenseTensor X = DenseTensor.random(4, 20, 9, 24);

  private static CpAls.Builder als() {
    return CpAls.builder().optSeed(1).optMaxIterations(300);
  }

  @Test
  void theRelativeToleranceStopsEarlierButNotBeforeTheMinimum() {
    CpAls.Fit full = als().build().fit(X, 30);
    CpAls.Fit rel = als().optRelativeTolerance(1e-3).build().fit(X, 30);
    CpAls.Fit min = als().optRelativeTolerance(1e-3).optMinIterations(40).build().fit(X, 30);
    assertTrue(rel.iterations() < full.iterations(), rel.iterations() + " vs " + full.iterations());
    assertTrue(rel.converged());
    assertEquals(40, min.iterations(), "a relative change below 1e-3 from sweep 40 on");
    // same start: the longer fit never fits worse
    assertTrue(min.relativeError() <= rel.relativeError() + 1e-12);
    assertTrue(full.relativeError() <= min.relativeError() + 1e-12);
  }

  @Test
  void aStopRuleSeesEverySweepAndStopsTheFit() {
    CpAls.Fit f =
        als()
            .optStopRule(
                (errors, max) -> {
                  assertEquals(300, max);
                  for (int i = 1; i < errors.length; i++) {
                    assertTrue(errors[i] <= errors[i - 1] + 1e-12, "ALS never loses fit");
                  }
                  return errors.length == 7;
                })
            .build()
            .fit(X, 30);
    assertEquals(7, f.iterations());
    assertFalse(f.converged());
  }
}
