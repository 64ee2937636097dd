package org.lowrank.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates ../shared/data beside the checkout (or $LOWRANK_SHARED_DATA). */
final class SharedData {
  private SharedData() {}

  static Path root() {
    String env = System.getenv("LOWRANK_SHARED_DATA");
    Path p = env != null ? Path.of(env) : Path.of("..", "..", "shared", "data");
    return p.toAbsolutePath().normalize();
  }

  /** A file under the shared data folder; the test is skipped when it is absent. */
  static Path require(String relative) {
    Path p = root().resolve(relative);
    Assumptions.assumeTrue(Files.isRegularFile(p), "shared data not found: " + p);
    return p;
  }
}
