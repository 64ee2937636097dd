package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.lowrank.bench.record.ResultLog;

/**
 * The checked-in RESULTS.md is exactly what {@code ./bench render} makes of the checked-in records.
 */
class ResultsUpToDateTest {
  @Test
  void resultsMdIsRenderedFromTheRecords() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent(); // tests run in lowrank-bench/
    String expected =
        ResultsPage.document(
            new ResultLog(root.resolve(TrustBench.DATA)),
            new ResultLog(root.resolve(RealBench.DATA)),
            new ResultLog(root.resolve(ResultsPage.EXPERIMENTS)),
            new ResultLog(root.resolve(CpPeersBench.DATA)));
    assertEquals(
        expected,
        Files.readString(root.resolve("RESULTS.md")),
        "RESULTS.md differs from what ./bench render writes from results/*.jsonl: run ./bench render "
            + "(RESULTS.md is generated; do not edit it by hand)");
  }
}
