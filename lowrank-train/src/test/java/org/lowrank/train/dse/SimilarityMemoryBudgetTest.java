package org.lowrank.train.dse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.lowrank.LowrankException;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Method;
import org.lowrank.train.exec.MemoryBudget;

/**
 * The calibration pass under a memory budget: cut into chunks, it caches exactly the layer inputs
 * of the one-pass run, in image order; a cache over the budget fails naming the setting.
 */
class SimilarityMemoryBudgetTest {

  /** Runs {@code body} with --memory-budget set to {@code spec}. */
  private static <T> T withBudget(String spec, Supplier<T> body) {
    String before = System.getProperty(MemoryBudget.PROPERTY);
    System.setProperty(MemoryBudget.PROPERTY, spec);
    try {
      return body.get();
    } finally {
      if (before == null) {
        System.clearProperty(MemoryBudget.PROPERTY);
      } else {
        System.setProperty(MemoryBudget.PROPERTY, before);
      }
    }
  }

  @Test
  void chunkedCalibrationCachesTheSameInputsInImageOrder() {
    // per image: x 768 B + a1 4 KiB + f 4 KiB; the 32-image cache is 284 KiB; at 400 KiB a
    // forward chunk holds 400 / (4 x 8.75) = 11 images, so the pass runs as 1 + 11 + 11 + 9
    Choice c = Choice.of(Method.TUCKER2, 3, 3);
    try (SimilaritySelector whole =
        SimilaritySelectorTest.selector(SimilaritySelectorTest.model(0.3), 0.98).build()) {
      float[][] expected = {
        whole.cachedInput("x").toFloatArray(),
        whole.cachedInput("a1").toFloatArray(),
        whole.cachedInput("f").toFloatArray()
      };
      double score = whole.similarity("conv2", c);
      withBudget(
          "400k",
          () -> {
            try (SimilaritySelector chunked =
                SimilaritySelectorTest.selector(SimilaritySelectorTest.model(0.3), 0.98).build()) {
              assertArrayEquals(expected[0], chunked.cachedInput("x").toFloatArray());
              assertArrayEquals(expected[1], chunked.cachedInput("a1").toFloatArray(), 1e-6f);
              assertArrayEquals(expected[2], chunked.cachedInput("f").toFloatArray(), 1e-6f);
              assertEquals(score, chunked.similarity("conv2", c), 1e-6);
            }
            return null;
          });
    }
  }

  @Test
  void aCacheOverTheBudgetFailsNamingTheSettingAndTheFix() {
    LowrankException e =
        withBudget(
            "64k",
            () ->
                assertThrows(
                    LowrankException.class,
                    () -> {
                      try (SimilaritySelector s =
                          SimilaritySelectorTest.selector(SimilaritySelectorTest.model(0.3), 0.98)
                              .build()) {
                        s.calibrate();
                      }
                    }));
    assertEquals(LowrankException.Kind.RESOURCE, e.kind());
    assertTrue(
        e.getMessage().startsWith("the similarity selector's cache of 3 layer inputs for 32")
            && e.getMessage().contains("over --memory-budget 64 KiB")
            && e.getMessage().contains("--calibration"),
        e.getMessage());
  }
}
