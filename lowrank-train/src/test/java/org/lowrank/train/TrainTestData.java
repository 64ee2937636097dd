package org.lowrank.train;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates shared test data: {@code LOWRANK_SHARED_DATA} (property or env) or ../../shared/data. */
public final class TrainTestData {
  private TrainTestData() {}

  public static Path sharedData() {
    String p = System.getProperty("LOWRANK_SHARED_DATA", System.getenv("LOWRANK_SHARED_DATA"));
    return p != null ? Path.of(p) : Path.of("..", "..", "shared", "data");
  }

  /** A file under the shared data directory; skips the test if it is absent. */
  public static Path require(String relative) {
    Path f = sharedData().resolve(relative);
    Assumptions.assumeTrue(Files.exists(f), "shared data file absent: " + f);
    return f;
  }

  /** A file anywhere; skips the test if it is absent. */
  public static Path requireAbsolute(String path) {
    Path f = Path.of(path);
    Assumptions.assumeTrue(Files.exists(f), "data file absent: " + f);
    return f;
  }

  /** Largest absolute difference of two equally long arrays. */
  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
    }
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }
}
