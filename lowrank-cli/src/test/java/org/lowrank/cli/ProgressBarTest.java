package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Progress lines off a terminal, with a fake clock. */
class ProgressBarTest {
  private static final long S = 1_000_000_000L;

  @Test
  void offATerminalOneLineAtMostEveryTenSecondsWithWhatIsLeftAndAnEstimate() {
    AtomicLong now = new AtomicLong(1000 * S);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBar bar =
        new ProgressBar(
            new PrintStream(bytes, true, StandardCharsets.UTF_8), false, false, now::get);
    bar.start("factorize", 10);
    now.addAndGet(4 * S);
    bar.progress(1, "factorizing conv1"); // 4 s: too soon
    now.addAndGet(8 * S);
    bar.progress(2, "factorizing conv2"); // 12 s: a line
    now.addAndGet(5 * S);
    bar.progress(3, "factorizing conv3"); // 5 s after the last line: none
    now.addAndGet(5 * S);
    bar.progress(4, ""); // 10 s after: a line
    now.addAndGet(278 * S);
    bar.progress(9, "factorizing fc");
    now.addAndGet(3 * S);
    bar.finish("10 layers");
    bar.start("evaluate", -1);
    now.addAndGet(11 * S);
    bar.progress(7, "");
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(
        List.of(
            "factorize: 2/10 done (20%), 8 left, 12 s elapsed, about 48 s left; factorizing conv2",
            "factorize: 4/10 done (40%), 6 left, 22 s elapsed, about 33 s left",
            "factorize: 9/10 done (90%), 1 left, 5 min 0 s elapsed, about 33 s left; factorizing fc",
            "factorize done in 303.0 s (10 layers)",
            "evaluate: 7 done, 11 s elapsed"),
        lines);
  }

  @Test
  void aLongUnitOfWorkGetsAHeartbeatEveryIntervalUntilTheStepFinishes() {
    AtomicLong now = new AtomicLong(0);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBar bar =
        new ProgressBar(
            new PrintStream(bytes, true, StandardCharsets.UTF_8), false, false, now::get);
    bar.tick(); // no step yet
    bar.start("factorize", 4);
    bar.progress(1, "factorizing big");
    for (int s = 1; s <= 25; s++) {
      now.set(s * S);
      bar.tick();
    }
    bar.finish("");
    now.addAndGet(60 * S);
    bar.tick(); // the step is over
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(
        List.of(
            "factorize: 1/4 done (25%), 3 left, 10 s elapsed, about 30 s left; factorizing big,"
                + " still working",
            "factorize: 1/4 done (25%), 3 left, 20 s elapsed, about 1 min 0 s left; factorizing"
                + " big, still working",
            "factorize done in 25.0 s"),
        lines);
  }

  @Test
  void quietPrintsNothingAndDurationsRead() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong now = new AtomicLong();
    ProgressBar bar =
        new ProgressBar(
            new PrintStream(bytes, true, StandardCharsets.UTF_8), false, true, now::get);
    bar.start("plan", 3);
    now.addAndGet(60 * S);
    bar.progress(1, "x");
    bar.finish("");
    assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    assertEquals("59 s", ProgressBar.duration(59.4));
    assertEquals("1 min 0 s", ProgressBar.duration(59.6));
    assertEquals("2 h 05 min", ProgressBar.duration(7500));
  }
}
