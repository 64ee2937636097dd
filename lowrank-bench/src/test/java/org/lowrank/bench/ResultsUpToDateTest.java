package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.lowrank.bench.record.MarkedBlock;

/**
 * The checked-in RESULTS.md is exactly what {@code ./bench render} makes of the checked-in records,
 * stays short, and says in every block how its rows are measured again.
 */
class ResultsUpToDateTest {
  /** RESULTS.md is read by people: the latest row per id, settings once, no appendices. */
  static final int MAX_LINES = 320;

  /** The repository root: tests run in lowrank-bench/. */
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @Test
  void resultsMdIsRenderedFromTheRecords() throws Exception {
    String expected = ResultsPage.document(ROOT);
    assertEquals(
        expected,
        Files.readString(ROOT.resolve("RESULTS.md")),
        "RESULTS.md differs from what ./bench render writes from results/*.jsonl: run ./bench render "
            + "(RESULTS.md is generated; do not edit it by hand)");
  }

  @Test
  void resultsMdStaysShort() throws Exception {
    long lines = ResultsPage.document(ROOT).lines().count();
    assertTrue(
        lines <= MAX_LINES,
        "RESULTS.md has "
            + lines
            + " lines, more than "
            + MAX_LINES
            + ": render the latest row per id only and state shared settings once per block");
  }

  @Test
  void everyBlockNamesTheCommandThatMeasuresItsRows() throws Exception {
    assertEveryBlockNamesItsRerunCommand(ResultsPage.document(ROOT));
  }

  /**
   * Every block of {@link ResultsPage#BLOCKS} is in {@code page} and names a {@code ./bench}
   * benchmark that measures (not just renders) its rows; every measured table row that has a rerun
   * column names its command.
   */
  static void assertEveryBlockNamesItsRerunCommand(String page) {
    Set<String> benchmarks = new HashSet<>(BenchMain.commandLine().getSubcommands().keySet());
    benchmarks.removeAll(Set.of("render", "help"));
    for (ResultsPage.Block b : ResultsPage.BLOCKS) {
      int begin = page.indexOf(MarkedBlock.begin(b.name()));
      int end = page.indexOf(MarkedBlock.end(b.name()));
      assertTrue(begin >= 0 && end > begin, "RESULTS.md has no " + b.name() + " block");
      String block = page.substring(begin, end);
      Matcher m = Pattern.compile("`\\./bench ([\\w-]+)").matcher(block);
      boolean named = false;
      while (m.find()) {
        named |= benchmarks.contains(m.group(1));
      }
      assertTrue(named, "block " + b.name() + " names no ./bench command that measures its rows");
      String header = null;
      for (String line : block.lines().toList()) {
        if (line.startsWith("| ") && header == null) {
          header = line;
        } else if (!line.startsWith("|")) {
          header = null;
        } else if (header.endsWith("| rerun |") && line.startsWith("| measured |")) {
          assertTrue(line.contains("`./bench "), b.name() + ": a row without its command: " + line);
        }
      }
    }
  }
}
