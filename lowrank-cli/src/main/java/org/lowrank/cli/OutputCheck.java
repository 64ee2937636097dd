package org.lowrank.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lowrank.util.OutputPaths;

/** The commands' up-front output check (see {@link OutputPaths}), before any work is done. */
final class OutputCheck {
  private OutputCheck() {}

  /**
   * Checks that {@code out} can be written and is none of the inputs.
   *
   * @param inputs pairs of what an input is and its path (null when not given), e.g. "model", m
   */
  static void check(String what, Path out, Object... inputs) {
    Map<String, Path> ins = new LinkedHashMap<>();
    for (int i = 0; i < inputs.length; i += 2) {
      ins.put((String) inputs[i], (Path) inputs[i + 1]);
    }
    OutputPaths.check(Map.of(what, out), ins);
  }
}
