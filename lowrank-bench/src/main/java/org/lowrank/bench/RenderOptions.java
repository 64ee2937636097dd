package org.lowrank.bench;

import java.io.IOException;
import java.nio.file.Path;
import org.lowrank.bench.record.MarkedBlock;
import picocli.CommandLine.Option;

/**
 * The options every result runner shares: the page its block is rendered into, and whether to
 * measure at all ({@code --render-only} renders the recorded lines only).
 */
final class RenderOptions {
  @Option(
      names = "--results",
      paramLabel = "FILE",
      description =
          "Markdown page whose block of this benchmark is rewritten (default: RESULTS.md).")
  Path results = Path.of("RESULTS.md");

  @Option(
      names = "--render-only",
      description = "Only render the block from the recorded lines; measure nothing.")
  boolean renderOnly;

  /** Rewrites the page's {@code block} with {@code text}. */
  void write(String block, String text) throws IOException {
    MarkedBlock.write(results, block, text);
  }
}
