package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The checked-in RESULTS.md is exactly what {@code ./bench render} makes of the checked-in records.
 */
class ResultsUpToDateTest {
  @Test
  void resultsMdIsRenderedFromTheRecords() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent(); // tests run in lowrank-bench/
    String expected = ResultsPage.document(root);
    assertEquals(
        expected,
        Files.readString(root.resolve("RESULTS.md")),
        "RESULTS.md differs from what ./bench render writes from results/*.jsonl: run ./bench render "
            + "(RESULTS.md is generated; do not edit it by hand)");
  }
}
