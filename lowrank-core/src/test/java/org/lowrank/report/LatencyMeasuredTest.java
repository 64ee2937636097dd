package org.lowrank.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A report states what its latency rows measured: runs and how settled the median was. */
class LatencyMeasuredTest {
  @Test
  void runsAndSpreadRoundTripAndShowInTheSummary() {
    CompressionReport r = SampleReports.resnet20(List.of());
    CompressionReport back = ReportJson.read(ReportJson.write(r), "r.json");
    assertEquals(r.latency(), back.latency());
    assertEquals(35, back.latency().get(1).runs());
    assertEquals(0.012, back.latency().get(1).medianSpread(), 1e-12);
    assertEquals(0, back.latency().get(0).runs(), "an old row without runs reads as not recorded");
    String text = ReportText.summary(r);
    assertTrue(text.contains("35 runs, median within 1.2%"), text);
  }
}
