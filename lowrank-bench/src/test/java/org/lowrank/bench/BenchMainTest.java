package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchMainTest {
  private static int run(StringWriter err, String... args) {
    CommandLine cl = BenchMain.commandLine();
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(new StringWriter()));
    return cl.execute(args);
  }

  @Test
  void withoutABenchmarkTheUsageAndExitTwo() {
    StringWriter err = new StringWriter();
    assertEquals(2, run(err));
    for (String name :
        new String[] {
          "real",
          "render",
          "trust",
          "results",
          "decompositions",
          "dse-timing",
          "search-timing",
          "train-throughput",
          "resnet-latency"
        }) {
      assertTrue(err.toString().contains(name), name + " missing from the usage: " + err);
    }
  }

  @Test
  void unknownBenchmarkIsAUsageError() {
    assertEquals(2, run(new StringWriter(), "nope"));
  }

  @Test
  void everyBenchmarkParsesItsOptionsWithPicocli() {
    for (String name : BenchMain.commandLine().getSubcommands().keySet()) {
      if (name.equals("help")) {
        continue;
      }
      StringWriter err = new StringWriter();
      assertEquals(2, run(err, name, "--bogus"), name + " accepted an unknown option");
      // picocli names a missing required option before an unknown one
      assertTrue(
          err.toString().contains("Unknown option: '--bogus'")
              || err.toString().contains("Missing required option"),
          name + ": " + err);
      assertEquals(0, run(new StringWriter(), name, "--help"), name + " --help");
    }
  }
}
